"""API endpoints of accounts: /me, the workspace's settings, passwords, reset, two-factor."""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import envelope, error
from workspaces.accounts import actions
from workspaces.accounts import schema as _schema  # noqa: F401  (registers the bearer scheme's description)
from workspaces.accounts.actions import reset_link
from workspaces.accounts.login_counter import LoginThrottledError, login_attempt
from workspaces.accounts.serializers import (
    MeReadSerializer,
    MeWriteSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    TwoFactorCodeSerializer,
    TwoFactorEnrolmentSerializer,
    WorkspaceReadSerializer,
    WorkspaceWriteSerializer,
)
from workspaces.auth import OpenView
from workspaces.errors import InvalidError
from workspaces.models import Membership, Workspace
from workspaces.tenancy import WorkspaceScopedViewSet

INVALID = error("validation_error naming the offending fields; malformed_json.")
THROTTLED = error("Too many wrong current passwords (throttled, the login counter); see Retry-After.")
CODE_ERRORS = error("invalid_code (naming code): the code is wrong, expired or already used.")


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --------------------------------------------------------------------------------------------
# /me
# --------------------------------------------------------------------------------------------


class MeView(APIView):
    """The caller and the workspaces they are an active member of: how a frontend finds its way."""

    def me(self, user) -> Response:
        # the user came with the request; the memberships and their workspaces in one query
        memberships = Membership.objects.workspaces_of(user)
        return Response(MeReadSerializer({"user": user, "memberships": memberships}).data)

    @extend_schema(summary=_("Who am I"), responses={200: MeReadSerializer})
    def get(self, request, *args, **kwargs):
        return self.me(request.user)

    @extend_schema(
        summary=_("Change my name or language"),
        request=MeWriteSerializer,
        responses={200: MeReadSerializer, 400: INVALID},
    )
    def patch(self, request, *args, **kwargs):
        data = validated(MeWriteSerializer, request.data)
        return self.me(actions.user_update(user=request.user, **data))


class PasswordView(APIView):
    @extend_schema(
        summary=_("Change my password"),
        request=PasswordChangeSerializer,
        responses={
            204: None,
            400: error("wrong_password (naming currentPassword); weak_password (naming newPassword)."),
            429: THROTTLED,
        },
    )
    def post(self, request, *args, **kwargs):
        data = validated(PasswordChangeSerializer, request.data)
        try:
            # a wrong current password counts as a failed login (a stolen token cannot guess it)
            with login_attempt(request, request.user.email) as attempt:
                try:
                    actions.password_change(user=request.user, **data)
                except InvalidError as exc:
                    if exc.code == "wrong_password":
                        attempt.fail()
                    raise
        except LoginThrottledError as exc:
            raise exceptions.Throttled(wait=exc.wait) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorView(APIView):
    @extend_schema(
        summary=_("Start two-factor enrolment"),
        request=None,
        responses={
            201: envelope("twoFactor", TwoFactorEnrolmentSerializer),
            409: error("two_factor_enabled: turn it off first."),
        },
    )
    def post(self, request, *args, **kwargs):
        device = actions.two_factor_start(user=request.user)
        uri = device.config_url
        secret = base64.b32encode(device.bin_key).decode()  # what the URI carries, for typing in
        body = {
            "otpauthUri": uri,
            "qrCode": segno.make(uri, error="m").svg_data_uri(scale=4),
            "secret": secret,
        }
        return Response({"twoFactor": body}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Turn two-factor off"),
        request=TwoFactorCodeSerializer,
        responses={204: None, 400: CODE_ERRORS, 409: error("two_factor_not_enabled.")},
    )
    def delete(self, request, *args, **kwargs):
        data = validated(TwoFactorCodeSerializer, request.data)
        actions.two_factor_disable(user=request.user, code=data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorConfirmView(APIView):
    @extend_schema(
        summary=_("Confirm two-factor enrolment"),
        request=TwoFactorCodeSerializer,
        responses={
            204: None,
            400: CODE_ERRORS,
            409: error("two_factor_enabled (already on) or two_factor_not_started (enrol first)."),
        },
    )
    def post(self, request, *args, **kwargs):
        data = validated(TwoFactorCodeSerializer, request.data)
        actions.two_factor_confirm(user=request.user, code=data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------------
# Password reset (no credentials)
# --------------------------------------------------------------------------------------------


class PasswordResetView(OpenView):
    @extend_schema(
        summary=_("Ask for a password reset email"),
        request=PasswordResetRequestSerializer,
        responses={202: None, 400: INVALID},
    )
    def post(self, request, *args, **kwargs):
        data = validated(PasswordResetRequestSerializer, request.data)
        actions.password_reset_request(email=data["email"], link=reset_link(request))
        return Response(status=status.HTTP_202_ACCEPTED)  # whether or not the account exists


class PasswordResetConfirmView(OpenView):
    @extend_schema(
        summary=_("Set a new password with a reset token"),
        request=PasswordResetConfirmSerializer,
        responses={
            204: None,
            400: error("invalid_token (naming token: bad, expired or used); weak_password (naming newPassword)."),
        },
    )
    def post(self, request, *args, **kwargs):
        data = validated(PasswordResetConfirmSerializer, request.data)
        actions.password_reset_confirm(token=data["token"], new_password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------------
# The workspace's own settings
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Get the workspace"), responses={200: envelope("workspace", WorkspaceReadSerializer)}
    ),
    partial_update=extend_schema(
        summary=_("Update the workspace's settings"),
        request=WorkspaceWriteSerializer,
        responses={
            200: envelope("workspace", WorkspaceReadSerializer),
            400: INVALID,
            409: error("two_factor_not_enabled: turn two-factor on for your own account before requiring it."),
        },
    ),
)
class WorkspaceViewSet(WorkspaceScopedViewSet):
    """Every member reads it; owners and admins change it. The workspace is the one the tenancy
    check loaded with the caller's membership: reading it costs no query of its own."""

    queryset = Workspace.objects.all()
    envelope = ("workspace", "workspaces")
    read_serializer_class = WorkspaceReadSerializer
    write_serializer_class = WorkspaceWriteSerializer
    permissions = {"retrieve": "workspace.view", "partial_update": "workspace.manage"}

    def retrieve(self, request, *args, **kwargs):
        return self.one(self.workspace)

    def partial_update(self, request, *args, **kwargs):
        data = self.validated(request.data, partial=True)
        with transaction.atomic():
            workspace = Workspace.objects.select_for_update().get(pk=self.workspace.pk)
            workspace = actions.workspace_update(workspace=workspace, changed_by=request.user, **data)
        return self.one(workspace)
