"""Free slots: GET .../availability?serviceIds=&staffId=&dateFrom=&dateTo=&durationMinutes=."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from availability.models import TimeOff
from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.availability.conftest import (
    availability_url,
    make_team,
    next_clock_change,
    next_weekday,
    set_hours,
    set_policy,
    today,
)
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role
from workspaces.timezones import local_to_utc

pytestmark = pytest.mark.django_db


def starts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [slot["startTime"] for slot in response.json()["slots"]]


def one_day(team, day: dt.date, **params):
    return team.slots(dateFrom=day.isoformat(), dateTo=day.isoformat(), **params)


@pytest.fixture
def monday(team):
    """The specialist works Mondays 09:00-12:00 and 13:00-15:00 (a lunch break)."""
    set_hours(team.staff, (1, "09:00", "12:00"), (1, "13:00", "15:00"))
    return next_weekday("UTC", 1)


def test_every_start_on_the_grid_where_the_duration_fits_the_working_hours(team, monday):
    response = one_day(team, monday, durationMinutes=60)
    assert starts(response) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
                                "13:00", "13:15", "13:30", "13:45", "14:00"]  # fmt: skip
    assert response.json()["slots"][0] == {
        "staffId": team.staff.pk,
        "staffName": "Dr. Sami",
        "date": f"{monday.isoformat()}T00:00:00.000Z",
        "startTime": "09:00",
        "endTime": "10:00",
    }
    assert "nextCursor" not in response.json()


def test_the_grid_counts_from_midnight(team):
    set_hours(team.staff, (2, "09:10", "10:40"))
    set_policy(team.workspace, slot_step_minutes=20)
    assert starts(one_day(team, next_weekday("UTC", 2), durationMinutes=30)) == ["09:20", "09:40", "10:00"]


def test_the_services_summed_duration_as_on_create(team, monday):
    # 60 + 30 minutes: the last start before the break is 10:30
    assert starts(one_day(team, monday, serviceIds=f"{team.service.pk},{team.short_service.pk}"))[:7][-1] == "10:30"
    # durationMinutes wins over the services
    assert starts(one_day(team, monday, serviceIds=team.service.pk, durationMinutes=180)) == ["09:00"]
    # a service without a duration counts 0, and 0 is 60 minutes (as on create)
    empty = factories.ServiceFactory(workspace=team.workspace, duration_minutes=None)
    assert starts(one_day(team, monday, serviceIds=empty.pk)) == starts(one_day(team, monday, durationMinutes=60))


@pytest.mark.parametrize("kind", ["session", "consultation"])
def test_active_bookings_of_both_kinds_block_and_cancelled_or_no_show_do_not(team, monday, kind):
    factory = SessionFactory if kind == "session" else NutritionSessionFactory
    base = {"workspace": team.workspace, "client": team.client, "staff": team.staff, "date": monday}
    factory(**base, start_time=dt.time(10), duration_minutes=45)
    factory(**base, start_time=dt.time(13), duration_minutes=60, status="cancelled")
    if kind == "consultation":
        factory(**base, start_time=dt.time(14), duration_minutes=60, status="no_show")
    else:
        factory(**base, start_time=dt.time(14), duration_minutes=60, status="completed")  # still held
    found = starts(one_day(team, monday, durationMinutes=30))
    assert "09:30" in found and "09:45" not in found and "10:30" not in found and "10:45" in found
    assert "13:00" in found  # the cancelled one frees its time
    assert ("14:00" in found) == (kind == "consultation")


def test_another_members_bookings_and_bookings_without_staff_do_not_block(team, monday):
    other = factories.MembershipFactory(workspace=team.workspace)
    SessionFactory(workspace=team.workspace, client=team.client, staff=other, date=monday, start_time=dt.time(9))
    SessionFactory(workspace=team.workspace, client=team.client, staff=None, date=monday, start_time=dt.time(9))
    assert starts(one_day(team, monday, durationMinutes=60, staffId=team.staff.pk))[0] == "09:00"


def test_a_booking_across_midnight_blocks_the_next_morning(team):
    set_hours(team.staff, (2, "00:00", "03:00"))
    tuesday = next_weekday("UTC", 2)
    SessionFactory(
        workspace=team.workspace, staff=team.staff, date=tuesday - dt.timedelta(days=1), start_time=dt.time(23, 30),
        duration_minutes=90,
    )  # fmt: skip
    assert starts(one_day(team, tuesday, durationMinutes=60)) == ["01:00", "01:15", "01:30", "01:45", "02:00"]


def test_the_buffer_keeps_a_gap_around_every_booking(team, monday):
    SessionFactory(workspace=team.workspace, staff=team.staff, date=monday, start_time=dt.time(10), duration_minutes=30)
    set_policy(team.workspace, buffer_minutes=15)
    found = starts(one_day(team, monday, durationMinutes=30))
    # 09:15-09:45 ends 15 minutes before it; 10:45 starts 15 minutes after it
    assert [s for s in found if s < "12:00"] == ["09:00", "09:15", "10:45", "11:00", "11:15", "11:30"]


def test_time_off_blocks_its_real_span(team, monday):
    TimeOff.objects.create(
        workspace=team.workspace,
        membership=team.staff,
        starts_at=dt.datetime.combine(monday, dt.time(9, 40), dt.UTC),
        ends_at=dt.datetime.combine(monday, dt.time(13, 20), dt.UTC),
    )
    assert starts(one_day(team, monday, durationMinutes=60)) == ["13:30", "13:45", "14:00"]


def test_long_time_off_covers_whole_days(team, monday):
    TimeOff.objects.create(
        workspace=team.workspace,
        membership=team.staff,
        starts_at=dt.datetime.combine(monday - dt.timedelta(days=10), dt.time(0), dt.UTC),
        ends_at=dt.datetime.combine(monday + dt.timedelta(days=10), dt.time(0), dt.UTC),
    )
    assert starts(team.slots(dateFrom=monday.isoformat(), dateTo=(monday + dt.timedelta(days=9)).isoformat(),
                             durationMinutes=15)) == []  # fmt: skip


def test_nothing_starts_in_the_past_nor_sooner_than_the_notice(team):
    set_hours(team.staff, *[(weekday, "00:00", "24:00") for weekday in range(1, 8)])
    set_policy(team.workspace, min_notice_minutes=150, slot_step_minutes=30)
    before = timezone.now()
    response = team.slots(
        dateFrom=(today("UTC") - dt.timedelta(days=3)).isoformat(),
        dateTo=(today("UTC") + dt.timedelta(days=1)).isoformat(),
        durationMinutes=30,
    )
    after = timezone.now()
    first = response.json()["slots"][0]
    at = local_to_utc(dt.date.fromisoformat(first["date"][:10]), dt.time.fromisoformat(first["startTime"]), "UTC")
    assert before + dt.timedelta(minutes=150) <= at < after + dt.timedelta(minutes=150 + 30)


def test_nothing_later_than_the_advance_limit(team):
    set_hours(team.staff, *[(weekday, "10:00", "11:00") for weekday in range(1, 8)])
    set_policy(team.workspace, max_advance_days=3)
    response = team.slots(
        dateFrom=today("UTC").isoformat(), dateTo=(today("UTC") + dt.timedelta(days=10)).isoformat(),
        durationMinutes=60,
    )  # fmt: skip
    days = sorted({slot["date"][:10] for slot in response.json()["slots"]})
    assert days[-1] == (today("UTC") + dt.timedelta(days=3)).isoformat()
    assert len(days) in (3, 4)  # today's 10:00 may be gone already


def test_without_staff_id_every_member_with_working_hours_ordered_by_date_time_staff(team, monday):
    # given a second member with hours, one without, and an inactive one with hours
    second = factories.MembershipFactory(workspace=team.workspace, role=Role.ASSISTANT)
    set_hours(second, (1, "08:30", "10:00"), (2, "09:00", "10:00"))
    factories.MembershipFactory(workspace=team.workspace)
    gone = factories.MembershipFactory(workspace=team.workspace, is_active=False)
    set_hours(gone, (1, "09:00", "10:00"))
    response = team.slots(dateFrom=monday.isoformat(), dateTo=(monday + dt.timedelta(days=1)).isoformat(),
                          durationMinutes=60)  # fmt: skip
    slots = [(s["date"][:10], s["startTime"], s["staffId"]) for s in response.json()["slots"]]
    assert slots == sorted(slots)
    assert {s[2] for s in slots} == {team.staff.pk, second.pk}
    first_ids = sorted([team.staff.pk, second.pk])
    assert slots[:4] == [
        (monday.isoformat(), "08:30", second.pk),
        (monday.isoformat(), "08:45", second.pk),
        (monday.isoformat(), "09:00", first_ids[0]),
        (monday.isoformat(), "09:00", first_ids[1]),
    ]
    assert slots[-1] == ((monday + dt.timedelta(days=1)).isoformat(), "09:00", second.pk)


def test_staff_id_narrows_to_one_member(team, monday):
    second = factories.MembershipFactory(workspace=team.workspace)
    set_hours(second, (1, "07:00", "08:00"))
    response = one_day(team, monday, durationMinutes=60, staffId=second.pk)
    assert starts(response) == ["07:00"]
    assert {s["staffId"] for s in response.json()["slots"]} == {second.pk}
    # a member without working hours has no free slot
    assert starts(one_day(team, monday, durationMinutes=60, staffId=team.owner.pk)) == []


@pytest.mark.parametrize("which", ["unknown", "other workspace", "inactive"])
def test_a_staff_id_not_of_an_active_member_here_is_a_404_naming_it(team, monday, other_workspace, which):
    staff = {
        "unknown": lambda: "0123456789abcdef01234567",
        "other workspace": lambda: factories.MembershipFactory(workspace=other_workspace).pk,
        "inactive": lambda: factories.MembershipFactory(workspace=team.workspace, is_active=False).pk,
    }[which]()
    response = one_day(team, monday, durationMinutes=60, staffId=staff)
    assert response.status_code == 404
    assert "staffId" in response.json()["error"]["fields"]


def test_services_are_checked_as_on_create(team, monday, other_workspace):
    inactive = factories.ServiceFactory(workspace=team.workspace, is_active=False)
    foreign = factories.ServiceFactory(workspace=other_workspace)
    response = one_day(team, monday, serviceIds=inactive.pk)
    assert response.status_code == 400 and "serviceIds" in response.json()["error"]["fields"]
    response = one_day(team, monday, serviceIds=foreign.pk)
    assert response.status_code == 404 and "serviceIds" in response.json()["error"]["fields"]
    response = one_day(team, monday, serviceIds=foreign.pk, durationMinutes=30)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"dateTo": "2031-01-01", "durationMinutes": 30}, "dateFrom", "validation_error"),
        ({"dateFrom": "2031-01-01", "durationMinutes": 30}, "dateTo", "validation_error"),
        ({"dateFrom": "2031-02-30", "dateTo": "2031-03-01", "durationMinutes": 30}, "dateFrom", "validation_error"),
        ({"dateFrom": "2031-01-02", "dateTo": "2031-01-01", "durationMinutes": 30}, "dateTo", "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-02-01", "durationMinutes": 30}, "dateTo", "date_range_too_long"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01"}, "durationMinutes", "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": 0}, "durationMinutes",
         "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": 1441}, "durationMinutes",
         "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": "x"}, "durationMinutes",
         "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": 30, "staffId": "nope"}, "staffId",
         "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "serviceIds": "a,b"}, "serviceIds", "validation_error"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": 30, "limit": 0}, "limit", "invalid"),
        ({"dateFrom": "2031-01-01", "dateTo": "2031-01-01", "durationMinutes": 30, "cursor": "!"}, "cursor",
         "invalid_cursor"),
    ],
)  # fmt: skip
def test_a_bad_query_is_a_400_naming_it(team, params, field, code):
    response = team.slots(**params)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]


def test_31_days_are_fine(team):
    first = today("UTC") + dt.timedelta(days=1)
    response = team.slots(dateFrom=first.isoformat(), dateTo=(first + dt.timedelta(days=30)).isoformat(),
                          durationMinutes=30)  # fmt: skip
    assert response.status_code == 200


def test_paging_with_limit_and_cursor(team, monday):
    everything = one_day(team, monday, durationMinutes=60).json()["slots"]
    pages, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        body = one_day(team, monday, durationMinutes=60, **params).json()
        pages.append(body["slots"])
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert [len(page) for page in pages] == [4, 4, 4, 2]
    assert [slot for page in pages for slot in page] == everything


def test_more_than_5000_slots_without_limit_is_a_400(team):
    for _ in range(4):
        member = factories.MembershipFactory(workspace=team.workspace)
        set_hours(member, *[(weekday, "00:00", "24:00") for weekday in range(1, 8)])
    set_policy(team.workspace, slot_step_minutes=5)
    first = today("UTC") + dt.timedelta(days=1)
    # 4 members x 5 days x 288 starts
    params = {"dateFrom": first.isoformat(), "dateTo": (first + dt.timedelta(days=4)).isoformat(), "durationMinutes": 5}
    response = team.slots(**params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_results"
    assert len(team.slots(**params, limit=500).json()["slots"]) == 500


def test_every_member_may_ask_in_the_contracts_order(workspace):
    endpoint = Endpoint(
        "GET",
        lambda ws: f"{availability_url(ws)}?dateFrom=2031-01-01&dateTo=2031-01-02&durationMinutes=30",
        "availability.view",
    )
    assert_access_order(endpoint, workspace)


# --------------------------------------------------------------------------------------------
# Clock changes
# --------------------------------------------------------------------------------------------


def wall_instants(day: dt.date, clock: str, tz_name: str) -> list[dt.datetime]:
    """Every instant the wall clock of ``tz_name`` reads ``clock`` on ``day`` (none, one or two),
    found by walking the day minute by minute (independently of the product's conversion)."""
    zone = ZoneInfo(tz_name)
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), dt.UTC)
    found = []
    for minute in range(48 * 60):
        instant = start + dt.timedelta(minutes=minute)
        local = instant.astimezone(zone)
        if local.date() == day and local.strftime("%H:%M") == clock:
            found.append(instant)
    return found


