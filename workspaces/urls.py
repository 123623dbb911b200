from django.urls import re_path

from config.routers import ApiRouter
from workspaces.auth import RefreshView, TokenView
from workspaces.views import ClientViewSet, MemberViewSet

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/clients", ClientViewSet, basename="clients")
router.register(r"workspace/(?P<workspace_id>[^/]+)/members", MemberViewSet, basename="members")

urlpatterns = [
    re_path(r"^auth/token/?$", TokenView.as_view(), name="token"),
    re_path(r"^auth/token/refresh/?$", RefreshView.as_view(), name="token-refresh"),
    *router.urls,
]
