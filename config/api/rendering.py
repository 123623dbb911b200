"""JSON in and out: orjson, exact decimals, strict parsing, bounded depth."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, renderers

from config.api.errors import PayloadTooLarge

MAX_JSON_DEPTH = 32


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))  # money goes out exactly as stored: 150.00
    if hasattr(value, "__str__"):  # lazy translation strings
        return str(value)
    raise TypeError


class JSONRenderer(renderers.JSONRenderer):
    """orjson: fast, UTF-8 (Arabic stays readable), decimals exact."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_default)


class AnyContentRenderer(JSONRenderer):
    """For an action that answers a file (a download, a PDF): it goes out whatever the Accept header
    asks for, and an error it answers instead is JSON, labelled so (``renderer_classes=[JSONRenderer,
    AnyContentRenderer]``)."""

    media_type = "*/*"
    format = "any"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:  # an error answered to a download: it is JSON, and says so
            response["Content-Type"] = "application/json"
        return super().render(data, accepted_media_type, renderer_context)


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in item)
    return False


class JSONParser(parsers.JSONParser):
    """orjson: strict (no NaN, valid UTF-8 only) and bounded in depth."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            raw = stream.read() if stream is not None else b""
        except RequestDataTooBig as exc:
            raise PayloadTooLarge() from exc
        if not raw:
            return {}
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(
                _("Malformed JSON: %(error)s") % {"error": exc.msg}, code="malformed_json"
            ) from None
        if _too_deep(data, MAX_JSON_DEPTH):
            raise exceptions.ParseError(_("The JSON document is nested too deeply."), code="malformed_json")
        return data
