"""What every kind's read shape shows of the booking itself."""

from __future__ import annotations

from rest_framework import serializers

from config.api.fields import ClockField, DayField, InstantField
from config.api.serializers import RowReadSerializer


class BookingReadSerializer(RowReadSerializer):
    """The booking's own fields; a kind declares the rest and, in ``Meta.fields``, the order of all
    of them (its seed's). Rows come from the kind's selector, with ``bookings.selectors.booking_columns``."""

    id = serializers.CharField(read_only=True)
    workspace_id = serializers.CharField(read_only=True)
    client_id = serializers.CharField(read_only=True)
    date = DayField(read_only=True)
    start_time = ClockField(read_only=True)
    end_time = ClockField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    created_at = InstantField(read_only=True)
    updated_at = InstantField(read_only=True)

    @classmethod
    def row_options(cls, membership) -> dict:
        """Every kind's rows carry the notes and attachments the caller may read (``records``)."""
        from records.selectors import may_read_private  # (records builds on bookings)

        return {"private": may_read_private(membership)}
