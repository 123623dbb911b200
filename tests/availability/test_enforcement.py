"""The policy's ``enforceWorkingHours``: a create or move of an active booking of either kind
outside its staff member's working hours, or in their time off, is a 409 ``outside_working_hours``,
through every door (API create and PATCH, the admin's forms); checked by the booking core, on real
instants, under the staff member's lock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient

from availability.models import TimeOff
from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.availability.conftest import make_team, next_clock_change, next_weekday, root, set_hours, set_policy
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.timezones import local_to_utc

pytestmark = pytest.mark.django_db

KINDS = ["session", "consultation"]


def assert_outside(response) -> None:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "outside_working_hours"
    assert "startTime" in error["fields"]


@pytest.fixture
def monday(team):
    """The specialist works Mondays 09:00-12:00 and 13:00-17:00; the policy enforces it."""
    set_hours(team.staff, (1, "09:00", "12:00"), (1, "13:00", "17:00"))
    set_policy(team.workspace, enforce_working_hours=True)
    return next_weekday("UTC", 1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        ("08:00", 60),  # before the day
        ("08:59", 30),  # starts a minute early
        ("11:30", 60),  # runs into the break
        ("12:00", 60),  # in the break
        ("16:30", 31),  # ends a minute late
        ("17:00", 15),  # after the day
        ("09:00", 480),  # across the break
    ],
)
def test_a_create_outside_working_hours_is_a_409(team, monday, kind, start, minutes):
    assert_outside(team.book(day=monday, start=start, minutes=minutes, kind=kind))
    assert not Session.objects.exists() and not NutritionSession.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("start", "minutes"), [("09:00", 180), ("13:00", 240), ("11:00", 60), ("09:30", 15)])
def test_a_create_inside_working_hours_is_booked(team, monday, kind, start, minutes):
    assert team.book(day=monday, start=start, minutes=minutes, kind=kind).status_code == 201


@pytest.mark.parametrize("kind", KINDS)
def test_a_day_without_hours_takes_no_booking(team, monday, kind):
    assert_outside(team.book(day=monday + dt.timedelta(days=1), start="10:00", kind=kind))


@pytest.mark.parametrize("kind", KINDS)
def test_time_off_takes_no_booking(team, monday, kind):
    TimeOff.objects.create(
        workspace=team.workspace,
        membership=team.staff,
        starts_at=dt.datetime.combine(monday, dt.time(10, 30), dt.UTC),
        ends_at=dt.datetime.combine(monday, dt.time(11), dt.UTC),
    )
    assert_outside(team.book(day=monday, start="10:00", minutes=45, kind=kind))
    assert_outside(team.book(day=monday, start="10:59", minutes=15, kind=kind))
    assert team.book(day=monday, start="09:30", minutes=60, kind=kind).status_code == 201  # touching it
    assert team.book(day=monday, start="11:00", minutes=60, kind=kind).status_code == 201


def test_without_the_policy_working_hours_do_not_bind(team, monday):
    set_policy(team.workspace, enforce_working_hours=False)
    assert team.book(day=monday, start="03:00").status_code == 201
    assert team.book(day=monday, start="12:00", kind="consultation").status_code == 201


def test_a_booking_without_staff_or_cancelled_is_not_checked(team, monday):
    body = {
        "name": "Walk-in",
        "clientId": team.client.pk,
        "serviceIds": [team.service.pk],
        "date": monday.isoformat(),
        "startTime": "03:00",
    }
    assert team.api.post(f"{root(team.workspace)}/sessions", body, format="json").status_code == 201
    cancelled = {**body, "staffId": team.staff.pk, "status": "cancelled"}
    assert team.api.post(f"{root(team.workspace)}/sessions", cancelled, format="json").status_code == 201


def test_a_shift_across_midnight_holds_a_booking_across_it(team):
    # given Sunday 20:00-24:00 and Monday 00:00-04:00, enforced
    set_hours(team.staff, (7, "20:00", "24:00"), (1, "00:00", "04:00"))
    set_policy(team.workspace, enforce_working_hours=True)
    sunday = next_weekday("UTC", 7)
    # then a booking from 23:30 to 00:30 is inside; one to 04:30 is not
    assert team.book(day=sunday, start="23:30", minutes=60).status_code == 201
    assert_outside(team.book(day=sunday, start="23:00", minutes=330, kind="consultation"))


@pytest.mark.parametrize("kind", KINDS)
def test_a_move_by_patch_is_checked(team, monday, kind):
    booked = team.book(day=monday, start="09:00", kind=kind).json()["session"]
    path = f"{root(team.workspace)}/{'sessions' if kind == 'session' else 'nutrition/sessions'}/{booked['id']}"
    # moved later into the break, lengthened past the day's end, moved to a day off: 409, unchanged
    assert_outside(team.api.patch(path, {"startTime": "11:30"}, format="json"))
    assert_outside(team.api.patch(path, {"startTime": "16:00", "durationMinutes": 90}, format="json"))
    assert_outside(team.api.patch(path, {"date": (monday + dt.timedelta(days=2)).isoformat()}, format="json"))
    assert team.api.get(path).json()["session"]["startTime"] == "09:00"
    # moved inside: fine
    assert team.api.patch(path, {"startTime": "14:00"}, format="json").status_code == 200


def test_a_move_to_another_staff_member_is_checked_against_theirs(team, monday):
    other = factories.MembershipFactory(workspace=team.workspace)
    set_hours(other, (1, "14:00", "18:00"))
    booked = team.book(day=monday, start="09:00").json()["session"]
    path = f"{root(team.workspace)}/sessions/{booked['id']}"
    assert_outside(team.api.patch(path, {"staffId": other.pk}, format="json"))
    assert team.api.patch(path, {"staffId": other.pk, "startTime": "15:00"}, format="json").status_code == 200


def test_a_booking_that_stays_put_is_not_judged_again(team, monday):
    # given a booking made at 03:00 before the policy enforced working hours
    set_policy(team.workspace, enforce_working_hours=False)
    booked = team.book(day=monday, start="03:00").json()["session"]
    set_policy(team.workspace, enforce_working_hours=True)
    path = f"{root(team.workspace)}/sessions/{booked['id']}"
    # then renaming it and moving it through its lifecycle are fine: it does not move in time
    assert team.api.patch(path, {"name": "Renamed"}, format="json").status_code == 200
    assert team.api.patch(path, {"status": "completed"}, format="json").status_code == 200


def test_on_a_clock_change_the_real_length_counts(db):
    # given a Berlin specialist working 01:00-04:00 on the night clocks go forward (02:00 -> 03:00):
    # two real hours
    team = make_team("Europe/Berlin")
    day = next_clock_change("Europe/Berlin", forward=True)
    set_hours(team.staff, (day.isoweekday(), "01:00", "04:00"))
    set_policy(team.workspace, enforce_working_hours=True)
    # then 01:00 for 120 minutes fits (it ends at 04:00), 121 minutes does not
    assert team.book(day=day, start="01:00", minutes=120).status_code == 201
    team.api.delete(f"{root(team.workspace)}/sessions/{Session.objects.get().pk}")
    assert_outside(team.book(day=day, start="01:00", minutes=121))
    # and a start the clocks skip is the booking core's 400, as ever
    response = team.book(day=day, start="02:30", minutes=30)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nonexistent_local_time"


# --------------------------------------------------------------------------------------------
# The admin's doors
# --------------------------------------------------------------------------------------------


@pytest.fixture
def admin_http(db) -> HttpClient:
    http = HttpClient()
    http.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return http


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return {name: [str(m) for m in messages] for name, messages in response.context["adminform"].form.errors.items()}


def test_the_admins_session_form_is_refused_on_its_start_time(team, monday, admin_http):
    data = {
        "workspace": team.workspace.pk,
        "name": "Admin booking",
        "client": team.client.pk,
        "service_list": [team.service.pk],
        "staff": team.staff.pk,
        "status": "scheduled",
        "date": monday.isoformat(),
        "start_time": "12:15",
        "duration_minutes": "30",
        "field_values": "[]",
        # the notes' and attachments' inlines, empty
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
    }
    errors = form_errors(admin_http.post("/admin/appointments/session/add/", data))
    assert "does not work at that time" in " ".join(errors["start_time"])
    assert not Session.objects.exists()
    response = admin_http.post("/admin/appointments/session/add/", {**data, "start_time": "13:15"})
    assert response.status_code == 302
    # and a move in the change form is judged too
    session = Session.objects.get()
    errors = form_errors(
        admin_http.post(f"/admin/appointments/session/{session.pk}/change/", {**data, "start_time": "17:00"})
    )
    assert "start_time" in errors


def test_the_admins_consultation_form_is_refused_on_its_start_time(team, monday, admin_http):
    consultation = NutritionSessionFactory(
        workspace=team.workspace, client=team.client, staff=team.staff, date=monday, start_time=dt.time(9)
    )
    data = {
        "client": team.client.pk,
        "staff": team.staff.pk,
        "type": "online",
        "status": "scheduled",
        "date": monday.isoformat(),
        "start_time": "18:00",
        "end_time": "",
        "duration_minutes": "60",
        "topic": "",
        "notes_shared": "",
        "notes_private": "",
        "meeting_link": "",
        "location": "",
        "follow_ups-TOTAL_FORMS": "0",
        "follow_ups-INITIAL_FORMS": "0",
        "follow_ups-MIN_NUM_FORMS": "0",
        "follow_ups-MAX_NUM_FORMS": "1000",
    }
    errors = form_errors(admin_http.post(f"/admin/nutrition/nutritionsession/{consultation.pk}/change/", data))
    assert "start_time" in errors
    consultation.refresh_from_db()
    assert consultation.start_time == dt.time(9)


def test_bulk_status_actions_move_no_booking_in_time_so_they_are_not_refused(team, monday, admin_http):
    # given sessions booked at 03:00 before the policy (they never move in time by a status change)
    set_policy(team.workspace, enforce_working_hours=False)
    early = [
        SessionFactory(
            workspace=team.workspace,
            client=team.client,
            staff=team.staff,
            date=monday + dt.timedelta(days=n),
            start_time=dt.time(3),
        )
        for n in range(2)
    ]
    set_policy(team.workspace, enforce_working_hours=True)
    response = admin_http.post(
        "/admin/appointments/session/",
        {"action": "mark_completed", "_selected_action": [s.pk for s in early], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert set(Session.objects.values_list("status", flat=True)) == {"completed"}


def test_the_check_uses_real_instants(team, monday):
    # a Cairo workspace: its Monday 09:00 is 07:00 UTC in winter, whatever the server's zone
    team.workspace.timezone = "Africa/Cairo"
    team.workspace.save()
    day = next_weekday("Africa/Cairo", 1)
    response = team.book(day=day, start="09:00", minutes=60)
    assert response.status_code == 201, response.content
    assert Session.objects.get().starts_at == local_to_utc(day, dt.time(9), "Africa/Cairo")
