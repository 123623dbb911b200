"""API plumbing shared by every endpoint: errors, JSON in and out, paging, serializer bases."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
from decimal import Decimal
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.db.models import CharField, Func
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, renderers, serializers, status
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Errors: one envelope, {"error": {"code", "message", "fields"?}}, from one handler.
# --------------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class SubscriptionExpired(exceptions.PermissionDenied):
    default_detail = _("The workspace's subscription has expired.")
    default_code = "subscription_expired"


class ReferenceNotFound(exceptions.NotFound):
    """A referenced object (client, service, staff member) is not in this workspace."""

    def __init__(self, field: str, message: str):
        super().__init__(detail=message, code="not_found")
        self.fields = {field: [str(message)]}


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The database is unavailable; try again shortly.")
    default_code = "database_unavailable"


class BadRequest(exceptions.APIException):
    """A 400 with its own code (``too_many_results``, ``nonexistent_local_time``, ...)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(detail=message, code=code)
        self.fields = {field: [str(message)]} if field else None


VALIDATION_MESSAGE = _("Invalid input.")
NOT_FOUND_MESSAGE = _("Not found.")
SERVER_ERROR_MESSAGE = _("Server error.")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            if inner is not None:
                return f"{key}: {inner}"
    elif isinstance(detail, list):
        for value in detail:
            inner = _first_message(value)
            if inner is not None:
                return inner
    elif detail is not None:
        return str(detail)
    return None


