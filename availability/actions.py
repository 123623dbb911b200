"""Write logic of availability: keyword-only, typed, each in one transaction.

A member's working hours are written as a whole week (:func:`working_hours_set`), under the
lock of the member's row, the lock bookings take to be placed: a week never changes halfway
through a booking's check, and two weeks written at once apply one after the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from availability.models import BookingPolicy, TimeOff, Weekday, WorkingHours, format_clock_minute
from availability.windows import overlapping_weekly
from workspaces.errors import InvalidError
from workspaces.models import Membership, Workspace

OVERLAPPING = _("Working hours overlap on %(weekday)s: %(first)s and %(second)s.")
END_NOT_AFTER_START = _("The end must be after the start.")


def _span(interval: tuple[int, int, int]) -> str:
    return f"{format_clock_minute(interval[1])}–{format_clock_minute(interval[2])}"


def working_hours_check(intervals: Iterable[tuple[int, int, int]]) -> None:
    """400 ``overlapping_working_hours`` when two intervals of the week overlap (touching is fine)."""
    clash = overlapping_weekly(intervals)
    if clash is not None:
        first, second = clash
        message = OVERLAPPING % {"weekday": Weekday(first[0]).label, "first": _span(first), "second": _span(second)}
        raise InvalidError(message, code="overlapping_working_hours", field="working_hours")


@transaction.atomic
def working_hours_set(*, membership: Membership, intervals: Iterable[tuple[int, int, int]]) -> None:
    """Make ``(weekday, start minute, end minute)`` the member's week. Intervals already there stay
    as they are; the others are removed and the new ones added (each recorded in the history)."""
    wanted = list(dict.fromkeys(tuple(interval) for interval in intervals))
    for _weekday, start, end in wanted:
        if end <= start:
            raise InvalidError(END_NOT_AFTER_START, field="end_minute")
    working_hours_check(wanted)
    list(Membership.objects.select_for_update().filter(pk=membership.pk).values_list("pk", flat=True))
    current = WorkingHours.objects.filter(workspace_id=membership.workspace_id, membership=membership)
    kept = set()
    for row in current:
        if row.interval in wanted and row.interval not in kept:
            kept.add(row.interval)
        else:
            row.delete()
    added = [
        WorkingHours(
            workspace_id=membership.workspace_id,
            membership=membership,
            weekday=weekday,
            start_minute=start,
            end_minute=end,
        )
        for weekday, start, end in wanted
        if (weekday, start, end) not in kept
    ]
    if added:
        bulk_create_with_history(added, WorkingHours)


def _ensure_span(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidError(END_NOT_AFTER_START, field="ends_at")


@transaction.atomic
def time_off_add(*, membership: Membership, starts_at: datetime, ends_at: datetime, reason: str = "") -> TimeOff:
    _ensure_span(starts_at, ends_at)
    return TimeOff.objects.create(
        workspace_id=membership.workspace_id,
        membership=membership,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason or "",
    )


@transaction.atomic
def time_off_change(*, time_off: TimeOff, **changes: Any) -> TimeOff:
    """Change ``starts_at``, ``ends_at`` or ``reason`` (the admin's door; the API adds and removes)."""
    for name, value in changes.items():
        setattr(time_off, name, value if name != "reason" else value or "")
    _ensure_span(time_off.starts_at, time_off.ends_at)
    time_off.save()
    return time_off


@transaction.atomic
def time_off_remove(*, time_off: TimeOff) -> None:
    time_off.delete()


@transaction.atomic
def booking_policy_update(*, workspace: Workspace, **changes: Any) -> BookingPolicy:
    """Change the workspace's booking policy (created with the defaults and these changes the first time)."""
    policy = BookingPolicy.objects.select_for_update().filter(workspace=workspace).first()
    if policy is None:
        policy = BookingPolicy(workspace=workspace, **changes)
        try:
            with transaction.atomic():
                policy.save(force_insert=True)
            return policy
        except IntegrityError:  # another change created it meanwhile: change that one
            policy = BookingPolicy.objects.select_for_update().get(workspace=workspace)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    return policy
