"""The one place a booking of any kind is placed in time.

:func:`booking_place` runs, on a booking holding its new values (not yet saved), everything a
write needs before it is saved, in this order:

1. the status move, against the kind's lifecycle (a new booking may start in any status);
2. the end time on the clock, ``start_time + duration_minutes``;
3. the real start and end instants, through the one time-zone conversion
   (``nonexistent_local_time`` on ``start_time`` for a skipped local time);
4. when the booking holds its staff member's time and was moved in time, given to another
   staff member or created: under a lock, the working-hours check when the workspace's booking
   policy enforces it (``availability.rules``: ``outside_working_hours``), then the
   double-booking check across every kind.

Holding under concurrency: before checking, the transaction locks the staff member's membership
row (``SELECT ... FOR UPDATE``). That row always exists, so two requests for one free slot
serialise on it, and the second one's check (a new snapshot under READ COMMITTED) sees the
first one's committed booking. A create's references read takes that lock already (the staff
member read ``FOR UPDATE``, noted held by :mod:`config.db.locks`): then it is not taken again.
No contrib extension (btree_gist) is needed, so the embedded PostgreSQL works too. Call it
inside the transaction that then saves the booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import connection
from django.db.models import Exists, QuerySet
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext_lazy as _

from availability.rules import ensure_working_time, working_time_facts
from bookings.models import Booking, booking_models
from bookings.time import MAX_SPAN, booking_span, end_clock
from config.api.shapes import Slot, fetch_rows
from config.db.locks import held
from workspaces.errors import ConflictError
from workspaces.models import Membership

STAFF_CONFLICT = _("The staff member already has a session at that time.")


@dataclass(frozen=True)
class Placement:
    """Where a booking stood before a change: what a write is judged against."""

    status: str
    staff_id: str | None
    date: date
    start_time: time
    duration_minutes: int
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, booking: Booking) -> Placement:
        return cls(
            booking.status,
            booking.staff_id,
            booking.date,
            booking.start_time,
            booking.duration_minutes,
            booking.starts_at,
            booking.ends_at,
        )

    def clock(self) -> tuple:
        return (self.date, self.start_time, self.duration_minutes)

    def slot(self) -> tuple:
        return (self.staff_id, self.starts_at, self.ends_at)


def booking_place(booking: Booking, *, before: Placement | None) -> None:
    """Check and derive, on ``booking`` as it will be saved; ``before`` is None for a new one.

    Raises ``invalid_status_transition`` (409), ``nonexistent_local_time`` or an invalid date
    (400), ``outside_working_hours`` (409) and ``staff_conflict`` (409), each on its model field.
    """
    kind = type(booking)
    if before is not None:
        kind.lifecycle.ensure_move(current=before.status, target=booking.status, kind=kind._meta.verbose_name)
    now = Placement.of(booking)
    if before is None or now.clock() != before.clock():  # (a booking left on its clock keeps its instants)
        booking.end_time = end_clock(booking.start_time, booking.duration_minutes)
        booking.starts_at, booking.ends_at = booking_span(
            day=booking.date,
            start_time=booking.start_time,
            duration_minutes=booking.duration_minutes,
            tz_name=booking.workspace.timezone,
        )
        now = Placement.of(booking)
    if not kind.lifecycle.holds_staff(booking.status) or booking.staff_id is None:
        return
    if before is not None and kind.lifecycle.holds_staff(before.status) and now.slot() == before.slot():
        return  # holds the very slot it held: nothing to check
    booking_ensure_staff_free(booking, exclude_self=before is not None)


def booking_ensure_staff_free(booking: Booking, *, exclude_self: bool) -> None:
    """Lock the staff member, then refuse (409 ``outside_working_hours``) a time they do not work
    when the workspace's policy says so, and (409 ``staff_conflict``) an overlap with any active
    booking. The lock is skipped when this transaction holds it already (the staff member was read
    locked with the write's references: :mod:`config.db.locks`); the checks read what they need
    in one query, after the lock. Both queries are compiled once (``config.api.shapes``): a create
    spends its time in PostgreSQL, not in the ORM."""
    if not connection.in_atomic_block:  # (the lock's shape runs on a cursor: Django's own check is not made)
        raise TransactionManagementError("A booking is placed inside the transaction that saves it.")
    values = {
        "workspace": booking.workspace_id,
        "staff": booking.staff_id,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "earliest": booking.starts_at - MAX_SPAN,
        "self": booking.pk,
    }
    staff = booking.staff if type(booking).staff.is_cached(booking) else None  # (never read here)
    if not (staff is not None and staff.pk == booking.staff_id and held(staff)):
        fetch_rows(("placement:lock",), _lock_query, values)  # (a member gone: the check finds no row)
    kind = type(booking)
    facts = fetch_rows(("placement:check", kind, exclude_self), lambda: _check_query(kind, exclude_self), values)
    if not facts:
        raise Membership.DoesNotExist("The staff member's membership is gone.")
    ensure_working_time(booking, facts[0])
    if facts[0]["busy"]:
        raise ConflictError(STAFF_CONFLICT, code="staff_conflict", field="staff")


def _lock_query() -> QuerySet:
    """The staff member's row, locked."""
    return Membership.objects.select_for_update().filter(pk=Slot("staff")).values("pk")


def _check_query(kind_of_booking: type[Booking], exclude_self: bool) -> QuerySet:
    """The staff member's row, with what the working-hours check needs and whether an active
    booking of any kind overlaps the slot (``busy``)."""
    facts = working_time_facts(Slot("workspace"), Slot("staff"), Slot("starts_at"), Slot("ends_at"))
    return Membership.objects.filter(pk=Slot("staff")).values(
        **facts, busy=Exists(_overlap_query(kind_of_booking, exclude_self))
    )


def _overlap_query(kind_of_booking: type[Booking], exclude_self: bool) -> QuerySet:
    """An active booking of any kind overlapping the slot, if there is one: every kind in one query
    (UNION ALL, each through its (workspace, staff, starts_at) index)."""
    overlaps = []
    for kind in booking_models():
        overlapping = kind.objects.filter(
            workspace_id=Slot("workspace"),
            staff_id=Slot("staff"),
            starts_at__gt=Slot("earliest"),
            starts_at__lt=Slot("ends_at"),
            ends_at__gt=Slot("starts_at"),
        ).exclude(status__in=kind.lifecycle.frees_staff)
        if exclude_self and kind is kind_of_booking:
            overlapping = overlapping.exclude(pk=Slot("self"))
        overlaps.append(overlapping.order_by().values("pk"))
    return overlaps[0].union(*overlaps[1:], all=True)
