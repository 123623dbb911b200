"""The wire shapes of availability: working hours, time off, the booking policy and free slots."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from availability.models import (
    MAX_ADVANCE_DAYS,
    MAX_BUFFER_MINUTES,
    MAX_NOTICE_MINUTES,
    MAX_SLOT_STEP,
    MIN_SLOT_STEP,
    REASON_MAX_LENGTH,
    BookingPolicy,
    TimeOff,
    format_clock_minute,
    parse_clock_minute,
)
from availability.selectors import Slot
from config.api.fields import (
    InstantField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from config.api.formats import format_clock, format_day
from config.api.serializers import ApiModelSerializer, ApiSerializer

MAX_INTERVALS = 100
#: the instants time off may take (the calendar's range: far from the ends of what dates can hold)
FIRST_INSTANT = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LAST_INSTANT = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)

START_INVALID = _("Enter a time as HH:mm, 24-hour, from 00:00 to 23:59.")
END_INVALID = _("Enter a time as HH:mm, 24-hour, from 00:01 to 24:00.")
END_NOT_AFTER_START = _("The end must be after the start.")
INSTANT_NEEDS_ZONE = _("Give an instant: a date and time with Z or an offset, such as 2024-01-15T10:30:00Z.")
INSTANT_OUT_OF_RANGE = _("This instant is out of the supported range.")


# --------------------------------------------------------------------------------------------
# Working hours
# --------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class ClockMinuteField(serializers.Field):
    """``HH:mm`` on the wire, minutes past midnight in Python; an ``end`` may be ``24:00``."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return parse_clock_minute(data, end=self.end)
        except ValueError:
            raise serializers.ValidationError(END_INVALID if self.end else START_INVALID, code="invalid") from None

    def to_representation(self, value):
        return format_clock_minute(value)


@extend_schema_field({"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "17:30"})
class ClockEndField(ClockMinuteField):
    def __init__(self, **kwargs):
        super().__init__(end=True, **kwargs)


class WorkingHoursSerializer(ApiSerializer):
    """One interval of a member's week, in the workspace's time zone."""

    weekday = StrictIntegerField(min_value=1, max_value=7, help_text="ISO weekday: Monday 1 to Sunday 7.")
    start = ClockMinuteField(source="start_minute")
    end = ClockEndField(source="end_minute", help_text="After start; 24:00 is the end of the day.")

    def validate(self, attrs):
        if attrs["end_minute"] <= attrs["start_minute"]:
            raise serializers.ValidationError({"end": [END_NOT_AFTER_START]})
        return attrs


WorkingHoursSerializer.read_shape = WorkingHoursSerializer


class WorkingWeekSerializer(ApiSerializer):
    """The whole week, replacing the member's: ``{"workingHours": [...]}`` (an empty list clears it)."""

    working_hours = WorkingHoursSerializer(many=True, max_length=MAX_INTERVALS, allow_empty=True)


# --------------------------------------------------------------------------------------------
# Time off
# --------------------------------------------------------------------------------------------


class StrictInstantField(InstantField):
    """An ISO 8601 instant: a date-time with ``Z`` or an offset (a wall-clock time alone says no instant)."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            self.fail("invalid", format="ISO 8601")
        if parsed.tzinfo is None or len(value.strip()) <= 10:
            raise serializers.ValidationError(INSTANT_NEEDS_ZONE, code="invalid")
        parsed = parsed.astimezone(dt.UTC)
        if not FIRST_INSTANT <= parsed < LAST_INSTANT:
            raise serializers.ValidationError(INSTANT_OUT_OF_RANGE, code="invalid")
        return parsed


class TimeOffReadSerializer(ApiModelSerializer):
    starts_at = InstantField(read_only=True)
    ends_at = InstantField(read_only=True)

    class Meta:
        model = TimeOff
        fields = ["id", "starts_at", "ends_at", "reason"]
        read_only_fields = fields


class TimeOffWriteSerializer(ApiSerializer):
    read_shape = TimeOffReadSerializer

    starts_at = StrictInstantField()
    ends_at = StrictInstantField()
    reason = StrictCharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, allow_null=True)

    def validate(self, attrs):
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"endsAt": [END_NOT_AFTER_START]})
        attrs["reason"] = attrs.get("reason") or ""
        return attrs


# --------------------------------------------------------------------------------------------
# The booking policy
# --------------------------------------------------------------------------------------------


class BookingPolicySerializer(ApiModelSerializer):
    """Read and written alike (a PATCH gives any of the fields)."""

    enforce_working_hours = StrictBooleanField(required=False)
    min_notice_minutes = StrictIntegerField(min_value=0, max_value=MAX_NOTICE_MINUTES, required=False)
    max_advance_days = StrictIntegerField(min_value=0, max_value=MAX_ADVANCE_DAYS, required=False)
    slot_step_minutes = StrictIntegerField(min_value=MIN_SLOT_STEP, max_value=MAX_SLOT_STEP, required=False)
    buffer_minutes = StrictIntegerField(min_value=0, max_value=MAX_BUFFER_MINUTES, required=False)

    class Meta:
        model = BookingPolicy
        fields = [
            "enforce_working_hours",
            "min_notice_minutes",
            "max_advance_days",
            "slot_step_minutes",
            "buffer_minutes",
        ]


BookingPolicySerializer.read_shape = BookingPolicySerializer


# --------------------------------------------------------------------------------------------
# Free slots
# --------------------------------------------------------------------------------------------


class SlotSerializer(ApiSerializer):
    """A free slot: a start on the policy's grid where a booking of the asked length fits."""

    staff_id = serializers.CharField(read_only=True)
    staff_name = serializers.CharField(
        read_only=True, help_text="The staff member's name, or their email when they have none."
    )
    date = serializers.CharField(read_only=True, help_text="The local date, at midnight UTC (as sessions' date).")
    start_time = serializers.CharField(read_only=True, help_text="HH:mm in the workspace's time zone.")
    end_time = serializers.CharField(
        read_only=True,
        help_text=(
            "HH:mm in the workspace's time zone: the wall-clock time of the real end (across a clock "
            "change it differs from startTime plus the duration)."
        ),
    )

    def to_representation(self, slot: Slot) -> dict:
        return {
            "staffId": slot.staff.id,
            "staffName": slot.staff.name,
            "date": format_day(slot.day),
            "startTime": format_clock_minute(slot.minute),
            "endTime": format_clock(slot.end),
        }
