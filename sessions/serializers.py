from __future__ import annotations

import math

import orjson
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.serializers import InvoiceSummarySerializer
from bookings.serializers import BookingReadSerializer
from bookings.time import MAX_DURATION_MINUTES
from config.api.fields import ClockField, DayField, StrictCharField, StrictIntegerField
from config.api.serializers import ApiSerializer, to_snake
from records.fields import active_definitions_queryset, by_key
from records.models import FieldPhase
from records.serializers import AttachmentReadSerializer, NoteReadSerializer
from services.models import Service, ServiceScope
from sessions.models import Session, SessionStatus
from sessions.selectors import session_rows
from workspaces.fields import ClientIdField, ScopedIdListField, ScopedReferencesMixin, StaffIdField

MAX_SERVICES = 50
MAX_FIELD_VALUES = 100
MAX_VALUE_LENGTH = 2000
MAX_VALUE_ITEMS = 50

SERVICE_NOT_FOUND = _("Service not found.")
SERVICE_INACTIVE = _("Service %(id)s is not active.")
SERVICE_WRONG_SCOPE = _("Service %(id)s cannot be used for sessions.")
VALUE_INVALID = _("Must be a string, a number, true, false, null or a list of those.")
VALUE_TOO_LONG = _("Ensure this value has at most %(max)s characters.")
VALUE_TOO_MANY = _("Ensure this list has at most %(max)s items.")
NUL_NOT_ALLOWED = _("Null characters are not allowed.")
FIELD_REQUIRED = _("This field is required.")


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
        "minItems": 1,
        "maxItems": MAX_SERVICES,
        "description": "Services for sessions of this workspace; duplicates count once, the order is kept.",
    }
)
class ServiceIdListField(ScopedIdListField):
    pass


def service_queryset(workspace):
    return Service.objects.alive().filter(workspace=workspace)


# --------------------------------------------------------------------------------------------
# Write
# --------------------------------------------------------------------------------------------


