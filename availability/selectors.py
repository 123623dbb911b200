"""Read logic of availability: the booking policy, working weeks, busy time and free slots.

Free slots (:func:`free_slots`) cost a fixed number of queries, whatever the number of staff,
days or bookings: the staff members with their weeks (one query), then everything that keeps them
busy in the range, time off and every kind's active bookings (one ``UNION ALL`` query). The rest
is arithmetic on the real time line (:mod:`availability.windows`), every wall-clock time going
through the one time-zone conversion (:mod:`workspaces.timezones`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import CharField, Exists, F, FloatField, Func, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from availability.models import BookingPolicy, TimeOff, WorkingHours
from availability.rules import week_of
from availability.windows import Interval, days_between, fitting_starts, seconds, without, working_intervals
from bookings.models import booking_models
from bookings.time import MAX_SPAN
from workspaces.models import Membership, Workspace
from workspaces.timezones import local_day_bounds, local_grid, utc_to_local


def booking_policy_of(workspace: Workspace) -> BookingPolicy:
    """The workspace's booking policy: its row, or the defaults (not saved) when it has none."""
    return BookingPolicy.objects.filter(workspace=workspace).first() or BookingPolicy(workspace=workspace)


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    week: list[tuple[int, int, int]]  # (ISO weekday, start minute, end minute)


def staff_weeks(workspace: Workspace, staff_id: str | None = None) -> list[Staff]:
    """The active members free slots are offered for, by id, each with their working week: the
    one asked for, or every member with working hours. One query."""
    members = Membership.objects.filter(workspace=workspace, is_active=True)
    if staff_id is not None:
        members = members.filter(pk=staff_id)
    else:
        members = members.filter(Exists(WorkingHours.objects.filter(workspace=workspace, membership_id=OuterRef("pk"))))
    rows = members.order_by("id").values_list(
        "id",
        Coalesce(NullIf(F("user__name"), Value("")), F("user__email"), output_field=CharField()),
        week_of(workspace.pk, OuterRef("pk")),
    )
    return [Staff(pk, name, [tuple(interval) for interval in week]) for pk, name, week in rows]


class Epoch(Func):
    """An instant as seconds since the epoch (a number, whatever the zone: no conversion)."""

    template = "date_part('epoch', %(expressions)s)"
    output_field = FloatField()


def busy_rows(
    workspace: Workspace, staff_ids: list[str], start: datetime, end: datetime, buffer: timedelta
) -> QuerySet:
    """``(staff id, starts at, ends at, is a booking)``, instants in seconds since the epoch, of
    everything that keeps these members busy between ``start`` and ``end``: their time off, and
    their active bookings of every kind that come within ``buffer`` of the range. One query
    (``UNION ALL``), each part through its workspace-led index."""
    parts = [
        TimeOff.objects.filter(workspace=workspace, membership_id__in=staff_ids, starts_at__lt=end, ends_at__gt=start)
        .order_by()
        .values_list("membership_id", Epoch("starts_at"), Epoch("ends_at"), Value(False))
    ]
    for kind in booking_models():
        parts.append(
            kind.objects.filter(
                workspace=workspace,
                staff_id__in=staff_ids,
                starts_at__gt=start - buffer - MAX_SPAN,  # bounds the index range: no booking is longer
                starts_at__lt=end + buffer,
                ends_at__gt=start - buffer,
            )
            .exclude(status__in=kind.lifecycle.frees_staff)
            .order_by()
            .values_list("staff_id", Epoch("starts_at"), Epoch("ends_at"), Value(True))
        )
    return parts[0].union(*parts[1:], all=True)


@dataclass(frozen=True)
class Slot:
    staff: Staff
    day: date
    minute: int  # the start, in minutes past local midnight
    end: datetime  # the real end, in the workspace's time zone


def free_slots(
    *,
    workspace: Workspace,
    policy: BookingPolicy,
    staff: list[Staff],
    date_from: date,
    date_to: date,
    minutes: int,
    now: datetime,
) -> list[Slot]:
    """Every start on the policy's grid, from ``date_from`` to ``date_to`` (local dates), where a
    booking of ``minutes`` fits one of ``staff``'s working time, clear of their time off and of
    their active bookings widened by the buffer, no sooner than the notice from ``now`` and no
    later than the advance limit. Ordered by date, start, staff id."""
    tz_name = workspace.timezone
    today = utc_to_local(now, tz_name).date()
    first, last = max(date_from, today), min(date_to, today + timedelta(days=policy.max_advance_days))
    if first > last or not staff:
        return []
    # a slot starts on [first, last] and lasts at most a day: what it may touch ends 3 days later
    start, _ = local_day_bounds(first, tz_name)
    end, _ = local_day_bounds(last + timedelta(days=3), tz_name)
    pad = policy.buffer_minutes * 60
    busy: dict[str, list[Interval]] = defaultdict(list)
    rows = busy_rows(workspace, [s.id for s in staff], start, end, timedelta(seconds=pad))
    for staff_id, starts_at, ends_at, booked in rows:
        gap = pad if booked else 0
        busy[staff_id].append((math.floor(starts_at) - gap, math.ceil(ends_at) + gap))

    earliest = seconds(now + timedelta(minutes=policy.min_notice_minutes), up=True)
    length = minutes * 60
    days = days_between(first, last)
    grid: list[tuple[date, int]] = []  # every start of the range on the grid, in order
    starts: list[int] = []  # their instants, in seconds
    for day in days:
        for minute, instant in local_grid(day, policy.slot_step_minutes, tz_name):
            second = seconds(instant)
            if second >= earliest:
                grid.append((day, minute))
                starts.append(second)
    window_days = days_between(first, last + timedelta(days=2))
    found = []
    for member in staff:  # (by id)
        free = without(working_intervals(member.week, window_days, tz_name), busy.get(member.id, ()))
        found += [(index, member) for index in fitting_starts(starts, free, length)]
    found.sort(key=lambda slot: slot[0])  # stable: staff stay in id order
    return [
        Slot(member, *grid[index], utc_to_local(datetime.fromtimestamp(starts[index] + length, UTC), tz_name))
        for index, member in found
    ]


def working_time_of(
    workspace: Workspace, staff_ids: list[str], start: datetime, end: datetime
) -> tuple[dict[str, list[tuple[int, int, int]]], dict[str, list[tuple[datetime, datetime]]]]:
    """These members' working weeks (only those who have one) and their time off overlapping
    ``[start, end)``, by member id: what the admin calendar shades. Two queries."""
    weeks: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    hours = WorkingHours.objects.filter(workspace=workspace, membership_id__in=staff_ids)
    for member_id, *interval in hours.values_list("membership_id", "weekday", "start_minute", "end_minute"):
        weeks[member_id].append(tuple(interval))
    time_off: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    spans = TimeOff.objects.filter(
        workspace=workspace, membership_id__in=staff_ids, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")
    for member_id, starts_at, ends_at in spans.values_list("membership_id", "starts_at", "ends_at"):
        time_off[member_id].append((starts_at, ends_at))
    return dict(weeks), dict(time_off)