@pytest.mark.parametrize(
    ("tz_name", "skipped"),
    [
        ("Europe/Berlin", ["02:00", "02:30"]),
        ("America/New_York", ["02:00", "02:30"]),
        ("Australia/Lord_Howe", ["02:00"]),  # clocks go from 02:00 to 02:30
        ("Africa/Cairo", ["00:00", "00:30"]),  # from midnight to 01:00
    ],
)
def test_a_time_the_clocks_skip_is_never_a_slot_and_slots_across_it_last_their_real_length(tz_name, skipped):
    # given a specialist working 00:00 to 05:00 on the night clocks go forward
    team = make_team(tz_name)
    day = next_clock_change(tz_name, forward=True)
    set_hours(team.staff, (day.isoweekday(), "00:00", "05:00"))
    set_policy(team.workspace, slot_step_minutes=30)

    slots = one_day(team, day, durationMinutes=60).json()["slots"]

    # then no slot starts at a skipped time, and each is every grid time whose 60 real minutes
    # fit before 05:00, its end the wall-clock time 60 real minutes after its start
    work_ends = wall_instants(day, "05:00", tz_name)[0]
    expected = []
    for minute in range(0, 5 * 60, 30):
        clock = f"{minute // 60:02d}:{minute % 60:02d}"
        instants = wall_instants(day, clock, tz_name)
        if instants and instants[0] + dt.timedelta(minutes=60) <= work_ends:
            end = (instants[0] + dt.timedelta(minutes=60)).astimezone(ZoneInfo(tz_name))
            expected.append((clock, end.strftime("%H:%M")))
    assert [(slot["startTime"], slot["endTime"]) for slot in slots] == expected
    assert not set(skipped) & {slot["startTime"] for slot in slots}


def test_a_slot_across_the_hour_clocks_go_back_has_its_real_length():
    # Berlin: on the night clocks go back, 02:00-03:00 happens twice. A 60-minute slot at 02:00
    # (its first occurrence, as a booking then means) ends at the second 02:00: 60 real minutes
    team = make_team("Europe/Berlin")
    day = next_clock_change("Europe/Berlin", forward=False)
    set_hours(team.staff, (day.isoweekday(), "01:00", "03:00"))
    set_policy(team.workspace, slot_step_minutes=30)
    slots = [(s["startTime"], s["endTime"]) for s in one_day(team, day, durationMinutes=60).json()["slots"]]
    # three real hours of work: 01:00 (CEST) to 03:00 (CET)
    assert slots == [("01:00", "02:00"), ("01:30", "02:30"), ("02:00", "02:00"), ("02:30", "02:30")]
