"""The working-hours rule of bookings, checked by the booking core (``bookings.placement``) under
the staff member's lock, beside the double-booking check.

What the check needs is read by the lock's own query (:func:`working_time_facts`), so placing a
booking costs no query more than before: whether the workspace enforces working hours, the
member's week and whether time off overlaps the booking. When the policy says so, an active
booking must lie, from its real start to its real end, inside one stretch of its staff member's
working time (days that touch across midnight count as one) and overlap none of their time off:
409 ``outside_working_hours`` otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import Exists, F, Func, IntegerField, Subquery
from django.utils.translation import gettext_lazy as _

from availability.models import BookingPolicy, TimeOff, WorkingHours
from availability.windows import holds, seconds, working_intervals
from workspaces.errors import ConflictError

OUTSIDE_WORKING_HOURS = _("The staff member does not work at that time (outside their working hours, or on time off).")


class IntervalArray(Func):
    """``ARRAY[weekday, start, end]``: one interval of a week."""

    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(IntegerField())


def week_of(workspace_id, membership_id) -> ArraySubquery:
    """A member's working week as one column: ``[[weekday, start minute, end minute], ...]``."""
    rows = WorkingHours.objects.filter(workspace_id=workspace_id, membership_id=membership_id)
    return ArraySubquery(rows.values(interval=IntervalArray(F("weekday"), F("start_minute"), F("end_minute"))))


def working_time_facts(workspace_id, staff_id, starts_at, ends_at) -> dict[str, Any]:
    """Columns for the query that locks a booking's staff member (its membership row), for the
    booking from ``starts_at`` to ``ends_at`` (values, or the slots of a compiled shape)."""
    policy = BookingPolicy.objects.filter(workspace_id=workspace_id)
    time_off = TimeOff.objects.filter(
        workspace_id=workspace_id, membership_id=staff_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return {
        "enforce_working_hours": Subquery(policy.values("enforce_working_hours")),
        "working_week": week_of(workspace_id, staff_id),
        "on_time_off": Exists(time_off),
    }


def ensure_working_time(booking, facts: dict[str, Any]) -> None:
    """409 ``outside_working_hours`` on the start time when the policy enforces working hours and
    ``booking`` (placed: its instants known) is not wholly inside its staff member's working time."""
    if not facts["enforce_working_hours"]:
        return
    # it starts on its date and lasts at most a day (25 hours of wall clock across a clock change)
    days = [booking.date + timedelta(days=n) for n in range(3)]
    working = working_intervals(facts["working_week"], days, booking.workspace.timezone)
    if facts["on_time_off"] or not holds(working, seconds(booking.starts_at), seconds(booking.ends_at, up=True)):
        raise ConflictError(OUTSIDE_WORKING_HOURS, code="outside_working_hours", field="start_time")
