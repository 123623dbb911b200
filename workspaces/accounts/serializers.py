"""Wire shapes of accounts: the caller (/me), a workspace's settings, passwords, two-factor."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField
from config.api.serializers import ApiModelSerializer, ApiSerializer
from workspaces.models import (
    MAX_REMINDER_HOURS,
    MAX_REMINDERS,
    Language,
    Membership,
    Workspace,
    validate_no_control_characters,
    validate_timezone,
)
from workspaces.roles import PERMISSION_ROLES

DUPLICATE_HOURS = _("Each reminder must be a different number of hours.")
LANGUAGE_HELP = "en or ar."


def role_permissions(role: str) -> list[str]:
    """The permission names a role holds, sorted (the contract's table, ``workspaces.roles``)."""
    return sorted(name for name, roles in PERMISSION_ROLES.items() if role in roles)


# --------------------------------------------------------------------------------------------
# /me
# --------------------------------------------------------------------------------------------


class UserReadSerializer(ApiSerializer):
    id = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(
        source="get_full_name", read_only=True, help_text="The user's name, or their email when they have none."
    )
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    two_factor_enabled = serializers.BooleanField(read_only=True)


class MembershipReadSerializer(ApiSerializer):
    id = serializers.CharField(read_only=True, help_text="The member id (what staffId refers to).")
    workspace_id = serializers.CharField(read_only=True)
    workspace_name = serializers.CharField(source="workspace.name", read_only=True)
    timezone = serializers.CharField(source="workspace.timezone", read_only=True)
    role = serializers.ChoiceField(choices=Membership._meta.get_field("role").choices, read_only=True)
    permissions = serializers.SerializerMethodField()
    subscription_expired = serializers.BooleanField(source="workspace.subscription_expired", read_only=True)

    def get_permissions(self, membership) -> list[str]:
        return role_permissions(membership.role)


class MeReadSerializer(ApiSerializer):
    user = UserReadSerializer(read_only=True)
    memberships = MembershipReadSerializer(many=True, read_only=True)


class MeWriteSerializer(ApiSerializer):
    read_shape = UserReadSerializer  # the user as /me shows it may come back, its own fields ignored
    name = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        validators=[validate_no_control_characters],
    )
    language = StrictChoiceField(choices=Language.choices, required=False, help_text=LANGUAGE_HELP)


class PasswordChangeSerializer(ApiSerializer):
    current_password = StrictCharField(max_length=4096, trim_whitespace=False, write_only=True)
    new_password = StrictCharField(max_length=4096, trim_whitespace=False, write_only=True)


# --------------------------------------------------------------------------------------------
# Workspace settings
# --------------------------------------------------------------------------------------------


class WorkspaceReadSerializer(ApiModelSerializer):
    reminder_hours = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Workspace
        fields = [
            "id",
            "name",
            "timezone",
            "language",
            "reminder_hours",
            "subscription_expires_at",
            "require_two_factor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WorkspaceWriteSerializer(ApiSerializer):
    read_shape = WorkspaceReadSerializer
    """What owners and admins change; the subscription stays the ops command's."""

    name = StrictCharField(
        min_length=1, max_length=200, required=False, trim_whitespace=True, validators=[validate_no_control_characters]
    )
    timezone = StrictCharField(
        max_length=64, required=False, validators=[validate_timezone], help_text="An IANA time zone."
    )
    language = StrictChoiceField(choices=Language.choices, required=False, help_text=LANGUAGE_HELP)
    reminder_hours = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_REMINDER_HOURS),
        max_length=MAX_REMINDERS,
        required=False,
        help_text="Up to 3 whole numbers of hours, each 1 to 168, before a session.",
    )
    require_two_factor = StrictBooleanField(required=False)

    def validate_reminder_hours(self, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError(DUPLICATE_HOURS, code="duplicate")
        return value


# --------------------------------------------------------------------------------------------
# Password reset and two-factor
# --------------------------------------------------------------------------------------------


class PasswordResetRequestSerializer(ApiSerializer):
    email = StrictCharField(max_length=254)


class PasswordResetConfirmSerializer(ApiSerializer):
    token = StrictCharField(max_length=200, help_text="The token of the reset email's link.")
    new_password = StrictCharField(max_length=4096, trim_whitespace=False, write_only=True)


class TwoFactorCodeSerializer(ApiSerializer):
    code = StrictCharField(max_length=16, help_text="The 6-digit code the authenticator app shows now.")


class TwoFactorEnrolmentSerializer(ApiSerializer):
    otpauth_uri = serializers.CharField(read_only=True, help_text="otpauth://totp/... for the authenticator app.")
    qr_code = serializers.CharField(read_only=True, help_text="The same URI as a QR code: a data: URI of an SVG image.")
    secret = serializers.CharField(read_only=True, help_text="The key in base32, to type in by hand.")
