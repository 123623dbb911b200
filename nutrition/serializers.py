from __future__ import annotations

from functools import cached_property

import orjson
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.serializers import BookingReadSerializer
from bookings.time import MAX_DURATION_MINUTES
from config.api.fields import ClockField, DayField, StrictCharField, StrictIntegerField
from config.api.serializers import ApiModelSerializer, ApiSerializer
from nutrition.models import (
    FOLLOW_UP_NOTE_MAX_LENGTH,
    LOCATION_MAX_LENGTH,
    MEETING_LINK_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    TOPIC_MAX_LENGTH,
    ConsultationStatus,
    ConsultationType,
    FollowUp,
    NutritionSession,
    validate_meeting_link,
)
from nutrition.selectors import nutrition_rows
from records.serializers import AttachmentReadSerializer
from workspaces.fields import ClientIdField, ScopedReferencesMixin, StaffIdField

#: the permission that reads and writes private notes (contract, "Who may do what")
PRIVATE_NOTES_PERMISSION = "nutrition.manage"
MAX_FOLLOW_UPS_ON_CREATE = 50


def can_read_private_notes(membership) -> bool:
    return membership is not None and membership.has_permission(PRIVATE_NOTES_PERMISSION)


class FollowUpReadSerializer(ApiModelSerializer):
    due_date = DayField(read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "due_date", "note", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "Returned only to callers holding nutrition.manage; null for everyone else.",
    }
)
class PrivateNotesField(serializers.CharField):
    """The private notes: the read shape gives them only to callers holding ``nutrition.manage``."""


class NutritionSessionReadSerializer(BookingReadSerializer):
    """A consultation as seed 000 shows it, from a row of :func:`nutrition.selectors.nutrition_rows`."""

    specialist_id = serializers.CharField(read_only=True, allow_null=True)
    type = serializers.ChoiceField(choices=ConsultationType.choices, read_only=True)
    status = serializers.ChoiceField(choices=ConsultationStatus.choices, read_only=True)
    topic = serializers.CharField(read_only=True, allow_null=True)
    notes_private = PrivateNotesField(read_only=True, allow_null=True)
    notes_shared = serializers.CharField(read_only=True, allow_null=True)
    attachments = AttachmentReadSerializer(
        many=True, read_only=True, help_text="The attachments the caller may read (records.private), oldest first."
    )
    follow_ups = FollowUpReadSerializer(many=True, read_only=True)
    meeting_link = serializers.CharField(read_only=True, allow_null=True)
    location = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = NutritionSession
        fields = [  # seed 000
            "id",
            "workspace_id",
            "client_id",
            "specialist_id",
            "type",
            "status",
            "date",
            "start_time",
            "end_time",
            "duration_minutes",
            "topic",
            "notes_private",
            "notes_shared",
            "attachments",
            "follow_ups",
            "meeting_link",
            "location",
            "created_at",
            "updated_at",
        ]

    rows = staticmethod(nutrition_rows)

    @cached_property
    def private_notes(self) -> bool:
        return can_read_private_notes(self.context.get("membership"))

    def to_representation(self, row: dict) -> dict:
        return {
            "id": row["id"],
            "workspaceId": row["workspace_id"],
            "clientId": row["client_id"],
            "specialistId": row["staff_id"],
            "type": row["type"],
            "status": row["status"],
            "date": row["date_text"],
            "startTime": row["start_text"],
            "endTime": row["end_text"],
            "durationMinutes": row["duration_minutes"],
            "topic": row["topic"],
            "notesPrivate": row["notes_private"] if self.private_notes else None,
            "notesShared": row["notes_shared"],
            "attachments": orjson.loads(row["attachments_json"]),
            "followUps": orjson.loads(row["follow_ups_json"]),
            "meetingLink": row["meeting_link"],
            "location": row["location"],
            "createdAt": row["created_text"],
            "updatedAt": row["updated_text"],
        }


class FollowUpWriteSerializer(ApiSerializer):
    read_shape = FollowUpReadSerializer

    due_date = DayField()
    note = StrictCharField(min_length=1, max_length=FOLLOW_UP_NOTE_MAX_LENGTH, trim_whitespace=False)


def _optional_text(max_length: int, *, trim: bool = True, **kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=max_length,
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=trim,
        **kwargs,
    )


class NutritionSessionWriteSerializer(ScopedReferencesMixin, ApiSerializer):
    read_shape = NutritionSessionReadSerializer

    """Create (POST) or change (PATCH) a nutrition consultation.

    Optional text fields take null or "" for none (returned as null). endTime and durationMinutes:
    either, both (they must agree) or neither (60 minutes).
    """

    # the length rules themselves live in nutrition.actions.consultation_duration, shared with the admin

    client_id = ClientIdField(source="client")
    specialist_id = StaffIdField(source="staff", required=False, allow_null=True)
    type = serializers.ChoiceField(choices=ConsultationType.choices)
    status = serializers.ChoiceField(
        choices=ConsultationStatus.choices,
        required=False,
        help_text=_(
            "scheduled by default. Moves: scheduled -> completed | cancelled | no_show; the three end states "
            "are final (409 invalid_status_transition). The status it already has changes nothing."
        ),
    )
    date = DayField(help_text=_("ISO 8601 date or date-time; its date part as written."))
    start_time = ClockField(help_text=_("HH:mm, 00:00 to 23:59, in the workspace's time zone."))
    end_time = ClockField(
        required=False, allow_null=True, help_text=_("HH:mm, after startTime. Computed when not given.")
    )
    duration_minutes = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DURATION_MINUTES,
        help_text=_("1 to 1440; must agree with endTime when both are given; 60 when neither is."),
    )
    topic = _optional_text(TOPIC_MAX_LENGTH)
    notes_private = _optional_text(
        NOTES_MAX_LENGTH, trim=False, help_text=_("Written and read only with nutrition.manage.")
    )
    notes_shared = _optional_text(NOTES_MAX_LENGTH, trim=False)
    meeting_link = _optional_text(
        MEETING_LINK_MAX_LENGTH, validators=[validate_meeting_link], help_text=_("An http or https URL.")
    )
    location = _optional_text(LOCATION_MAX_LENGTH)
    follow_ups = FollowUpWriteSerializer(
        many=True,
        required=False,
        max_length=MAX_FOLLOW_UPS_ON_CREATE,
        help_text=_("Create only, at most 50; afterwards use the follow-ups endpoints."),
    )

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # a PATCH changes follow-ups through their own endpoints
            fields.pop("followUps", None)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name in ("topic", "notes_private", "notes_shared", "meeting_link", "location"):
            if attrs.get(name) == "":
                attrs[name] = None
        if not can_read_private_notes(self.context.get("membership")):
            attrs.pop("notes_private", None)
        return attrs
