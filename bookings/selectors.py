"""What every kind's rows read of the booking itself."""

from __future__ import annotations

from config.api.formats import ClockText, DayText, InstantText

#: the booking's columns as stored: the order and paging cursor of lists, and the wire's plain values
BOOKING_COLUMNS = ("id", "date", "start_time", "workspace_id", "client_id", "staff_id", "duration_minutes", "status")


def booking_texts() -> dict:
    """The booking's dates, times and instants as the wire writes them, formatted by PostgreSQL."""
    return {
        "date_text": DayText("date"),
        "start_text": ClockText("start_time"),
        "end_text": ClockText("end_time"),
        "created_text": InstantText("created_at"),
        "updated_text": InstantText("updated_at"),
    }
