"""The consultations admin: pages, search, filters, follow-ups inline, private notes, validated saves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from nutrition.models import FollowUp, NutritionSession
from sessions.models import Session
from tests import factories
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.models import User
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

PRIVATE = "ملاحظة سرية للأخصائي"


def url(view: str, *args) -> str:
    return reverse(f"admin:nutrition_nutritionsession_{view}", args=args)


def browser_for(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def root() -> BrowserClient:
    return browser_for(User.objects.create_superuser(email="root@example.com", password="root-pass-123"))


@pytest.fixture
def consultation(workspace):
    session = NutritionSessionFactory(
        workspace=workspace,
        client=factories.ClientFactory(workspace=workspace, name="Yasmin Client"),
        staff=factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST, user__name="Dr. Huda"),
        topic="Weekly check",
        notes_private=PRIVATE,
        notes_shared="Drink water",
    )
    FollowUpFactory(session=session, note="Weigh in")
    return session


def staff_browser(workspace, role: str | None) -> BrowserClient:
    """A member with ``role`` in ``workspace`` (or, with None, a member of another workspace only)."""
    user = factories.UserFactory()
    elsewhere = factories.WorkspaceFactory(name="Elsewhere") if role is None else workspace
    factories.MembershipFactory(workspace=elsewhere, user=user, role=role or Role.OWNER)
    return browser_for(user)


def form_data(session: NutritionSession | None = None, **overrides) -> dict:
    """The change form's POST data for ``session`` (or a new one), no inline rows."""
    data = {
        "client": session.client_id if session else "",
        "staff": session.staff_id or "" if session else "",
        "type": session.type if session else "online",
        "status": session.status if session else "scheduled",
        "date": session.date.isoformat() if session else "2024-03-05",
        "start_time": session.start_time.strftime("%H:%M") if session else "10:00",
        "end_time": session.end_time.strftime("%H:%M") if session else "",
        "duration_minutes": session.duration_minutes if session else "",
        "topic": session.topic or "" if session else "",
        "notes_shared": session.notes_shared or "" if session else "",
        "meeting_link": session.meeting_link or "" if session else "",
        "location": session.location or "" if session else "",
        "follow_ups-TOTAL_FORMS": "0",
        "follow_ups-INITIAL_FORMS": "0",
        "follow_ups-MIN_NUM_FORMS": "0",
        "follow_ups-MAX_NUM_FORMS": "1000",
        "attachments-TOTAL_FORMS": "0",  # the attachments' inline, empty
        "attachments-INITIAL_FORMS": "0",
    }
    if session is not None and session.notes_private is not None:
        data["notes_private"] = session.notes_private
    data.update(overrides)
    return data


def errors_of(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect or a 500
    page = response.content.decode()
    assert "errorlist" in page or "errornote" in page
    return page


# -- pages ------------------------------------------------------------------------------------


def test_changelist_add_change_pages_load(root, consultation):
    assert root.get(url("changelist")).status_code == 200
    assert root.get(url("add")).status_code == 200
    page = root.get(url("change", consultation.pk)).content.decode()
    assert "Weigh in" in page  # follow-ups inline


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"q": "yasmin"}, True),
        ({"q": "huda"}, True),
        ({"q": "weekly"}, True),
        ({"q": "nobody"}, False),
        ({"q": "سرية"}, False),  # private notes are not searchable
        ({"status__exact": "scheduled"}, True),
        ({"status__exact": "completed"}, False),
        ({"type__exact": "online"}, True),
        ({"date__year": "2024", "date__month": "1"}, True),
        ({"date__year": "2023"}, False),
    ],
)
def test_search_filters_and_date_hierarchy(root, consultation, params, shown):
    response = root.get(url("changelist"), params)
    assert response.status_code == 200
    page = response.content.decode()
    results = page.split('id="result_list"')[1].split("</table>")[0] if 'id="result_list"' in page else ""
    assert ("Yasmin Client" in results) is shown


def test_autocomplete_of_client_and_specialist(root, consultation):
    for field, term, expected in [("client", "yas", "Yasmin Client"), ("staff", "huda", "Dr. Huda")]:
        response = root.get(
            "/admin/autocomplete/",
            {"app_label": "nutrition", "model_name": "nutritionsession", "field_name": field, "term": term},
        )
        assert response.status_code == 200
        assert expected in response.content.decode()


# -- private notes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.OWNER, True),
        (Role.ADMIN, True),
        (Role.SPECIALIST, True),
        (Role.ASSISTANT, False),
        (Role.VIEWER, False),
        (None, False),  # not a member of that workspace
    ],
)
def test_private_notes_only_for_staff_allowed_to_see_them(workspace, consultation, role, sees):
    browser = staff_browser(workspace, role)
    response = browser.get(url("change", consultation.pk))
    if role is None:  # another workspace's consultation: not found, nothing shown
        assert response.status_code == 404
        assert PRIVATE not in response.content.decode()
        return
    page = response.content.decode()
    assert ('name="notes_private"' in page) is sees
    assert (PRIVATE in page) is sees
    assert "Drink water" in page  # shared notes for everyone who may view it


def test_a_superuser_sees_private_notes(root, consultation):
    page = root.get(url("change", consultation.pk)).content.decode()
    assert 'name="notes_private"' in page and PRIVATE in page


