"""Every form choice is the member's workspace's: what a page offers and what a post may name."""

from __future__ import annotations

import html
import re

import pytest

from availability.models import BookingPolicy, TimeOff, WorkingHours
from backoffice.models import CalendarFeed
from nutrition.models import NutritionSession
from records.models import SessionField
from services.models import Service
from sessions.models import Session
from tests.admin_scope.conftest import browser_for
from tests.sessions.test_admin import field_value_rows
from workspaces.models import Client, Membership
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

SESSION_ADD = "/admin/appointments/session/add/"


def session_post(world, tenant, **overrides) -> dict:
    data = {
        "workspace": tenant.workspace.pk,
        "name": "Booked from the admin",
        "client": tenant.objects[Client].pk,
        "service_list": [tenant.objects[Service].pk],
        "staff": tenant.members[Role.SPECIALIST].pk,
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
    return data | overrides


def inputs_of(page: str) -> dict[str, str]:
    """The values a change page's form would post (its text and hidden inputs)."""
    form = page.split('id="workspace_form"', 1)[1] if 'id="workspace_form"' in page else page
    found = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if (
            name
            and 'type="checkbox"' not in tag
            and 'type="submit"' not in tag
            and name.group(1) != "csrfmiddlewaretoken"
        ):
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def errors_of(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


def test_a_post_naming_another_workspaces_rows_is_refused_on_each_field(world):
    browser = browser_for(world.a.members[Role.SPECIALIST].user)
    b = world.b
    for field, value in [
        ("client", b.objects[Client].pk),
        ("staff", b.members[Role.SPECIALIST].pk),
        ("service_list", [b.objects[Service].pk]),
    ]:
        errors = errors_of(browser.post(SESSION_ADD, session_post(world, world.a, **{field: value})))
        assert field in errors, field
        assert "Select a valid choice" in str(errors[field])
    assert not Session.objects.filter(name="Booked from the admin").exists()


def test_a_members_new_rows_go_to_the_workspace_they_work_in_whatever_is_posted(world):
    # given a specialist of A posting B's workspace (and A's own client, services, staff)
    browser = browser_for(world.a.members[Role.SPECIALIST].user)
    response = browser.post(SESSION_ADD, session_post(world, world.a, workspace=world.b.workspace.pk))
    # then the session is A's: the workspace field is the member's, fixed, never chosen
    assert response.status_code == 302, errors_of(response)
    session = Session.objects.get(name="Booked from the admin")
    assert session.workspace_id == world.a.workspace.pk
    page = browser.get(SESSION_ADD).content.decode()
    assert 'name="workspace" disabled' in page or 'disabled name="workspace"' in page or "disabled" in page
    assert world.b.workspace.name not in page


def test_a_client_added_by_a_member_is_in_their_workspace(world):
    browser = browser_for(world.a.members[Role.ASSISTANT].user)
    data = {"workspace": world.b.workspace.pk, "name": "New Client", "email": "", "phone": "", "notes": ""}
    response = browser.post("/admin/workspaces/client/add/", data)
    assert response.status_code == 302
    assert Client.objects.get(name="New Client").workspace_id == world.a.workspace.pk


def test_a_member_makes_and_revokes_only_their_own_calendar_feed(world):
    specialist = world.a.members[Role.SPECIALIST]
    browser = browser_for(specialist.user)
    page = browser.get("/admin/backoffice/calendarfeed/add/").content.decode()
    assert f'value="{specialist.pk}"' in page
    assert f'value="{world.a.members[Role.OWNER].pk}"' not in page  # not a colleague's
    # posting a colleague's or another workspace's membership is refused
    for other in (world.a.members[Role.OWNER], world.b.members[Role.OWNER]):
        response = browser.post("/admin/backoffice/calendarfeed/add/", {"membership": other.pk})
        assert "membership" in errors_of(response)
    assert browser.post("/admin/backoffice/calendarfeed/add/", {"membership": specialist.pk}).status_code == 302
    mine = CalendarFeed.objects.get(membership=specialist, revoked_at__isnull=True)
    listed = browser.get("/admin/backoffice/calendarfeed/").content.decode()
    assert mine.pk in listed and world.a.objects[CalendarFeed].pk not in listed  # the owner's feed: not theirs
    # revoking the owner's feed through the action does nothing to it
    action = {"action": "revoke_feeds", "_selected_action": [world.a.objects[CalendarFeed].pk], "index": 0}
    browser.post("/admin/backoffice/calendarfeed/", action)
    assert CalendarFeed.objects.get(pk=world.a.objects[CalendarFeed].pk).revoked_at is None


def membership_post(membership, **extra) -> dict:
    """A member's page as posted: its own fields (ignored for members) and its availability's inlines."""
    data = {"role": "owner", "is_active": "on"}
    for prefix in ("working_hours", "time_off"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | extra


def test_memberships_and_the_workspace_are_read_by_members_and_changed_by_the_platform(world):
    owner = browser_for(world.a.members[Role.OWNER].user)
    membership = world.a.members[Role.VIEWER]
    url = f"/admin/workspaces/membership/{membership.pk}/change/"
    page = owner.get(url).content.decode()
    assert 'name="role"' not in page and 'name="is_active"' not in page  # shown, never edited
    # an owner saves the page for its working hours (availability.manage): its role stays as it was
    response = owner.post(url, membership_post(membership))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER
    # a member who may not manage availability may not post a colleague's page at all
    specialist = browser_for(world.a.members[Role.SPECIALIST].user)
    assert specialist.get(url).status_code == 200
    assert specialist.post(url, membership_post(membership)).status_code == 403
    assert owner.get("/admin/workspaces/membership/add/").status_code == 403
    # the workspace: owners and admins rename it; its subscription and state stay the platform's
    workspace = world.a.workspace
    url = f"/admin/workspaces/workspace/{workspace.pk}/change/"
    data = inputs_of(owner.get(url).content.decode())
    assert set(data) >= {"name", "memberships-TOTAL_FORMS"} and "timezone" not in data and "is_active" not in data
    response = owner.post(url, data | {"name": "Renamed", "subscription_expires_at_0": "", "timezone": "UTC"})
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert (workspace.name, workspace.is_active, workspace.timezone) == ("Renamed", True, "Europe/Berlin")
    viewer = browser_for(world.a.members[Role.VIEWER].user)
    assert viewer.post(f"/admin/workspaces/workspace/{workspace.pk}/change/", {"name": "x"}).status_code == 403


def test_bulk_actions_follow_the_role_table(world):
    consultation = world.a.objects[NutritionSession]
    action = {"action": "mark_cancelled", "_selected_action": [consultation.pk], "index": 0}
    # an assistant may not manage consultations: the action is not even offered
    assistant = browser_for(world.a.members[Role.ASSISTANT].user)
    assert "mark_cancelled" not in assistant.get("/admin/nutrition/nutritionsession/").content.decode()
    assistant.post("/admin/nutrition/nutritionsession/", action)
    assert NutritionSession.objects.get(pk=consultation.pk).status == "scheduled"
    # a specialist may
    specialist = browser_for(world.a.members[Role.SPECIALIST].user)
    specialist.post("/admin/nutrition/nutritionsession/", action)
    assert NutritionSession.objects.get(pk=consultation.pk).status == "cancelled"


def test_field_values_are_edited_as_rows_and_kept_as_the_api_keeps_them(world):
    # a workspace with no custom field definitions: rows of key, value, kind and phase
    SessionField.objects.filter(workspace=world.a.workspace).delete()
    browser = browser_for(world.a.members[Role.SPECIALIST].user)
    rows = field_value_rows(
        ("session-type", "consultation", "text", "pre"),
        ("pain", "7", "json", "pre"),
        ("phone", "0100", "text", "post"),
        ("tags", '["a", "b"]', "json", "post"),
        ("empty", "", "json", "pre"),
    )
    data = session_post(world, world.a) | rows
    response = browser.post(SESSION_ADD, data)
    assert response.status_code == 302, errors_of(response)
    session = Session.objects.get(name="Booked from the admin")
    assert session.field_values == [
        {"fieldKey": "session-type", "value": "consultation", "phase": "pre"},
        {"fieldKey": "pain", "value": 7, "phase": "pre"},
        {"fieldKey": "phone", "value": "0100", "phase": "post"},
        {"fieldKey": "tags", "value": ["a", "b"], "phase": "post"},
        {"fieldKey": "empty", "phase": "pre"},
    ]
    # the change page shows them as rows (never raw JSON), and saving it unchanged keeps them
    page = browser.get(f"/admin/appointments/session/{session.pk}/change/").content.decode()
    assert 'name="field_values-0-key" value="session-type"' in page
    assert 'name="field_values-1-value" value="7"' in page
    assert "fieldKey" not in page
    assert page.count('class="field-value-row"') == 5 + 2  # and two empty rows to add more
    form = browser.get(f"/admin/appointments/session/{session.pk}/change/").context["adminform"].form
    assert not form["field_values"].field.has_changed(session.field_values, form["field_values"].value())
    # an empty key with a value, bad JSON, a wrong phase: errors on the field, nothing written
    for bad in (("", "x", "text", "pre"), ("k", "{", "json", "pre"), ("k", "x", "text", "during")):
        errors = errors_of(
            browser.post(f"/admin/appointments/session/{session.pk}/change/", data | field_value_rows(bad))
        )
        assert "field_values" in errors, bad
    assert Session.objects.get(pk=session.pk).field_values == session.field_values


def test_colours_are_codes_written_left_to_right_with_a_swatch(world):
    service = world.a.objects[Service]
    service.color = "#F59E0B"
    service.save()
    browser = browser_for(world.a.members[Role.OWNER].user)
    for language in ("en", "ar"):
        listed = browser.get("/admin/services/service/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert 'background:#F59E0B"></span> <code dir="ltr">#F59E0B</code>' in listed
        form = browser.get(f"/admin/services/service/{service.pk}/change/", HTTP_ACCEPT_LANGUAGE=language)
        page = form.content.decode()
        assert 'dir="ltr"' in page and 'value="#F59E0B"' in page and 'data-swatch-for="id_color"' in page
        assert "background:#F59E0B" in page


def test_with_definitions_field_values_are_edited_through_them_from_the_add_page_on(world):
    # A defines a "note" field (objects.py): the add page, for the workspace the member works
    # in, offers its input (labelled with the definition) instead of rows
    browser = browser_for(world.a.members[Role.SPECIALIST].user)
    page = browser.get(SESSION_ADD).content.decode()
    assert 'name="field_values__note"' in page and f"{world.a.marker} note" in page
    assert 'name="field_values-count"' not in page
    data = session_post(world, world.a) | {"field_values__note": "Knee pain"}
    response = browser.post(SESSION_ADD, data)
    assert response.status_code == 302, errors_of(response)
    session = Session.objects.get(name="Booked from the admin")
    assert session.field_values == [{"fieldKey": "note", "value": "Knee pain", "phase": "pre"}]
    # B's definitions never reach A's pages
    assert world.b.marker not in page


def test_a_member_edits_their_own_working_hours_and_time_off_and_owners_anyones(world):
    specialist = world.a.members[Role.SPECIALIST]
    assistant = world.a.members[Role.ASSISTANT]
    mine = f"/admin/workspaces/membership/{specialist.pk}/change/"
    hours = {
        "working_hours-TOTAL_FORMS": "2",
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-0-weekday": "2",
        "working_hours-0-start_minute": "08:00",
        "working_hours-0-end_minute": "12:00",
        "working_hours-1-weekday": "3",
        "working_hours-1-start_minute": "13:00",
        "working_hours-1-end_minute": "18:00",
        "time_off-TOTAL_FORMS": "1",
        "time_off-INITIAL_FORMS": "0",
        "time_off-0-starts_at_0": "2024-02-01",
        "time_off-0-starts_at_1": "09:00",
        "time_off-0-ends_at_0": "2024-02-01",
        "time_off-0-ends_at_1": "17:00",
        "time_off-0-reason": "Conference",
    }
    # given a specialist on their own page: their week is written whole, their time off added
    browser = browser_for(specialist.user)
    response = browser.post(mine, membership_post(specialist, **hours, role="owner"))
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    week = WorkingHours.objects.filter(membership=specialist).order_by("weekday")
    assert [(w.weekday, w.start_minute, w.end_minute) for w in week] == [(2, 480, 720), (3, 780, 1080)]
    leave = TimeOff.objects.get(membership=specialist, reason="Conference")
    assert leave.starts_at.isoformat() == "2024-02-01T08:00:00+00:00"  # 09:00 in Berlin
    assert Membership.objects.get(pk=specialist.pk).role == Role.SPECIALIST  # (its own fields: not theirs)
    # an assistant may not touch the specialist's (nor see inputs for them); an owner may
    assistant_browser = browser_for(assistant.user)
    page = assistant_browser.get(mine).content.decode()
    assert 'name="working_hours-0-start_minute"' not in page and "13:00" in page
    assert assistant_browser.post(mine, membership_post(specialist, **hours)).status_code == 403
    owner = browser_for(world.a.members[Role.OWNER].user)
    assert 'name="working_hours-0-start_minute"' in owner.get(mine).content.decode()
    # nobody reaches another workspace's member's page
    theirs = f"/admin/workspaces/membership/{world.b.members[Role.SPECIALIST].pk}/change/"
    assert owner.get(theirs).status_code == 404
    assert owner.post(theirs, membership_post(world.b.members[Role.SPECIALIST], **hours)).status_code == 404


def test_the_booking_policy_is_owners_and_admins_on_its_own_page_too(world):
    policy = world.a.objects[BookingPolicy]
    url = f"/admin/availability/bookingpolicy/{policy.pk}/change/"
    data = {
        "enforce_working_hours": "on",
        "min_notice_minutes": "60",
        "max_advance_days": "90",
        "slot_step_minutes": "30",
        "buffer_minutes": "10",
    }
    # an assistant reads the availability API's working hours, not the policy (owners and admins)
    assistant = browser_for(world.a.members[Role.ASSISTANT].user)
    assert assistant.get(url).status_code == 403
    assert assistant.post(url, data).status_code == 403
    # an admin changes it, through the action
    response = browser_for(world.a.members[Role.ADMIN].user).post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert (policy.enforce_working_hours, policy.min_notice_minutes, policy.slot_step_minutes) == (True, 60, 30)
    assert BookingPolicy.history.filter(id=policy.pk).latest("history_date").door == "admin"
