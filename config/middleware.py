"""Guards that answer before any view on API paths, in the API's error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from config.api.errors import PayloadTooLarge, error_body
from config.views import is_api_path

NUL_IN_URL = _("NUL bytes are not allowed in the URL.")


def _refuse(request, code: str, message, status: int) -> JsonResponse:
    # this runs before LocaleMiddleware: answer in the language the request asks for
    with translation.override(translation.get_language_from_request(request)):
        return JsonResponse(error_body(code, str(message)), status=status)


class ApiRequestGuardMiddleware:
    """413 for bodies over MAX_REQUEST_BYTES, 400 for NUL bytes in the query string; and
    ``Cache-Control: no-store`` on every API answer (they carry health data: no browser, proxy
    or shared cache may keep a copy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path_info):
            return self.get_response(request)
        response = self._guard(request) or self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response

    def _guard(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return _refuse(request, "payload_too_large", PayloadTooLarge.default_detail, 413)
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path_info:
            return _refuse(request, "invalid_input", NUL_IN_URL, 400)
        return None
