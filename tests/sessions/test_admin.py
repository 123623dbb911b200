"""The sessions admin: lists, searches, filters, and saves with the API's rules (form errors)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient

from sessions.models import Session, SessionService
from tests import factories
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/appointments/session/add/"
LIST_URL = "/admin/appointments/session/"


def change_url(session) -> str:
    return f"/admin/appointments/session/{session.pk}/change/"


@pytest.fixture
def admin_http(db) -> HttpClient:
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    http = HttpClient()
    http.force_login(user)
    return http


def field_value_rows(*rows: tuple[str, str, str, str]) -> dict:
    """The field values' rows as the page posts them: (key, value, kind, phase) each."""
    data = {"field_values-count": str(len(rows))}
    for index, (key, value, kind, phase) in enumerate(rows):
        data |= {
            f"field_values-{index}-key": key,
            f"field_values-{index}-value": value,
            f"field_values-{index}-kind": kind,
            f"field_values-{index}-phase": phase,
        }
    return data


def form_data(world, **overrides) -> dict:
    data = {
        "workspace": world.workspace.pk,
        "name": "Admin booking",
        "client": world.client.pk,
        "service_list": [s.pk for s in world.services],
        "staff": world.staff.pk,
        "status": "scheduled",
        "date": "2024-03-05",
        "start_time": "09:00",
        "duration_minutes": "",
        **field_value_rows(),
        # the notes' and attachments' inlines, empty
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def errors_of(response) -> dict:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    form = response.context["adminform"].form
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_add_goes_through_the_actions(admin_http, world):
    # given the services in the order Checkup, Massage; when added without a duration
    massage, checkup = world.services
    response = admin_http.post(ADD_URL, form_data(world, service_list=[checkup.pk, massage.pk]))
    # then the session exists with the computed duration, end time, instants and ordered services
    assert response.status_code == 302, errors_of(response)
    session = Session.objects.get()
    assert (session.duration_minutes, session.end_time) == (75, dt.time(10, 15))
    assert session.starts_at == dt.datetime(2024, 3, 5, 9, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2024, 3, 5, 10, 15, tzinfo=dt.UTC)
    links = SessionService.objects.filter(session=session).order_by("position")
    assert [link.service_id for link in links] == [checkup.pk, massage.pk]


def test_add_with_a_staff_clash_is_a_form_error(admin_http, world):
    SessionFactory(workspace=world.workspace, staff=world.staff, date=dt.date(2024, 3, 5), start_time=dt.time(9, 30))
    errors = errors_of(admin_http.post(ADD_URL, form_data(world)))
    assert "staff" in errors
    assert Session.objects.count() == 1


def test_add_with_a_nonexistent_local_time_is_a_form_error(admin_http, world):
    world.workspace.timezone = "Europe/Berlin"
    world.workspace.save()
    errors = errors_of(admin_http.post(ADD_URL, form_data(world, date="2024-03-31", start_time="02:30")))
    assert "start_time" in errors
    assert not Session.objects.exists()


def test_references_must_be_in_the_sessions_workspace(admin_http, world, other_workspace):
    foreign_client = factories.ClientFactory(workspace=other_workspace)
    foreign_staff = factories.MembershipFactory(workspace=other_workspace)
    foreign_service = factories.ServiceFactory(workspace=other_workspace)
    inactive = factories.ServiceFactory(workspace=world.workspace, is_active=False)
    for overrides, field in [
        ({"client": foreign_client.pk}, "client"),
        ({"staff": foreign_staff.pk}, "staff"),
        ({"service_list": [foreign_service.pk]}, "service_list"),
        ({"service_list": [inactive.pk]}, "service_list"),
        ({"service_list": []}, "service_list"),
        (field_value_rows(("k", "", "json", "during")), "field_values"),
        (field_value_rows(("k", "[1,", "json", "pre")), "field_values"),
        (field_value_rows(("", "orphan", "text", "pre")), "field_values"),
        ({"duration_minutes": "1441"}, "duration_minutes"),
    ]:
        data = form_data(world) | overrides if "field_values-count" in overrides else form_data(world, **overrides)
        assert field in errors_of(admin_http.post(ADD_URL, data)), field
    assert not Session.objects.exists()


def test_change_follows_the_lifecycle(admin_http, world):
    session = SessionFactory(workspace=world.workspace, client=world.client, services=world.services)
    Session.objects.filter(pk=session.pk).update(status="completed")
    data = form_data(world, status="scheduled", staff="", date="2024-01-20", start_time="10:00", duration_minutes="60")
    del data["workspace"]
    errors = errors_of(admin_http.post(change_url(session), data))
    assert "status" in errors
    session.refresh_from_db()
    assert session.status == "completed"


def test_change_moves_and_rechecks(admin_http, world):
    session = SessionFactory(
        workspace=world.workspace, client=world.client, staff=world.staff, services=world.services, duration_minutes=60
    )
    SessionFactory(workspace=world.workspace, staff=world.staff, date=dt.date(2024, 1, 20), start_time=dt.time(12))
    base = form_data(world, date="2024-01-20", start_time="10:00", duration_minutes="60")
    del base["workspace"]
    # moving into the other session is refused
    assert "staff" in errors_of(admin_http.post(change_url(session), base | {"start_time": "11:30"}))
    # moving to a free time goes through, with new instants and end time
    response = admin_http.post(change_url(session), base | {"start_time": "13:00", "status": "in-progress"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.start_time, session.end_time, session.status) == (dt.time(13), dt.time(14), "in-progress")
    assert session.starts_at == dt.datetime(2024, 1, 20, 13, tzinfo=dt.UTC)


def test_change_page_lists_services_in_order(admin_http, world):
    massage, checkup = world.services
    session = SessionFactory(workspace=world.workspace, client=world.client, services=[checkup, massage])
    response = admin_http.get(change_url(session))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["service_list"] == [checkup.pk, massage.pk]


def test_changelist_search_filters_and_date_hierarchy(admin_http, world):
    massage, checkup = world.services
    SessionFactory(workspace=world.workspace, client=world.client, name="Alpha", services=[massage])
    SessionFactory(workspace=world.workspace, client=world.client, name="Beta", services=[checkup], status="cancelled")
    for params, expected in [
        ({}, {"Alpha", "Beta"}),
        ({"q": "Alpha"}, {"Alpha"}),
        ({"q": world.client.name}, {"Alpha", "Beta"}),
        ({"status__exact": "cancelled"}, {"Beta"}),
        ({"service": massage.pk}, {"Alpha"}),
        ({"date__year": "2024", "date__month": "1"}, {"Alpha", "Beta"}),
    ]:
        response = admin_http.get(LIST_URL, params)
        assert response.status_code == 200, params
        assert {s.name for s in response.context["cl"].result_list} == expected, params


# The changelist runs 9 queries whatever the number of sessions (a superuser's: no memberships
# to read): the admin's session and user; the filters' choices (services; staff members joined
# with their users and workspace; workspaces); the count; the page of sessions (joined with
# workspace, client, staff and user, with their service names as an array); the date range and
# the days. (A member's list: tests/admin_scope/test_queries.py.)
ADMIN_LIST_QUERIES = 9


@pytest.mark.parametrize("count", [1, 30])
def test_changelist_query_count_does_not_grow(admin_http, world, django_assert_num_queries, count):
    for _ in range(count):
        SessionFactory(workspace=world.workspace, client=world.client, staff=world.staff, services=world.services)
    with django_assert_num_queries(ADMIN_LIST_QUERIES):
        assert admin_http.get(LIST_URL).status_code == 200


def test_service_autocomplete_answers(admin_http, world):
    response = admin_http.get(
        "/admin/autocomplete/",
        {"app_label": "appointments", "model_name": "session", "field_name": "services", "term": "Mass"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Massage"]


def test_add_page_renders_with_autocomplete_widgets(admin_http, world):
    response = admin_http.get(ADD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="service_list"' in html and "admin-autocomplete" in html


def test_delete_through_the_admin_removes_the_links(admin_http, world):
    session = SessionFactory(workspace=world.workspace, client=world.client, services=world.services)
    response = admin_http.post(f"/admin/appointments/session/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Session.objects.exists() and not SessionService.objects.exists()