def test_a_member_without_the_permission_cannot_write_private_notes(workspace, consultation):
    # an assistant may not change consultations at all (nutrition.manage), nor slip in private notes
    browser = staff_browser(workspace, Role.ASSISTANT)
    response = browser.post(url("change", consultation.pk), form_data(consultation, notes_private="overwritten"))
    assert response.status_code == 403
    consultation.refresh_from_db()
    assert consultation.notes_private == PRIVATE


def test_the_add_page_offers_private_notes_to_whoever_may_read_them(root, workspace):
    # the workspace is the one the member works in: known on the add page too
    assert 'name="notes_private"' in root.get(url("add")).content.decode()
    assert 'name="notes_private"' in staff_browser(workspace, Role.SPECIALIST).get(url("add")).content.decode()
    assert staff_browser(workspace, Role.ASSISTANT).get(url("add")).status_code == 403


# -- saving: the API's rules ------------------------------------------------------------------


def test_adding_computes_end_time_and_instants_like_the_api(root, workspace):
    workspace.timezone = "Africa/Cairo"
    workspace.save()
    client = factories.ClientFactory(workspace=workspace)
    response = root.post(
        url("add"),
        form_data(
            workspace=workspace.pk, client=client.pk, date="2024-07-01", start_time="10:00", duration_minutes="45"
        )
        | {"notes_private": PRIVATE},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    session = NutritionSession.objects.get()
    assert (session.end_time, session.duration_minutes) == (dt.time(10, 45), 45)
    assert session.starts_at.isoformat() == "2024-07-01T07:00:00+00:00"
    assert session.notes_private == PRIVATE


def test_a_page_with_an_invalid_follow_up_row_writes_nothing(root, workspace):
    # given a valid consultation whose inline follow-up row is invalid (no note)
    client = factories.ClientFactory(workspace=workspace)
    data = form_data(workspace=workspace.pk, client=client.pk) | {
        "follow_ups-TOTAL_FORMS": "1",
        "follow_ups-0-due_date": "2024-04-01",
        "follow_ups-0-note": "",
    }

    # when the page is posted, then it comes back with the error, and the consultation the form
    # wrote while it was validated is rolled back
    errors_of(root.post(url("add"), data))
    assert not NutritionSession.objects.exists()
    assert not NutritionSession.history.exists()


def test_neither_end_nor_duration_is_60_minutes(root, workspace):
    client = factories.ClientFactory(workspace=workspace)
    root.post(url("add"), form_data(workspace=workspace.pk, client=client.pk))
    assert NutritionSession.objects.get().duration_minutes == 60


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "10:30", "duration_minutes": "20"}, "disagree"),
        ({"end_time": "09:00"}, "after startTime"),
        ({"date": "2024-03-31", "start_time": "02:30"}, "does not exist"),
    ],
)
def test_adding_with_broken_times_is_a_form_error(root, workspace, overrides, message):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    client = factories.ClientFactory(workspace=workspace)
    page = errors_of(root.post(url("add"), form_data(workspace=workspace.pk, client=client.pk, **overrides)))
    assert message in page
    assert not NutritionSession.objects.exists()


def test_a_client_of_another_workspace_is_a_form_error(root, workspace, other_workspace):
    foreign = factories.ClientFactory(workspace=other_workspace)
    errors_of(root.post(url("add"), form_data(workspace=workspace.pk, client=foreign.pk)))
    assert not NutritionSession.objects.exists()


def test_a_clash_with_a_general_session_is_a_form_error_not_a_500(root, workspace):
    staff = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    SessionFactory(workspace=workspace, staff=staff, date=dt.date(2024, 3, 5), start_time=dt.time(10, 0))
    client = factories.ClientFactory(workspace=workspace)
    page = errors_of(
        root.post(url("add"), form_data(workspace=workspace.pk, client=client.pk, staff=staff.pk, start_time="10:30"))
    )
    assert "already has a session" in page
    assert not NutritionSession.objects.exists() and Session.objects.count() == 1


def test_a_forbidden_status_move_is_a_form_error(root, consultation):
    consultation.status = "completed"
    consultation.save()
    page = errors_of(root.post(url("change", consultation.pk), form_data(consultation, status="scheduled")))
    assert "cannot move" in page
    consultation.refresh_from_db()
    assert consultation.status == "completed"


def test_moving_the_start_keeps_the_duration(root, consultation):
    response = root.post(url("change", consultation.pk), form_data(consultation, start_time="14:00"))
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.end_time, consultation.duration_minutes) == (dt.time(15, 0), 60)
    assert consultation.starts_at.hour == 14


def test_follow_ups_inline_add_and_delete(root, consultation):
    existing = consultation.follow_ups.get()
    data = form_data(consultation) | {
        "follow_ups-TOTAL_FORMS": "2",
        "follow_ups-INITIAL_FORMS": "1",
        "follow_ups-0-id": existing.pk,
        "follow_ups-0-session": consultation.pk,
        "follow_ups-0-due_date": "2024-02-01",
        "follow_ups-0-note": "Weigh in",
        "follow_ups-0-DELETE": "on",
        "follow_ups-1-session": consultation.pk,
        "follow_ups-1-due_date": "2024-04-01",
        "follow_ups-1-note": "قياس",
    }
    response = root.post(url("change", consultation.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    (added,) = FollowUp.objects.filter(session=consultation)
    assert (added.note, added.due_date, added.workspace_id) == ("قياس", dt.date(2024, 4, 1), consultation.workspace_id)
