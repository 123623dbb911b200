"""Errors: one envelope, ``{"error": {"code", "message", "fields"?}}``, from one handler.

Everything an API view can raise ends here: DRF's exceptions, Django's (404, 403, a body too
large, a database that is down or refused a value) and the domain's
(:class:`workspaces.errors.DomainError`), whose model field names become the wire names of the
view's write serializer (``staff`` -> ``specialistId`` on consultations, ``start_time`` ->
``startTime``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from workspaces import errors as domain

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class SubscriptionExpired(exceptions.PermissionDenied):
    default_detail = _("The workspace's subscription has expired.")
    default_code = "subscription_expired"


class TwoFactorRequired(exceptions.PermissionDenied):
    default_detail = _("This workspace requires two-factor authentication: turn it on for your account first.")
    default_code = "two_factor_required"


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
    """A 400 with its own code (``too_many_results``, ``invalid_cursor``, ...) on a wire field."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"

    def __init__(self, message: str, code: str, field: str | None = None):
        super().__init__(detail=message, code=code)
        self.fields = {field: [str(message)]} if field else None


VALIDATION_MESSAGE = _("Invalid input.")
NOT_FOUND_MESSAGE = _("Not found.")
SERVER_ERROR_MESSAGE = _("Server error.")

#: a domain error's kind -> the HTTP status that answers it
DOMAIN_STATUS = {
    domain.InvalidError: 400,
    domain.NotFoundError: 404,
    domain.ConflictError: 409,
    domain.TooLargeError: 413,
    domain.UnsupportedError: 415,
}


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


def _leaves(codes: Any) -> set[str]:
    if isinstance(codes, dict):
        return set().union(*(_leaves(value) for value in codes.values()))
    if isinstance(codes, list):
        return set().union(*(_leaves(value) for value in codes))
    return {codes}


def wire_name(view, field: str) -> str:
    """The name a model field has on the wire for ``view``: the write serializer's field whose
    source it is (``staff`` -> ``staffId`` or ``specialistId``), else the field in camelCase."""
    from config.api.serializers import to_camel

    serializer_class = getattr(view, "write_serializer_class", None)
    if serializer_class is not None:
        for name, serializer_field in serializer_class().fields.items():
            if serializer_field.source == field:
                return name
    return to_camel(field)


def domain_response(exc: domain.DomainError, view) -> Response:
    """A domain error as the envelope: its status from its kind, its field by its wire name."""
    status_code = next(code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind))
    fields = {wire_name(view, exc.field): [str(exc.message)]} if exc.field else None
    return Response(error_body(exc.code, exc.message, fields), status=status_code)


def exception_handler(exc: Exception, context: dict) -> Response:
    """Every API error, whatever raised it, as one JSON envelope with a stable code."""
    from rest_framework.views import set_rollback

    if isinstance(exc, domain.DomainError):
        set_rollback()
        return domain_response(exc, context.get("view"))
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
            if isinstance(codes, str):
                code = codes
            else:  # a body field nobody knows (a typo) is named as such, wherever it is
                code = "unknown_field" if "unknown_field" in _leaves(codes) else "validation_error"
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