def _has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": MAX_VALUE_LENGTH},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {}, "maxItems": MAX_VALUE_ITEMS},
        ],
        "nullable": True,
    }
)
class FieldValueValueField(serializers.Field):
    """A custom field's value: a JSON scalar (strings bounded) or a short list of scalars."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def _scalar(self, value):
        if value is None or isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
            return value
        if isinstance(value, str):
            if len(value) > MAX_VALUE_LENGTH:
                raise serializers.ValidationError(VALUE_TOO_LONG % {"max": MAX_VALUE_LENGTH})
            if _has_nul(value):
                raise serializers.ValidationError(NUL_NOT_ALLOWED)
            return value
        raise serializers.ValidationError(VALUE_INVALID)

    def to_internal_value(self, data):
        if isinstance(data, list):
            if len(data) > MAX_VALUE_ITEMS:
                raise serializers.ValidationError(VALUE_TOO_MANY % {"max": MAX_VALUE_ITEMS})
            return [self._scalar(item) for item in data]
        return self._scalar(data)

    def to_representation(self, value):
        return value


class FieldValueSerializer(ApiSerializer):
    field_key = StrictCharField(min_length=1, max_length=100, trim_whitespace=False)
    value = FieldValueValueField(required=False)
    phase = serializers.ChoiceField(choices=FieldPhase.choices)

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        # a PATCH is partial, and DRF would let nested items be partial too: they are not
        missing = {wire: [FIELD_REQUIRED] for wire in ("fieldKey", "phase") if to_snake(wire) not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        # stored as sent, in the wire shape (keys in a stable order)
        item = {"fieldKey": attrs["field_key"]}
        if "value" in attrs:
            item["value"] = attrs["value"]
        item["phase"] = attrs["phase"]
        return item


# --------------------------------------------------------------------------------------------
# Read
# --------------------------------------------------------------------------------------------


def _json(text: str | None):
    return None if text is None else orjson.loads(text)


def _exact(text: str | None):
    """JSON text PostgreSQL built, written out as it is (money keeps its decimals: 150.00)."""
    return None if text is None else orjson.Fragment(text)


class SessionReadSerializer(BookingReadSerializer):
    """A session as the seeds show it, from a row of :func:`sessions.selectors.session_rows`."""

    client_name = serializers.CharField(read_only=True)
    service_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    service_names = serializers.ListField(child=serializers.CharField(), read_only=True)
    staff_id = serializers.CharField(read_only=True, allow_null=True)
    staff_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="The staff member's name, or their email when they have none."
    )
    name = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=SessionStatus.choices, read_only=True)
    field_values = FieldValueSerializer(many=True, read_only=True)
    attachments = AttachmentReadSerializer(
        many=True, read_only=True, help_text="The attachments the caller may read (records.private), oldest first."
    )
    notes = NoteReadSerializer(
        many=True, read_only=True, help_text="The notes the caller may read (records.private), oldest first."
    )
    invoice = InvoiceSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Session
        fields = [  # seeds 001 and 002
            "id",
            "workspace_id",
            "client_id",
            "client_name",
            "service_ids",
            "service_names",
            "staff_id",
            "staff_name",
            "name",
            "date",
            "start_time",
            "end_time",
            "duration_minutes",
            "status",
            "field_values",
            "attachments",
            "notes",
            "invoice",
            "created_at",
            "updated_at",
        ]

    rows = staticmethod(session_rows)

    def to_representation(self, row: dict) -> dict:
        pairs = row["service_pairs"]
        return {
            "id": row["id"],
            "workspaceId": row["workspace_id"],
            "clientId": row["client_id"],
            "clientName": row["client_name"],
            "serviceIds": [pair[0] for pair in pairs],
            "serviceNames": [pair[1] for pair in pairs],
            "staffId": row["staff_id"],
            "staffName": row["staff_name"],
            "name": row["name"],
            "date": row["date_text"],
            "startTime": row["start_text"],
            "endTime": row["end_text"],
            "durationMinutes": row["duration_minutes"],
            "status": row["status"],
            "fieldValues": _json(row["field_values_json"]),
            "attachments": orjson.loads(row["attachments_json"]),
            "notes": orjson.loads(row["notes_json"]),
            "invoice": _exact(row["invoice_json"]),
            "createdAt": row["created_text"],
            "updatedAt": row["updated_text"],
        }


class SessionWriteSerializer(ScopedReferencesMixin, ApiSerializer):
    """What a client may send; the read shape's other fields (ids, names, timestamps, endTime,
    attachments, notes, invoice) may come back and are ignored."""

    read_shape = SessionReadSerializer

    name = StrictCharField(min_length=1, max_length=200)
    client_id = ClientIdField(source="client")
    service_ids = ServiceIdListField(
        source="services", queryset=service_queryset, not_found=SERVICE_NOT_FOUND, max_items=MAX_SERVICES
    )
    staff_id = StaffIdField(source="staff", required=False, allow_null=True)
    date = DayField()
    start_time = ClockField()
    duration_minutes = StrictIntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    field_values = FieldValueSerializer(many=True, required=False, allow_null=True, max_length=MAX_FIELD_VALUES)

    def validate_field_values(self, value):
        return value if value is not None else []

    def read_with_references(self, workspace_id):
        if self.instance is not None:
            return {}
        return {"definitions": active_definitions_queryset(workspace_id)}  # a new session's fieldValues check

    def validate(self, attrs):
        attrs = super().validate(attrs)  # resolves clientId, serviceIds, staffId in the workspace
        ensure_usable_services(attrs.get("services") or [])
        if self.instance is None:
            attrs["definitions"] = by_key(self.read_along["definitions"])
        return attrs


def ensure_usable_services(services) -> None:
    """A session's services (of its workspace) must be active and for sessions: a 400 on serviceIds."""
    for service in services:
        if not service.is_active:
            raise serializers.ValidationError({"serviceIds": [SERVICE_INACTIVE % {"id": service.pk}]})
        if service.scope != ServiceScope.SESSIONS:
            raise serializers.ValidationError({"serviceIds": [SERVICE_WRONG_SCOPE % {"id": service.pk}]})
