"""The admin calendar shades each staff member's time outside their working hours and their time
off, on real instants: a working day across a clock change is as long as it really is."""

from __future__ import annotations

import datetime as dt

import pytest

from availability.models import TimeOff
from backoffice.calendar import OFF_HOURS, TIME_OFF, shaded_spans
from tests.availability.conftest import set_hours
from tests.backoffice.conftest import SPRING_FORWARD
from tests.backoffice.grid import parse_grid
from workspaces.timezones import local_to_utc

pytestmark = pytest.mark.django_db

URL = "/admin/calendar/"
BERLIN = "Europe/Berlin"


def at(day: dt.date, clock: str) -> dt.datetime:
    return local_to_utc(day, dt.time.fromisoformat(clock), BERLIN)


def test_outside_working_hours_and_time_off_per_member_and_day():
    # given Monday 2024-01-15: 09:00-12:00 and 13:00-17:00, with time off 10:00-11:00
    monday = dt.date(2024, 1, 15)
    shaded = shaded_spans(
        days=[monday, monday + dt.timedelta(days=1)],
        tz_name=BERLIN,
        weeks={"m": [(1, 540, 720), (1, 780, 1020)], "n": []},
        time_off={"m": [(at(monday, "10:00"), at(monday, "11:00"))], "o": [(at(monday, "15:00"), at(monday, "16:00"))]},
    )
    assert shaded[("m", monday)] == [
        (OFF_HOURS, at(monday, "00:00"), at(monday, "09:00")),
        (TIME_OFF, at(monday, "10:00"), at(monday, "11:00")),
        (OFF_HOURS, at(monday, "12:00"), at(monday, "13:00")),
        (OFF_HOURS, at(monday, "17:00"), at(monday + dt.timedelta(days=1), "00:00")),
    ]
    # a day without hours is shaded whole; a member without working hours only for their time off
    assert shaded[("m", monday + dt.timedelta(days=1))] == [
        (OFF_HOURS, at(monday + dt.timedelta(days=1), "00:00"), at(monday + dt.timedelta(days=2), "00:00"))
    ]
    assert ("n", monday) not in shaded or shaded[("n", monday)] == []
    assert shaded[("o", monday)] == [(TIME_OFF, at(monday, "15:00"), at(monday, "16:00"))]


def test_a_working_night_across_the_clock_change_is_as_long_as_it_really_is():
    # 01:00-04:00 on the night clocks go from 02:00 to 03:00: two real hours of work, 21 shaded
    shaded = shaded_spans(days=[SPRING_FORWARD], tz_name=BERLIN, weeks={"m": [(7, 60, 240)]}, time_off={})
    spans = shaded[("m", SPRING_FORWARD)]
    assert [(kind, end - start) for kind, start, end in spans] == [
        (OFF_HOURS, dt.timedelta(hours=1)),
        (OFF_HOURS, dt.timedelta(hours=20)),
    ]


def test_the_day_view_shades_each_staff_members_column(admin_http, practice):
    # given the specialist works 09:00-17:00 on Mondays with an hour off at 14:00; the owner has no hours
    monday = dt.date(2024, 1, 15)
    set_hours(practice.specialist, (1, "09:00", "17:00"))
    TimeOff.objects.create(
        workspace=practice.workspace,
        membership=practice.specialist,
        starts_at=at(monday, "14:00"),
        ends_at=at(monday, "15:00"),
    )
    response = admin_http.get(URL, {"workspace": practice.workspace.pk, "date": monday.isoformat(), "view": "day"})
    columns = {column.key: column for column in parse_grid(response.content).columns}
    # then the specialist's column (07:00 to 20:00) is shaded before 09:00, from 14:00 to 15:00 and after 17:00
    assert columns[practice.specialist.pk].shades == [
        ("off-hours", 0.0, 120.0),
        ("time-off", 420.0, 60.0),
        ("off-hours", 600.0, 180.0),
    ]
    assert columns[practice.owner.pk].shades == []
    assert "Outside working hours" in response.content.decode()


def test_the_week_view_shades_each_staff_members_columns_every_day(admin_http, practice):
    # given the specialist works 09:00-17:00 on Mondays and has sessions that week (so a column a
    # day), and the owner, with sessions too, has no working hours
    set_hours(practice.specialist, (1, "09:00", "17:00"))
    practice.session(dt.date(2024, 1, 16), "10:00")
    practice.session(dt.date(2024, 1, 16), "12:00", staff=practice.owner)
    params = {"workspace": practice.workspace.pk, "date": "2024-01-15", "view": "week"}
    for theirs in (
        parse_grid(admin_http.get(URL, params).content).columns,  # everyone: a column per staff member a day
        parse_grid(admin_http.get(URL, {**params, "staff": practice.specialist.pk}).content).columns,
    ):
        columns = {(column.key, column.day): column for column in theirs}
        monday = columns[(practice.specialist.pk, "2024-01-15")]
        assert monday.shades == [("off-hours", 0.0, 120.0), ("off-hours", 600.0, 180.0)]
        sunday = columns[(practice.specialist.pk, "2024-01-14")]
        assert sunday.shades == [("off-hours", 0.0, 780.0)]  # no hours that day: all of it
    owners = [column for column in everyone_columns(admin_http, params) if column.key == practice.owner.pk]
    assert len(owners) == 7 and all(column.shades == [] for column in owners)


def everyone_columns(admin_http, params):
    return parse_grid(admin_http.get(URL, params).content).columns
