"""Guards that answer before any view on API paths, in the API's error shape."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

from config.api import error_body
from config.views import is_api_path


class ApiRequestGuardMiddleware:
    """413 for bodies over MAX_REQUEST_BYTES, 400 for NUL bytes in the query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api_path(request.path_info):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return JsonResponse(error_body("payload_too_large", "The request body is too large."), status=413)
            query = request.META.get("QUERY_STRING", "")
            if "%00" in query or "\x00" in query or "\x00" in request.path_info:
                return JsonResponse(error_body("invalid_input", "NUL bytes are not allowed in the URL."), status=400)
        return self.get_response(request)
