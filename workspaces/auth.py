"""The token endpoints: login (with the second factor), refresh rotation, logout.

Failed logins are counted by :func:`workspaces.accounts.login_counter.login_attempt`, the same
counter as the admin's login page.

Revocation rides on the user row that every authenticated request loads anyway: each token
carries a digest of the password hash it was issued under (simplejwt's ``CHECK_REVOKE_TOKEN``),
so a password change by any door refuses every earlier token, as Django's session hash does for
cookie sessions. Refresh tokens are single-use: rotating or logging out records the token's id
in :class:`~workspaces.models.UsedRefreshToken` (only these two endpoints touch that table).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenObtainSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView

from config.schema import error
from workspaces.accounts import two_factor
from workspaces.accounts.authentication import checked_user
from workspaces.accounts.login_counter import LoginThrottledError, login_attempt
from workspaces.models import UsedRefreshToken, User

TOKEN_USED = _("This refresh token was already used or revoked; log in again.")
NO_ACTIVE_ACCOUNT = _("No active account found with the given credentials")


# --------------------------------------------------------------------------------------------
# The second factor at the API's door
# --------------------------------------------------------------------------------------------


class OtpRequired(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = two_factor.OTP_REQUIRED
    default_code = "otp_required"
    auth_header = 'Bearer realm="api"'


class OtpInvalid(OtpRequired):
    default_detail = two_factor.OTP_INVALID
    default_code = "otp_invalid"


def check_second_factor(user: User, code: str | None) -> None:
    """Nothing for a user without two-factor; else 401 ``otp_required`` (no code) or ``otp_invalid``."""
    try:
        two_factor.login_check(user=user, code=code)
    except two_factor.CodeMissingError:
        raise OtpRequired() from None
    except two_factor.CodeWrongError:
        raise OtpInvalid() from None


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------


def token_user(token) -> User:
    """The active user ``token`` was issued to, under the password they still have; else 401."""
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active:  # (as a login answers them, not as a bearer token)
        raise exceptions.AuthenticationFailed(NO_ACTIVE_ACCOUNT, "no_active_account")
    return checked_user(user, token)  # the password it was issued under: the one check of both doors


def spend_refresh_token(token) -> bool:
    """Record ``token`` as used: True the first time, False when it already was (also when two
    requests race with it: the unique token id lets exactly one INSERT through)."""
    expires_at = datetime.fromtimestamp(token["exp"], tz=UTC)
    with transaction.atomic():
        UsedRefreshToken.objects.filter(expires_at__lt=timezone.now()).delete()  # expired anyway
        try:
            with transaction.atomic():
                UsedRefreshToken.objects.create(jti=token[jwt_settings.JTI_CLAIM], expires_at=expires_at)
        except IntegrityError:
            return False
    return True


def parse_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise InvalidToken(exc.args[0]) from None


class TokenPairSerializer(TokenObtainPairSerializer):
    """``{"email", "password", "otp"?}``: the password, then the second factor for users who have one."""

    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        write_only=True,
        help_text="The authenticator app's 6-digit code; needed once the user has two-factor.",
    )
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    def validate(self, attrs):
        TokenObtainSerializer.validate(self, attrs)  # the password (401 authentication_failed)
        check_second_factor(self.user, attrs.get("otp"))
        refresh = self.get_token(self.user)
        return {"access": str(refresh.access_token), "refresh": str(refresh)}


class TokenView(TokenObtainPairView):
    """POST {"email", "password", "otp"?} -> {"access", "refresh"}; wrong credentials 401; too many 429."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = TokenPairSerializer

    @extend_schema(
        summary="Obtain a token pair",
        responses={
            200: TokenPairSerializer,
            401: error(
                "authentication_failed (wrong email or password); otp_required (the user has two-factor: "
                "send otp too); otp_invalid (a wrong or already used code)."
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        try:
            with login_attempt(request, email if isinstance(email, str) else "") as attempt:
                try:
                    return super().post(request, *args, **kwargs)
                except (exceptions.AuthenticationFailed, OtpInvalid):
                    attempt.fail()  # a wrong password or code keeps its count; otp_required does not
                    raise
        except LoginThrottledError as exc:
            raise exceptions.Throttled(wait=exc.wait) from None


class OpenView(APIView):
    """An endpoint that takes no credentials (a token in the body, or none); its 401s still
    carry WWW-Authenticate (DRF would turn them into 403s for a view without authenticators)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class TokenRefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="A refresh token; it is spent by this call.")


class RefreshView(OpenView):
    """Rotation: a refresh token buys one new pair and is refused from then on."""

    @extend_schema(
        summary="Refresh a token pair",
        request=TokenRefreshSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = parse_refresh(serializer.validated_data["refresh"])
        user = token_user(token)
        if not spend_refresh_token(token):
            raise InvalidToken(TOKEN_USED)
        fresh = RefreshToken.for_user(user)
        return Response({"access": str(fresh.access_token), "refresh": str(fresh)})


class LogoutView(OpenView):
    """POST {"refresh"} -> 204: that refresh token is refused from then on."""

    @extend_schema(
        summary="Log out (revoke a refresh token)",
        request=TokenRefreshSerializer,
        responses={204: None, 401: error("token_not_valid: not a refresh token, or expired.")},
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spend_refresh_token(parse_refresh(serializer.validated_data["refresh"]))  # a second logout: 204 too
        return Response(status=status.HTTP_204_NO_CONTENT)
