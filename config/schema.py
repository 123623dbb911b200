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


UNAUTHENTICATED = error("No credentials, or a bad or expired token (not_authenticated).")
FORBIDDEN = error("The subscription expired (subscription_expired) or the role lacks the permission.")
NOT_FOUND = error("Unknown workspace or not an active member; or the object in the path is not found.")
ACCESS_ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}

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
