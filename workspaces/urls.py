from django.urls import re_path

from config.routers import ApiRouter
from workspaces.accounts import views as accounts
from workspaces.auth import LogoutView, RefreshView, TokenView
from workspaces.views import ClientViewSet, MemberViewSet

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/clients", ClientViewSet, basename="clients")
router.register(r"workspace/(?P<workspace_id>[^/]+)/members", MemberViewSet, basename="members")

urlpatterns = [
    re_path(r"^auth/token/?$", TokenView.as_view(), name="token"),
    re_path(r"^auth/token/refresh/?$", RefreshView.as_view(), name="token-refresh"),
    re_path(r"^auth/logout/?$", LogoutView.as_view(), name="logout"),
    re_path(r"^auth/password-reset/?$", accounts.PasswordResetView.as_view(), name="password-reset"),
    re_path(
        r"^auth/password-reset/confirm/?$",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm-api",
    ),
    re_path(r"^me/?$", accounts.MeView.as_view(), name="me"),
    re_path(r"^me/password/?$", accounts.PasswordView.as_view(), name="me-password"),
    re_path(r"^me/two-factor/?$", accounts.TwoFactorView.as_view(), name="me-two-factor"),
    re_path(r"^me/two-factor/confirm/?$", accounts.TwoFactorConfirmView.as_view(), name="me-two-factor-confirm"),
    re_path(
        r"^workspace/(?P<workspace_id>[^/]+)/?$",
        accounts.WorkspaceViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="workspace",
    ),
    *router.urls,
]
