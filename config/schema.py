"""drf-spectacular hooks."""


def only_api_prefix(endpoints):
    """Every endpoint is served under /api/v1/ and /v1/; the schema documents the first."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith("/v1/")]
