from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import views

api_patterns = [
    path("", include("workspaces.urls")),
    path("", include("services.urls")),
    path("", include("sessions.urls")),
    path("", include("nutrition.urls")),
    path("", include("availability.urls")),
    path("", include("backoffice.api_urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    re_path(r"^api/v1/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^api/redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/v1/", include(api_patterns)),
    path("v1/", include(api_patterns)),
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