def _plain(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response:
    """Every API error, whatever raised it, as one JSON envelope with a stable code."""
    from rest_framework.views import set_rollback

    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %s", exc)
        exc = ServiceUnavailable()
    elif isinstance(exc, DataError):
        logger.warning("input the database refused: %s", exc)
        exc = exceptions.ValidationError(_("A value is out of range or malformed."), code="invalid_input")

    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            detail = exc.detail
            if isinstance(detail, dict):
                fields = _plain(detail)
            else:
                fields = {"nonFieldErrors": _plain(detail if isinstance(detail, list) else [detail])}
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else "validation_error"
            if code == "invalid_input":
                fields = None
            message = _first_message(detail) or str(VALIDATION_MESSAGE)
            body = error_body(code, message, fields)
        else:
            codes = exc.get_codes()
            code = codes if isinstance(codes, str) else exc.default_code
            if isinstance(exc, exceptions.NotAuthenticated):
                code = "not_authenticated"
            elif isinstance(exc, exceptions.AuthenticationFailed) and code not in {"token_not_valid", "user_inactive"}:
                code = "authentication_failed"
            message = exc.detail if isinstance(exc.detail, str) else (_first_message(exc.detail) or exc.default_detail)
            body = error_body(code, message, getattr(exc, "fields", None))
        set_rollback()
        request = context.get("request")
        if request is not None and isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            # 401 needs a WWW-Authenticate header; DRF adds it only when the first
            # authenticator names one, which ours (JWT) does.
            headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
        return Response(body, status=exc.status_code, headers=headers)

    logger.exception("unhandled error in %s", context.get("view").__class__.__name__ if context.get("view") else "?")
    set_rollback()
    return Response(error_body("server_error", SERVER_ERROR_MESSAGE), status=500)


# --------------------------------------------------------------------------------------------
# JSON in and out
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Wire formats
# --------------------------------------------------------------------------------------------


def format_instant(value: dt.datetime) -> str:
    """UTC ISO 8601 with milliseconds: ``2024-01-15T10:30:00.000Z``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_day(value: dt.date) -> str:
    """A calendar date as that date at midnight UTC: ``2024-01-20T00:00:00.000Z``."""
    return value.isoformat() + "T00:00:00.000Z"


def format_clock(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


# The same three formats computed by PostgreSQL, for list paths that read plain rows
# (sessions.selectors, nutrition.selectors): the text arrives ready, with no Python per value.
# tests/performance/test_wire_sql.py holds them equal to the functions above.


class InstantText(Func):
    """``format_instant`` in SQL (milliseconds truncated, as there)."""

    template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    output_field = CharField()


class DayText(Func):
    """``format_day`` in SQL."""

    template = """to_char(%(expressions)s, 'YYYY-MM-DD"T00:00:00.000Z"')"""
    output_field = CharField()


class ClockText(Func):
    """``format_clock`` in SQL."""

    template = "to_char(%(expressions)s, 'HH24:MI')"
    output_field = CharField()


class InstantField(serializers.DateTimeField):
    def to_representation(self, value):
        return None if value is None else format_instant(value)


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


def parse_day(value: Any) -> dt.date:
    """The date part of an ISO 8601 date or date-time, as written (no time-zone shift)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError("not an ISO 8601 date")
    rest = value.strip()[10:]
    if rest:  # the time part must be a real ISO time too (2024-01-20T25:00 is not a date-time)
        try:
            dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError as exc:
            raise ValueError("not an ISO 8601 date-time") from exc
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


@extend_schema_field(
    {
        "type": "string",
        "description": "ISO 8601 date or date-time in (its date part as written); out: that date at midnight UTC.",
        "example": "2024-01-20T00:00:00.000Z",
    }
)
class DayField(serializers.Field):
    """``date`` in: ISO 8601 date or date-time, its date part as written; out: midnight UTC."""

    default_error_messages = {"invalid": _("Enter a valid ISO 8601 date, such as 2024-01-20.")}

    def to_internal_value(self, data):
        try:
            return parse_day(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return format_day(value)


_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class ClockField(serializers.Field):
    """24-hour ``HH:mm`` from 00:00 to 23:59."""

    default_error_messages = {"invalid": _("Enter a time as HH:mm, 24-hour, from 00:00 to 23:59.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _CLOCK_RE.match(data):
            self.fail("invalid")
        return dt.time(int(data[:2]), int(data[3:]))

    def to_representation(self, value):
        return format_clock(value)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true`` and ``false``: no "yes", 1 or "true" strings."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


def _reject_non_string(field, data):
    if not isinstance(data, str):
        raise serializers.ValidationError(_("Must be a string."), code="invalid")


class StrictCharField(serializers.CharField):
    """A JSON string: numbers and booleans are not silently turned into text."""

    def to_internal_value(self, data):
        _reject_non_string(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        _reject_non_string(self, data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, no booleans, no 1.5."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                data = int(data)
            else:
                self.fail("invalid")
        return super().to_internal_value(data)


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def to_snake(name: str) -> str:
    return _CAMEL_RE.sub("_", name).lower()


class CamelCaseMixin:
    """camelCase on the wire, snake_case in Python: fields are renamed here, once.

    ``validate_<snake_name>`` methods keep working (DRF looks them up by the wire name).
    """

    def get_fields(self):
        renamed = {}
        for name, field in super().get_fields().items():
            camel = to_camel(name)
            if camel != name and field.source is None:
                field.source = name
            renamed[camel] = field
        return renamed

    def __getattr__(self, name: str):
        if name.startswith("validate_"):
            wire = name[len("validate_") :]
            snake = to_snake(wire)
            if snake != wire:
                return getattr(self, "validate_" + snake)
        raise AttributeError(name)


class ApiSerializer(CamelCaseMixin, serializers.Serializer):
    pass


class ApiModelSerializer(CamelCaseMixin, serializers.ModelSerializer):
    def build_standard_field(self, field_name, model_field):
        from django.db import models

        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.DateTimeField):
            field_class = InstantField
        elif isinstance(model_field, models.BooleanField):
            field_class = StrictBooleanField
        elif field_class is serializers.IntegerField:
            field_class = StrictIntegerField
        elif field_class is serializers.CharField:
            field_class = StrictCharField
        elif field_class is serializers.EmailField:
            field_class = StrictEmailField
        return field_class, kwargs


# --------------------------------------------------------------------------------------------
# Paging: optional keyset paging on every list (?limit=N, ?cursor=...)
# --------------------------------------------------------------------------------------------

MAX_PAGE = 500
MAX_UNPAGED = 5000


def _encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, model, ordering: list[str]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(ordering):
            raise ValueError
        return [model._meta.get_field(name).to_python(value) for name, value in zip(ordering, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError, Exception) as exc:
        raise BadRequest(_("The cursor is not valid."), code="invalid_cursor", field="cursor") from exc


def _after(ordering: list[str], values: list[Any]):
    from django.db.models import Q

    condition = Q()
    for i in range(len(ordering) - 1, -1, -1):
        strictly = Q(**{f"{ordering[i]}__gt": values[i]})
        equal_before = Q(**{ordering[j]: values[j] for j in range(i)})
        condition |= equal_before & strictly
    return condition


def parse_limit(request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(_("limit must be an integer from 1 to %(max)s.") % {"max": MAX_PAGE}, "invalid", "limit")
    return int(raw)


def paginate(request, queryset, ordering: list[str]) -> tuple[list, str | None, bool]:
    """Rows of ``queryset`` in ``ordering`` (unique, ascending), one page or the whole list.

    Returns ``(rows, next_cursor, paged)``. Without ``limit`` the whole list comes back, up to
    MAX_UNPAGED rows; more is a 400 ``too_many_results``, never a silently cut list.
    """
    limit = parse_limit(request)
    cursor = request.query_params.get("cursor")
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = queryset.filter(_after(ordering, _decode_cursor(cursor, queryset.model, ordering)))
    if limit is None and not cursor:
        rows = list(queryset[: MAX_UNPAGED + 1])
        if len(rows) > MAX_UNPAGED:
            raise BadRequest(
                _("More than %(max)s results: narrow the filters or page with ?limit=.") % {"max": MAX_UNPAGED},
                code="too_many_results",
            )
        return rows, None, False
    limit = limit or MAX_PAGE
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if isinstance(last, dict):  # rows read with .values() (the fast list paths)
            next_cursor = _encode_cursor([last[name] for name in ordering])
        else:
            next_cursor = _encode_cursor([getattr(last, name) for name in ordering])
    return rows, next_cursor, True
