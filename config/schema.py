"""The OpenAPI description's shared pieces and drf-spectacular hooks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer, inline_serializer
from rest_framework import serializers


def only_api_prefix(endpoints):
    """Every endpoint is served under /api/v1/ and /v1/; the schema documents the first."""
    return [
        (path.rstrip("/") if path != "/" else path, *rest)  # paths are documented without a trailing slash
        for path, *rest in endpoints
        if not path.startswith("/v1/")
    ]


# --------------------------------------------------------------------------------------------
# Shared pieces of the OpenAPI description: one error envelope, response envelopes, paging.
# --------------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, e.g. validation_error, staff_conflict.")
    message = serializers.CharField(help_text="A human message.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="For validation errors: the offending camelCase fields and their messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """The envelope of every API error, on every path and status."""

    error = ErrorDetailSerializer()


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


PAGING_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size, 1 to 500; without it the whole list (up to 5000)."),
    OpenApiParameter("cursor", str, description="The nextCursor of the previous page."),
]
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="1-255 printable characters; a retry with the same key and body replays the first answer (24 h).",
)

_ENVELOPES: dict[tuple, type] = {}


def envelope(name: str, serializer, many: bool = False, paged: bool = False):
    """The schema of ``{name: serializer}``: a list when ``many``, plus ``nextCursor`` when ``paged``.

    A list answer is one object holding the array, never an array of envelopes. Each shape is
    built once: a second class with the same component name would be a schema warning.
    """
    key = (name, serializer, many, paged)
    if key not in _ENVELOPES:
        fields = {name: serializer(many=True) if many else serializer()}
        if paged:
            fields["nextCursor"] = serializers.CharField(
                allow_null=True, required=False, help_text="Only with ?limit= or ?cursor=: the next page, or null."
            )
        base = serializer.__name__.replace("ReadSerializer", "").replace("Serializer", "")
        component = inline_serializer(name=f"{base}{'List' if many else ''}Envelope", fields=fields)
        if many:
            extend_schema_serializer(many=False)(type(component))
        _ENVELOPES[key] = component
    return _ENVELOPES[key]


# --------------------------------------------------------------------------------------------
# Answers every operation can give, whatever its view declares: a view's decorator names only
# the answers that are its own (its 200/201, its 400 codes, its 409s, a 404 of a reference).
# --------------------------------------------------------------------------------------------

_COMMON_ERRORS = {
    "400": "malformed_json, validation_error naming the fields, or invalid_input (NUL bytes in the URL).",
    "401": "No credentials, or a bad or expired token (not_authenticated, token_not_valid).",
    "403": (
        "The subscription expired (subscription_expired), the workspace requires two-factor and the caller has "
        "none (two_factor_required), or the role lacks the permission (permission_denied)."
    ),
    "404": "Unknown workspace or not an active member (the same answer); or the object in the path is not found.",
    "406": "The Accept header asks for something other than JSON (not_acceptable).",
    "413": "The request body is larger than MAX_REQUEST_BYTES (payload_too_large).",
    "415": "The request body is not JSON (unsupported_media_type).",
    "503": "The database is unavailable (database_unavailable); retry shortly.",
}
_SPECIFIC_ERRORS = {
    "401": "Wrong credentials (authentication_failed) or a bad or expired token (token_not_valid).",
    "429": "Too many failed logins (throttled); see Retry-After.",
    "409": "idempotency_key_reused: this Idempotency-Key came before with a different body.",
}
_METHODS = {"get", "post", "put", "patch", "delete"}
URI_TOO_LONG = "The request line is over the HTTP server's limit (gunicorn: 4094 bytes); answered by the server."


def _wanted(path: str, operation: dict) -> list[str]:
    """The statuses ``operation`` on ``path`` can answer besides its own."""
    wanted = ["400", "406", "503"]
    if "requestBody" in operation:
        wanted += ["413", "415"]
    if "/auth/" not in path:  # every other endpoint needs credentials
        wanted += ["401"]
    if "{workspace_id}" in path:  # the order of checks: 404 for the workspace, 403, then 404 for the object
        wanted += ["403", "404"]
    return wanted


def _specific(path: str, operation: dict) -> list[str]:
    specific = []
    if "/auth/token" in path:
        specific += ["401"] + (["429"] if path.endswith("/auth/token") else [])
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
        specific += ["409"]
    return specific


def document_common_responses(result, generator, request, public):
    """Add to every operation the error answers the server really gives on any path.

    Each is the one error envelope (``Error``): 401 wherever credentials are needed, 403 and 404
    on every workspace path (the contract's order of checks), 400/406/503 anywhere, 413/415 where
    a body is taken; the token endpoints answer 401 and, for logins, 429 with Retry-After; a
    create taking an Idempotency-Key answers 409 when the key came with another body. A view's
    own description of one of these (a 404 naming a reference) is kept.
    """
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _wanted(path, operation):
                responses.setdefault(status, {"content": error_body, "description": _COMMON_ERRORS[status]})
            for status in _specific(path, operation):
                responses.setdefault(status, {"content": error_body, "description": _SPECIFIC_ERRORS[status]})
            # answered by the HTTP server itself (gunicorn's 4094-byte request-line limit), before
            # the application: plain HTML, not the API's envelope
            responses.setdefault(
                "414", {"content": {"text/html": {"schema": {"type": "string"}}}, "description": URI_TOO_LONG}
            )
            if "429" in responses:
                responses["429"].setdefault(
                    "headers",
                    {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds until a login may be tried.",
                        }
                    },
                )
    return result
