"""Guards that answer before any view on API paths, in the API's error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from config.api.errors import PayloadTooLarge, error_body
from config.views import is_api_path

NUL_IN_URL = _("NUL bytes are not allowed in the URL.")
UPLOAD_TOO_LARGE = _("The request body is larger than a file of %(max)s bytes needs.")
#: what a multipart body may hold besides its file: boundaries, part headers, small fields
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def upload_body_limit() -> int:
    """The largest body an upload (``MAX_UPLOAD_BYTES`` of file) may come in."""
    return settings.MAX_UPLOAD_BYTES + UPLOAD_OVERHEAD_BYTES


def takes_uploads(request) -> bool:
    """Whether the view at this path takes files (a viewset declaring ``takes_uploads``)."""
    if request.method != "POST":
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(getattr(match.func, "cls", None), "takes_uploads", False))


def _refuse(request, code: str, message, status: int) -> JsonResponse:
    # this runs before LocaleMiddleware: answer in the language the request asks for
    with translation.override(translation.get_language_from_request(request)):
        return JsonResponse(error_body(code, str(message)), status=status)


class ApiRequestGuardMiddleware:
    """Before any view, from the ``Content-Length`` alone: 413 for API bodies over MAX_REQUEST_BYTES,
    except for endpoints taking files, whose bodies may hold MAX_UPLOAD_BYTES of file (and a little
    more for the multipart framing); 413 for any other path's body over that too (the admin's
    uploads); 400 for NUL bytes in the query string. Files are also counted as they stream in
    (``records.uploads``). And ``Cache-Control: no-store`` on every API answer (they carry health
    data: no browser, proxy or shared cache may keep a copy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path_info):
            if _content_length(request) > upload_body_limit():
                with translation.override(translation.get_language_from_request(request)):
                    return HttpResponse(str(PayloadTooLarge.default_detail), status=413, content_type="text/plain")
            return self.get_response(request)
        response = self._guard(request) or self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response

    def _guard(self, request):
        length = _content_length(request)
        if length > min(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, upload_body_limit()):
            if not takes_uploads(request):
                if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                    return _refuse(request, "payload_too_large", PayloadTooLarge.default_detail, 413)
            elif length > upload_body_limit():
                message = UPLOAD_TOO_LARGE % {"max": settings.MAX_UPLOAD_BYTES}
                return _refuse(request, "payload_too_large", message, 413)
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path_info:
            return _refuse(request, "invalid_input", NUL_IN_URL, 400)
        return None


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
