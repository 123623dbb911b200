"""Durations and clock arithmetic of bookings, and their placement on the real time line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext_lazy as _

from workspaces.errors import InvalidError
from workspaces.timezones import NonexistentLocalTimeError, local_span

#: the longest booking (the contract's durationMinutes is 1 to 1440)
MAX_DURATION_MINUTES = 1440
#: the length of a booking when nothing gives one
DEFAULT_DURATION_MINUTES = 60
#: bounds every overlap search so it stays an index range scan
MAX_SPAN = timedelta(minutes=MAX_DURATION_MINUTES)
#: how close to date.min / date.max a booking may be placed
EDGE = timedelta(days=3)

DATE_OUT_OF_RANGE = _("This date is out of the supported range.")
NONEXISTENT_LOCAL_TIME = _("This start time does not exist on that date in the workspace's time zone.")


def end_clock(start: time, minutes: int) -> time:
    """``start + minutes`` on the clock, wrapping past midnight (23:30 + 60 is 00:30)."""
    total = (start.hour * 60 + start.minute + minutes) % (24 * 60)
    return time(total // 60, total % 60)


def clock_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def booking_span(*, day: date, start_time: time, duration_minutes: int, tz_name: str) -> tuple[datetime, datetime]:
    """The real start and end of a booking, through the one time-zone conversion
    (:func:`workspaces.timezones.local_span`).

    A date this close to the ends of the calendar cannot be placed in time (any zone, any overlap
    window): invalid ``date``. A local time skipped by a clock change: ``nonexistent_local_time``
    on ``start_time``.
    """
    if not date.min + EDGE <= day <= date.max - EDGE:
        raise InvalidError(DATE_OUT_OF_RANGE, field="date")
    try:
        return local_span(day, start_time, duration_minutes, tz_name)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 late in the day
        raise InvalidError(DATE_OUT_OF_RANGE, field="date") from None
    except NonexistentLocalTimeError:
        raise InvalidError(NONEXISTENT_LOCAL_TIME, code="nonexistent_local_time", field="start_time") from None
