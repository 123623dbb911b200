from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import StrictCharField, StrictEmailField
from config.api.serializers import ApiModelSerializer, ApiSerializer
from workspaces.models import CLIENT_LANGUAGES, Client, Membership, validate_no_control_characters

NAME_REQUIRED = _("This field may not be blank.")


class ClientReadSerializer(ApiModelSerializer):
    workspace_id = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty.")  # "" is not format: email

    class Meta:
        model = Client
        fields = ["id", "workspace_id", "name", "email", "phone", "notes", "language", "created_at", "updated_at"]
        read_only_fields = fields


class ClientWriteSerializer(ApiModelSerializer):
    read_shape = ClientReadSerializer
    """Only the writable fields: ids, workspace and timestamps are the server's."""

    name = StrictCharField(
        min_length=1, max_length=200, trim_whitespace=True, validators=[validate_no_control_characters]
    )
    email = StrictEmailField(max_length=254, required=False, allow_blank=True, allow_null=True)
    phone = StrictCharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    notes = StrictCharField(max_length=5000, required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    language = serializers.ChoiceField(
        choices=CLIENT_LANGUAGES,
        required=False,
        allow_null=True,
        help_text="en or ar: what emails to the client are written in. Not given or null: the workspace's language.",
    )

    class Meta:
        model = Client
        fields = ["name", "email", "phone", "notes", "language"]

    def validate(self, attrs):
        # null means "none" for the optional text fields, stored as an empty string
        return {key: ("" if value is None else value) for key, value in attrs.items()}


class MemberSerializer(ApiSerializer):
    id = serializers.CharField(read_only=True)
    user_id = serializers.CharField(read_only=True)
    name = serializers.CharField(
        source="user.get_full_name", read_only=True, help_text="The member's name, or their email when they have none."
    )
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.ChoiceField(choices=Membership._meta.get_field("role").choices, read_only=True)
    is_active = serializers.BooleanField(read_only=True)
