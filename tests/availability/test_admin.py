"""Availability in the admin: working hours and time off inline on the member's page, the booking
policy on the workspace's, each written through the API's actions; read-only lists with history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient

from availability.models import BookingPolicy, TimeOff, WorkingHours
from history.models import HistoricalTimeOff, HistoricalWorkingHours
from tests import factories
from tests.availability.conftest import make_team, set_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_http(db) -> HttpClient:
    http = HttpClient()
    http.force_login(factories.UserFactory(is_staff=True, is_superuser=True, email="root@example.com"))
    return http


def member_page(member) -> str:
    return f"/admin/workspaces/membership/{member.pk}/change/"


def member_form(member, hours=(), time_off=(), existing_hours=(), existing_time_off=()) -> dict:
    """The member's change form: its own fields and the two inlines' rows (existing ones first)."""
    data = {"role": member.role, "is_active": "on"}
    rows = [*existing_hours, *hours]
    data |= {
        "working_hours-TOTAL_FORMS": str(len(rows)),
        "working_hours-INITIAL_FORMS": str(len(existing_hours)),
        "working_hours-MIN_NUM_FORMS": "0",
        "working_hours-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data |= {f"working_hours-{i}-{key}": value for key, value in row.items()}
        data[f"working_hours-{i}-membership"] = member.pk
    spans = [*existing_time_off, *time_off]
    data |= {
        "time_off-TOTAL_FORMS": str(len(spans)),
        "time_off-INITIAL_FORMS": str(len(existing_time_off)),
        "time_off-MIN_NUM_FORMS": "0",
        "time_off-MAX_NUM_FORMS": "1000",
    }
    for i, span in enumerate(spans):
        data |= {f"time_off-{i}-{key}": value for key, value in span.items()}
        data[f"time_off-{i}-membership"] = member.pk
    return data


def test_working_hours_are_added_inline_through_the_action(admin_http):
    team = make_team("Africa/Cairo")
    hours = [
        {"weekday": "1", "start_minute": "09:00", "end_minute": "12:30"},
        {"weekday": "1", "start_minute": "13:00", "end_minute": "24:00"},
    ]
    response = admin_http.post(member_page(team.staff), member_form(team.staff, hours=hours))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert sorted(h.interval for h in WorkingHours.objects.filter(membership=team.staff)) == [
        (1, 540, 750),
        (1, 780, 1440),
    ]
    assert HistoricalWorkingHours.objects.filter(membership_id=team.staff.pk, door="admin").count() == 2
    # and the page shows them as HH:mm
    page = admin_http.get(member_page(team.staff)).content.decode()
    assert 'value="12:30"' in page and 'value="24:00"' in page


def test_overlapping_rows_are_a_form_error_and_nothing_is_written(admin_http):
    team = make_team()
    set_hours(team.staff, (2, "08:00", "09:00"))
    existing = WorkingHours.objects.get(membership=team.staff)
    response = admin_http.post(
        member_page(team.staff),
        member_form(
            team.staff,
            existing_hours=[{"id": existing.pk, "weekday": "2", "start_minute": "08:00", "end_minute": "09:00"}],
            hours=[{"weekday": "2", "start_minute": "08:30", "end_minute": "10:00"}],
        ),
    )
    assert response.status_code == 200
    assert "overlap" in response.content.decode()
    assert [h.interval for h in WorkingHours.objects.filter(membership=team.staff)] == [(2, 480, 540)]


@pytest.mark.parametrize(("start", "end"), [("9:00", "10:00"), ("09:00", "24:30"), ("10:00", "09:00")])
def test_a_bad_row_is_a_form_error(admin_http, start, end):
    team = make_team()
    response = admin_http.post(
        member_page(team.staff),
        member_form(team.staff, hours=[{"weekday": "3", "start_minute": start, "end_minute": end}]),
    )
    assert response.status_code == 200
    assert not WorkingHours.objects.exists()


def test_removing_a_row_goes_through_the_action(admin_http):
    team = make_team()
    set_hours(team.staff, (2, "08:00", "09:00"), (3, "08:00", "09:00"))
    rows = list(WorkingHours.objects.filter(membership=team.staff).order_by("weekday"))
    existing = [
        {"id": rows[0].pk, "weekday": "2", "start_minute": "08:00", "end_minute": "09:00", "DELETE": "on"},
        {"id": rows[1].pk, "weekday": "3", "start_minute": "08:00", "end_minute": "09:00"},
    ]
    response = admin_http.post(member_page(team.staff), member_form(team.staff, existing_hours=existing))
    assert response.status_code == 302
    assert [h.interval for h in WorkingHours.objects.filter(membership=team.staff)] == [(3, 480, 540)]


def test_time_off_is_typed_in_the_workspaces_zone(admin_http):
    # given a member of a Cairo practice (UTC+2 in winter)
    team = make_team("Africa/Cairo")
    span = {
        "starts_at_0": "2031-01-05",
        "starts_at_1": "09:00",
        "ends_at_0": "2031-01-05",
        "ends_at_1": "13:30",
        "reason": "Conference",
    }
    response = admin_http.post(member_page(team.staff), member_form(team.staff, time_off=[span]))
    assert response.status_code == 302, response.content.decode()[-3000:]
    stored = TimeOff.objects.get(membership=team.staff)
    assert (stored.starts_at, stored.ends_at) == (
        dt.datetime(2031, 1, 5, 7, tzinfo=dt.UTC),
        dt.datetime(2031, 1, 5, 11, 30, tzinfo=dt.UTC),
    )
    assert HistoricalTimeOff.objects.get(id=stored.pk).door == "admin"
    # and shown again as Cairo's wall clock reads it
    page = admin_http.get(member_page(team.staff)).content.decode()
    assert 'value="09:00:00"' in page or 'value="09:00"' in page


def test_time_off_ending_before_it_starts_or_at_a_skipped_time_is_a_form_error(admin_http):
    team = make_team("Europe/Berlin")
    backwards = {"starts_at_0": "2031-01-05", "starts_at_1": "09:00", "ends_at_0": "2031-01-05", "ends_at_1": "08:00"}
    skipped = {"starts_at_0": "2031-03-30", "starts_at_1": "02:30", "ends_at_0": "2031-03-30", "ends_at_1": "08:00"}
    for span in (backwards, skipped):
        response = admin_http.post(member_page(team.staff), member_form(team.staff, time_off=[span]))
        assert response.status_code == 200
    assert not TimeOff.objects.exists()


def test_the_booking_policy_is_changed_on_the_workspace_page(admin_http):
    team = make_team()
    data = {
        "name": team.workspace.name,
        "timezone": "UTC",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "booking_policy-TOTAL_FORMS": "1",
        "booking_policy-INITIAL_FORMS": "0",
        "booking_policy-MIN_NUM_FORMS": "1",
        "booking_policy-MAX_NUM_FORMS": "1",
        "booking_policy-0-enforce_working_hours": "on",
        "booking_policy-0-min_notice_minutes": "60",
        "booking_policy-0-max_advance_days": "90",
        "booking_policy-0-slot_step_minutes": "30",
        "booking_policy-0-buffer_minutes": "5",
        "booking_policy-0-workspace": team.workspace.pk,
    }
    response = admin_http.post(f"/admin/workspaces/workspace/{team.workspace.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    policy = BookingPolicy.objects.get(workspace=team.workspace)
    assert (policy.enforce_working_hours, policy.min_notice_minutes, policy.slot_step_minutes) == (True, 60, 30)
    # a step below 5 minutes is a form error
    policy_id = policy.pk
    data |= {
        "booking_policy-INITIAL_FORMS": "1",
        "booking_policy-0-id": policy_id,
        "booking_policy-0-slot_step_minutes": "1",
    }
    response = admin_http.post(f"/admin/workspaces/workspace/{team.workspace.pk}/change/", data)
    assert response.status_code == 200
    assert BookingPolicy.objects.get(pk=policy_id).slot_step_minutes == 30


def test_the_read_only_lists_and_their_history(admin_http):
    team = make_team()
    set_hours(team.staff, (1, "09:00", "10:00"))
    TimeOff.objects.create(
        workspace=team.workspace, membership=team.staff, starts_at="2031-01-01T00:00Z", ends_at="2031-01-02T00:00Z"
    )
    BookingPolicy.objects.create(workspace=team.workspace)
    for model in ("workinghours", "timeoff", "bookingpolicy"):
        listed = admin_http.get(f"/admin/availability/{model}/")
        assert listed.status_code == 200, model
        obj = listed.context["cl"].result_list[0]
        assert admin_http.get(f"/admin/availability/{model}/{obj.pk}/history/").status_code == 200
        assert admin_http.get(f"/admin/availability/{model}/add/").status_code == 403
    assert "09:00" in admin_http.get("/admin/availability/workinghours/").content.decode()
