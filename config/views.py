from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from config.api.errors import NOT_FOUND_MESSAGE, SERVER_ERROR_MESSAGE, error_body

API_PREFIXES = ("/api/", "/v1/")
BAD_REQUEST_MESSAGE = _("Bad request.")
FORBIDDEN_MESSAGE = _("Forbidden.")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in {"/api", "/v1"}


def healthz(request):
    """200 when the app and its database answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@csrf_exempt  # nothing is here to protect; a 404 must not become a CSRF failure page
def api_not_found(request, *args, **kwargs):
    """Any API path no endpoint serves: the JSON 404, with DEBUG on too (instead of its HTML page)."""
    return JsonResponse(error_body("not_found", NOT_FOUND_MESSAGE), status=404)


def not_found(request, exception=None):
    if is_api_path(request.path):
        return JsonResponse(error_body("not_found", NOT_FOUND_MESSAGE), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if is_api_path(request.path):
        return JsonResponse(error_body("server_error", SERVER_ERROR_MESSAGE), status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)


def bad_request(request, exception=None):
    if is_api_path(request.path):
        return JsonResponse(error_body("bad_request", BAD_REQUEST_MESSAGE), status=400)
    from django.views.defaults import bad_request as default_bad_request

    return default_bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api_path(request.path):
        return JsonResponse(error_body("permission_denied", FORBIDDEN_MESSAGE), status=403)
    from django.views.defaults import permission_denied as default_permission_denied

    return default_permission_denied(request, exception)
