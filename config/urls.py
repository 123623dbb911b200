from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from config import views
from workspaces.accounts import pages as accounts_pages

api_patterns = [
    path("", include("workspaces.urls")),
    path("", include("services.urls")),
    path("", include("sessions.urls")),
    path("", include("nutrition.urls")),
    path("", include("records.urls")),
    path("", include("availability.urls")),
    path("", include("backoffice.api_urls")),
    path("", include("billing.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    re_path(r"^api/v1/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    # the split view serves Swagger UI's set-up script as a file: no inline script under the CSP
    re_path(r"^api/docs/?$", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # ReDoc renders in a web worker it makes from a blob: URL
    re_path(
        r"^api/redoc/?$",
        csp_update({"worker-src": ["'self'", "blob:"]})(SpectacularRedocView.as_view(url_name="schema")),
        name="redoc",
    ),
    path("api/v1/", include(api_patterns)),
    path("v1/", include(api_patterns)),
    # before the admin's own URLs: its login, answering 401/429 as the API does (workspaces.accounts.pages)
    path("admin/login/", accounts_pages.admin_login, name="admin-login"),
    path("password-reset/", accounts_pages.password_reset_page, name="admin_password_reset"),
    path("password-reset/sent/", accounts_pages.password_reset_sent_page, name="password-reset-sent"),
    re_path(
        r"^password-reset/(?P<token>[0-9a-f]{24}-[0-9a-z]{1,13}-[0-9a-f]{1,64})/?$",
        accounts_pages.password_reset_confirm_page,
        name="password-reset-confirm",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's language switcher
    path("", include("backoffice.urls")),
    # every other API path: the API's JSON 404 (the handler below is not used with DEBUG on)
    re_path(r"^(?:api|v1)(?:/.*)?$", views.api_not_found),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.not_found
handler500 = views.server_error
