"""Free slots, by property (Hypothesis), against the booking core itself as the oracle.

For random practices, in zones with and without daylight saving (Berlin, New York, Cairo whose
clocks change at midnight, Lord Howe's 30-minute shift, Riyadh, UTC), on their clock-change days
and ordinary ones, with random working hours (breaks, nights), time off, bookings of both kinds
(some cancelled or no-show), grids and buffers, the policy enforcing working hours:

- every slot the API returns can be booked at once: a real POST answers 201 (then it is rolled
  back), and the booking keeps the buffer from every other;
- no bookable start on the grid is missing: every other start of the grid, POSTed, is refused
  (outside working hours, on time off, a clash, a time the clocks skip) or breaks the buffer.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability import actions
from availability.models import TimeOff
from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.availability.conftest import Team, clock_change_days, make_team, set_policy, today
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.timezones import NonexistentLocalTimeError, local_to_utc

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Berlin", "America/New_York", "Africa/Cairo", "Australia/Lord_Howe", "Asia/Riyadh", "UTC"]
PROPERTY = settings(
    max_examples=20,
    deadline=None,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def change_days(tz_name: str) -> list[dt.date]:
    return clock_change_days(tz_name)


@functools.cache
def change_minute(day: dt.date, tz_name: str) -> int | None:
    """The wall-clock minute at which the clocks change on ``day`` (read just before), or None."""
    zone = ZoneInfo(tz_name)
    instant = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), dt.UTC)
    for _ in range(48 * 4):
        after = instant + dt.timedelta(minutes=15)
        if instant.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            local = after.astimezone(zone) - (after.astimezone(zone).utcoffset() - instant.astimezone(zone).utcoffset())
            if local.date() == day or (local.date() == day + dt.timedelta(days=1) and local.time() == dt.time(0)):
                return (local.date() - day).days * 24 * 60 + local.hour * 60 + local.minute
        instant = after
    return None


def ordinary_days(tz_name: str) -> list[dt.date]:
    return [today(tz_name) + dt.timedelta(days=n) for n in (3, 40)]


@dataclass
class Scenario:
    tz_name: str
    first: dt.date
    days: int
    step: int
    buffer: int
    minutes: int
    weeks: list[list[tuple[int, int, int]]]  # per staff member
    bookings: list[tuple[int, int, int, int, str, str]]  # (staff, day offset, start minute, minutes, kind, status)
    time_off: list[tuple[int, int, int]]  # (staff, minutes from the first day's midnight UTC, length)
    team: Team | None = None
    staff: list = field(default_factory=list)

    @property
    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.days)]


#: a boundary of working hours, in tens of minutes: often in the night, where clocks change
#: (02:00 and 03:00 in Europe and America, 00:00 and 24:00 in Cairo, 02:00 on Lord Howe)
BOUNDARY = st.one_of(st.integers(0, 36), st.integers(126, 144), st.integers(0, 144))


@st.composite
def weeks(draw, days: list[dt.date], tz_name: str) -> list[tuple[int, int, int]]:
    """One or two intervals on the weekday of each of ``days`` (and of the day after), on a
    10-minute grid; on a day the clocks change, often one around the change."""
    intervals = []
    for day in [*days, days[-1] + dt.timedelta(days=1)]:
        bounds = draw(st.lists(BOUNDARY, min_size=2, max_size=4, unique=True).map(sorted))
        if len(bounds) % 2:
            bounds = bounds[:-1]
        change = change_minute(day, tz_name)
        if change is not None and draw(st.booleans()):
            before, after = draw(st.integers(0, 12)), draw(st.integers(1, 12))
            end = min(144, change // 10 + after)
            # (a change at 24:00, Cairo's, with nothing before it would be an empty interval)
            bounds = [min(max(0, change // 10 - before), end - 1), end]
        intervals += [(day.isoweekday(), bounds[i] * 10, bounds[i + 1] * 10) for i in range(0, len(bounds), 2)]
    return list(dict.fromkeys(intervals))


@st.composite
def scenarios(draw, *, staff_max: int, steps: list[int]) -> Scenario:
    tz_name = draw(st.sampled_from(ZONES))
    # mostly a day the clocks change (and the day before it), when the zone has one
    on_change = change_days(tz_name) and draw(st.integers(0, 3)) > 0
    first = draw(st.sampled_from(change_days(tz_name) if on_change else ordinary_days(tz_name)))
    first -= dt.timedelta(days=draw(st.integers(0, 1)))
    days = draw(st.integers(1, 2))
    staff = draw(st.integers(1, staff_max))
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    return Scenario(
        tz_name=tz_name,
        first=first,
        days=days,
        step=draw(st.sampled_from(steps)),
        buffer=draw(st.sampled_from([0, 0, 10, 30])),
        minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
        weeks=[draw(weeks(dates, tz_name)) for _ in range(staff)],
        bookings=draw(
            st.lists(
                st.tuples(
                    st.integers(0, staff - 1),
                    st.integers(0, days - 1),
                    st.integers(0, 287).map(lambda n: n * 5),
                    st.sampled_from([15, 30, 60, 120]),
                    st.sampled_from(["session", "consultation"]),
                    st.sampled_from(["scheduled", "scheduled", "cancelled", "completed", "no_show"]),
                ),
                max_size=5,
            )
        ),
        time_off=draw(
            st.lists(st.tuples(st.integers(0, staff - 1), st.integers(0, 48 * 60), st.integers(15, 600)), max_size=2)
        ),
    )


def arrange(scenario: Scenario) -> None:
    """The practice of ``scenario``: its staff, their weeks, time off and bookings, and the policy."""
    team = make_team(scenario.tz_name)
    staff = [team.staff] + [factories.MembershipFactory(workspace=team.workspace) for _ in scenario.weeks[1:]]
    for member, week in zip(staff, scenario.weeks, strict=True):
        actions.working_hours_set(membership=member, intervals=week)
    set_policy(
        team.workspace,
        enforce_working_hours=True,
        slot_step_minutes=scenario.step,
        buffer_minutes=scenario.buffer,
        max_advance_days=3650,
    )
    midnight = dt.datetime.combine(scenario.first, dt.time(0), dt.UTC)
    for who, start, length in scenario.time_off:
        TimeOff.objects.create(
            workspace=team.workspace,
            membership=staff[who],
            starts_at=midnight + dt.timedelta(minutes=start),
            ends_at=midnight + dt.timedelta(minutes=start + length),
        )
    for who, offset, start, length, kind, status in scenario.bookings:
        if kind == "session" and status == "no_show":
            status = "cancelled"
        if kind == "consultation" and status == "completed":
            status = "no_show"
        factory = SessionFactory if kind == "session" else NutritionSessionFactory
        try:
            factory(
                workspace=team.workspace,
                client=team.client,
                staff=staff[who],
                date=scenario.first + dt.timedelta(days=offset),
                start_time=dt.time(start // 60, start % 60),
                duration_minutes=length,
                status=status,
            )
        except NonexistentLocalTimeError:
            continue  # a start the clocks skip: no such booking
    scenario.team, scenario.staff = team, staff


def free_slots(scenario: Scenario) -> list[dict]:
    response = scenario.team.slots(
        dateFrom=scenario.first.isoformat(),
        dateTo=scenario.dates[-1].isoformat(),
        durationMinutes=scenario.minutes,
    )
    assert response.status_code == 200, response.content
    return response.json()["slots"]


def try_booking(scenario: Scenario, member, day: dt.date, start: str, n: int) -> tuple[int, bool]:
    """POST a booking (a session or a consultation, by turns) at that start, then roll it back:
    its status, and whether (when it was booked) it keeps the buffer from every other booking."""
    kind = "session" if n % 2 else "consultation"
    with transaction.atomic():
        response = scenario.team.book(day=day, start=start, minutes=scenario.minutes, staff=member, kind=kind)
        keeps_buffer = True
        if response.status_code == 201:
            model = Session if kind == "session" else NutritionSession
            booked = model.objects.get(pk=response.json()["session"]["id"])
            pad = dt.timedelta(minutes=scenario.buffer)
            for other in [*Session.objects.filter(staff=member), *NutritionSession.objects.filter(staff=member)]:
                if other.pk == booked.pk or not type(other).lifecycle.holds_staff(other.status):
                    continue
                if other.starts_at - pad < booked.ends_at and booked.starts_at < other.ends_at + pad:
                    keeps_buffer = False
        transaction.set_rollback(True)
    return response.status_code, keeps_buffer


@PROPERTY
@given(scenario=scenarios(staff_max=2, steps=[20, 30, 60]))
def test_every_returned_slot_can_be_booked_at_once(db, scenario):
    with transaction.atomic():
        arrange(scenario)
        slots = free_slots(scenario)
        members = {member.pk: member for member in scenario.staff}
        for n, slot in enumerate(slots):
            day = dt.date.fromisoformat(slot["date"][:10])
            assert day in scenario.dates
            status, keeps_buffer = try_booking(scenario, members[slot["staffId"]], day, slot["startTime"], n)
            assert status == 201, (slot, scenario)
            assert keeps_buffer, (slot, scenario)
            # and its end is the wall-clock time of its real end
            start = local_to_utc(day, dt.time.fromisoformat(slot["startTime"]), scenario.tz_name)
            end = (start + dt.timedelta(minutes=scenario.minutes)).astimezone(ZoneInfo(scenario.tz_name))
            assert slot["endTime"] == end.strftime("%H:%M")
        transaction.set_rollback(True)


@settings(PROPERTY, max_examples=15)  # a POST for every start of the grid: the slower of the two
@given(scenario=scenarios(staff_max=1, steps=[30, 60]))
def test_no_bookable_start_on_the_grid_is_missing(db, scenario):
    with transaction.atomic():
        arrange(scenario)
        offered = {(slot["date"][:10], slot["startTime"], slot["staffId"]) for slot in free_slots(scenario)}
        n = 0
        for member in scenario.staff:
            for day in scenario.dates:
                for minute in range(0, 24 * 60, scenario.step):
                    start = f"{minute // 60:02d}:{minute % 60:02d}"
                    if (day.isoformat(), start, member.pk) in offered:
                        continue
                    n += 1
                    status, keeps_buffer = try_booking(scenario, member, day, start, n)
                    assert status != 201 or not keeps_buffer, (day, start, scenario)
        transaction.set_rollback(True)
