"""drf-spectacular hooks."""


def only_api_prefix(endpoints):
    """Every endpoint is served under /api/v1/ and /v1/; the schema documents the first."""
    return [
        (path.rstrip("/") if path != "/" else path, *rest)  # paths are documented without a trailing slash
        for path, *rest in endpoints
        if not path.startswith("/v1/")
    ]
