"""Every create, change and delete of a session, service, client or consultation is recorded with
who, when, the door (api, admin, command, other) and what changed, and the admin shows it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from history.context import Door, current_door, door
from nutrition.models import FollowUp, NutritionSession
from services import actions as service_actions
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.history.helpers import browser_for, history_rows
from tests.sessions.factories import SessionFactory
from workspaces.models import Client

pytestmark = pytest.mark.django_db

SESSIONS_ADMIN = "appointments/session"


def sessions_url(world) -> str:
    return f"/api/v1/workspace/{world.workspace.pk}/sessions"


def session_body(world, **overrides) -> dict:
    massage, checkup = world.services
    body = {
        "name": "Back pain",
        "clientId": world.client.pk,
        "serviceIds": [checkup.pk, massage.pk],
        "staffId": world.staff.pk,
        "date": "2024-03-05",
        "startTime": "09:00",
        "status": "scheduled",
    }
    return body | overrides


# --- the API door, with a JWT user ---------------------------------------------------------------


def test_session_created_through_the_api_is_recorded_with_its_user_door_and_services(world, root):
    # given an owner calling the API with a bearer token; when they book a session
    before = timezone.now()
    response = world.api.post(sessions_url(world), session_body(world), format="json")
    assert response.status_code == 201, response.json()
    session_id = response.json()["session"]["id"]

    # then one "created" row: their user, the API door, now, the services in their order
    (row,) = Session.history.filter(id=session_id)
    massage, checkup = world.services
    assert (row.history_type, row.door, row.history_user_id) == ("+", Door.API, world.owner.user_id)
    assert before <= row.history_date <= timezone.now()
    assert row.service_ids == [checkup.pk, massage.pk]
    assert (row.workspace_id, row.name, row.status) == (world.workspace.pk, "Back pain", "scheduled")

    # and the admin's history page shows who, when, the door and what it was created with
    (shown,) = history_rows(browser_for(root), SESSIONS_ADMIN, session_id)
    assert shown["action"] == "Created" and shown["door"] == "API"
    assert world.owner.user.email in shown["user"]
    assert "Name: — → Back pain" in shown["changes"]
    assert "Services: — → Checkup, Massage" in shown["changes"]


def test_session_changed_and_deleted_through_the_api(world, root):
    session_id = world.api.post(sessions_url(world), session_body(world), format="json").json()["session"]["id"]
    massage, _checkup = world.services

    # when the status and the services change, then the session is deleted
    patched = world.api.patch(
        f"{sessions_url(world)}/{session_id}", {"status": "in-progress", "serviceIds": [massage.pk]}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert world.api.delete(f"{sessions_url(world)}/{session_id}").status_code == 204

    # then three rows, newest first, all through the API by the owner; the delete keeps the services
    rows = list(Session.history.filter(id=session_id))
    assert [(r.history_type, r.door, r.history_user_id) for r in rows] == [
        ("-", "api", world.owner.user_id),
        ("~", "api", world.owner.user_id),
        ("+", "api", world.owner.user_id),
    ]
    assert rows[0].service_ids == rows[1].service_ids == [massage.pk]

    # and the history page of the deleted session still answers, with the change spelled out
    shown = history_rows(browser_for(root), SESSIONS_ADMIN, session_id)
    assert [row["action"] for row in shown] == ["Deleted", "Changed", "Created"]
    assert "Status: scheduled → in-progress" in shown[1]["changes"]
    assert "Services: Checkup, Massage → Massage" in shown[1]["changes"]
    assert "Duration (minutes): 75 → 45" in shown[1]["changes"]


def test_service_client_and_consultation_writes_through_the_api(world, root):
    base = f"/api/v1/workspace/{world.workspace.pk}"
    user_id = world.owner.user_id

    service_id = world.api.post(f"{base}/services", {"name": "Yoga", "color": "#abc"}, format="json").json()["service"][
        "id"
    ]
    assert world.api.patch(f"{base}/services/{service_id}", {"price": 120}, format="json").status_code == 200
    assert world.api.delete(f"{base}/services/{service_id}").status_code == 204  # a soft delete: a change

    client_id = world.api.post(f"{base}/clients", {"name": "Salma"}, format="json").json()["client"]["id"]
    assert world.api.patch(f"{base}/clients/{client_id}", {"phone": "+20 111"}, format="json").status_code == 200
    assert world.api.delete(f"{base}/clients/{client_id}").status_code == 204

    consultation = {
        "clientId": world.client.pk,
        "type": "online",
        "date": "2024-03-05",
        "startTime": "10:00",
        "followUps": [{"dueDate": "2024-03-12", "note": "Weigh in"}],
    }
    response = world.api.post(f"{base}/nutrition/sessions", consultation, format="json")
    assert response.status_code == 201, response.json()
    consultation_id = response.json()["session"]["id"]
    assert world.api.delete(f"{base}/nutrition/sessions/{consultation_id}").status_code == 204

    def trail(model, pk):
        return [(r.history_type, r.door, r.history_user_id) for r in model.history.filter(id=pk)]

    assert trail(Service, service_id) == [("~", "api", user_id), ("~", "api", user_id), ("+", "api", user_id)]
    assert trail(Client, client_id) == [("-", "api", user_id), ("~", "api", user_id), ("+", "api", user_id)]
    assert trail(NutritionSession, consultation_id) == [("-", "api", user_id), ("+", "api", user_id)]
    follow_ups = FollowUp.history.filter(workspace_id=world.workspace.pk, session_id=consultation_id)
    assert sorted((r.history_type, r.door, r.history_user_id, r.note) for r in follow_ups) == [
        ("+", "api", user_id, "Weigh in"),
        ("-", "api", user_id, "Weigh in"),
    ]

    # the admin shows the soft delete of the service as what it is: a deletion time set
    browser = browser_for(root)
    newest = history_rows(browser, "services/service", service_id)[0]
    assert newest["door"] == "API" and newest["changes"].startswith("Deleted at: None →")
    assert "Price: None → 120.00" in history_rows(browser, "services/service", service_id)[1]["changes"]
    assert "Phone: → +20 111" in history_rows(browser, "workspaces/client", client_id)[1]["changes"]


# --- the admin door, with a logged-in staff user ---------------------------------------------------


def test_session_changed_in_the_admin_is_recorded_with_the_staff_user(world, root):
    massage, checkup = world.services
    session = SessionFactory(
        workspace=world.workspace, client=world.client, staff=world.staff, services=[massage], name="Old name"
    )
    browser = browser_for(root)

    # when a staff user renames it, adds a service and starts it in the admin
    response = browser.post(
        f"/admin/appointments/session/{session.pk}/change/",
        {
            "name": "New name",
            "client": world.client.pk,
            "service_list": [massage.pk, checkup.pk],
            "staff": world.staff.pk,
            "status": "in-progress",
            "date": "2024-01-20",
            "start_time": "10:00",
            "duration_minutes": "60",
            "field_values-count": "0",
            # the notes' and attachments' inlines, empty
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    # then the newest row is theirs, through the admin, with the services
    row = Session.history.filter(id=session.pk).first()
    assert (row.history_type, row.door, row.history_user_id) == ("~", "admin", root.pk)
    assert row.service_ids == [massage.pk, checkup.pk]

    # and the history page shows it against the row the factory wrote (door "other", nobody)
    newest, oldest = history_rows(browser, SESSIONS_ADMIN, session.pk)
    assert (newest["action"], newest["door"]) == ("Changed", "Admin site")
    assert "Root Admin" in newest["user"] and "root@example.com" in newest["user"]
    assert "Name: Old name → New name" in newest["changes"]
    assert "Status: scheduled → in-progress" in newest["changes"]
    assert (oldest["action"], oldest["door"], oldest["user"]) == ("Created", "Other", "—")


def test_client_added_in_the_admin(world, root):
    response = browser_for(root).post(
        "/admin/workspaces/client/add/", {"workspace": world.workspace.pk, "name": "Huda", "email": "", "phone": ""}
    )
    assert response.status_code == 302
    client = Client.objects.get(name="Huda")
    (row,) = Client.history.filter(id=client.pk)
    assert (row.history_type, row.door, row.history_user_id) == ("+", "admin", root.pk)


def test_session_deleted_in_the_admin(world, root):
    session = SessionFactory(workspace=world.workspace, client=world.client, services=world.services)
    response = browser_for(root).post(f"/admin/appointments/session/{session.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    row = Session.history.filter(id=session.pk).first()
    assert (row.history_type, row.door, row.history_user_id) == ("-", "admin", root.pk)
    assert row.service_ids == [s.pk for s in world.services]


# --- the command door ------------------------------------------------------------------------------


def test_a_command_records_its_door_and_name(world, root, capsys):
    session = SessionFactory(workspace=world.workspace, client=world.client, services=world.services)

    call_command("set_session_status", "--session", session.pk, "--status", "completed", "--json")

    row = Session.history.filter(id=session.pk).first()
    assert (row.history_type, row.door, row.history_user_id) == ("~", "command", None)
    assert row.history_change_reason.startswith("manage.py set_session_status (")
    assert '"status": "completed"' in capsys.readouterr().out
    newest = history_rows(browser_for(root), SESSIONS_ADMIN, session.pk)[0]
    assert (newest["door"], newest["user"]) == ("Command", "—")
    assert newest["reason"].startswith("manage.py set_session_status")
    assert "Status: scheduled → completed" in newest["changes"]


def test_the_command_refuses_a_forbidden_move_and_writes_nothing(world):
    from django.core.management.base import CommandError

    session = SessionFactory(workspace=world.workspace, client=world.client, status="cancelled")
    with pytest.raises(CommandError, match="cannot move from cancelled to scheduled"):
        call_command("set_session_status", "--session", session.pk, "--status", "scheduled")
    assert [r.history_type for r in Session.history.filter(id=session.pk)] == ["+"]
    with pytest.raises(CommandError, match="Unknown status"):
        call_command("set_session_status", "--session", session.pk, "--status", "done")
    with pytest.raises(CommandError, match="No session"):
        call_command("set_session_status", "--session", "0" * 24, "--status", "completed")


def test_the_door_can_be_set_for_any_code_and_is_other_by_default(world):
    assert current_door() == "other"
    with door(Door.COMMAND, reason="nightly import"):
        service = service_actions.service_create(workspace=world.workspace, name="Imported")
    assert current_door() == "other"
    (row,) = Service.history.filter(id=service.pk)
    assert (row.door, row.history_change_reason, row.history_user_id) == ("command", "nightly import", None)

    # a write outside any request or command (a shell, test setup) is "other"
    client = factories.ClientFactory(workspace=world.workspace)
    assert Client.history.get(id=client.pk).door == "other"


def test_other_paths_are_the_other_door(world):
    # a request to neither the API nor the admin sets the "other" door, never a stale one
    from history.context import door_for_path

    assert [door_for_path(p) for p in ("/api/v1/x", "/v1/x", "/admin/x", "/healthz")] == [
        "api",
        "api",
        "admin",
        "other",
    ]


def test_history_dates_are_when_the_write_happened(world):
    session = SessionFactory(workspace=world.workspace, client=world.client, date=dt.date(2020, 1, 1))
    row = Session.history.get(id=session.pk)
    assert abs((timezone.now() - row.history_date).total_seconds()) < 60


# The history page of a session runs 8 queries however many rows it lists: the admin's session
# and user; the session (for its workspace, which leads the history index, and its related
# sections) and again in simple-history's view; the count and the page of rows (joined with
# their user, workspace, client and staff member with its user); the names of the services on
# the page; the session's workspace, once; the history of its notes and of its attachments (one
# query each, records.admin); nothing per row. (The content type of users, read for links, is
# cached after the first page.)
HISTORY_PAGE_QUERIES = 10


@pytest.mark.parametrize("changes", [1, 8])
def test_history_page_query_count_does_not_grow_with_rows(world, root, changes, django_assert_num_queries):
    session_id = world.api.post(sessions_url(world), session_body(world), format="json").json()["session"]["id"]
    for i in range(changes):
        name = {"name": f"Name {i}"}
        assert world.api.patch(f"{sessions_url(world)}/{session_id}", name, format="json").status_code == 200
    browser = browser_for(root)
    history_rows(browser, SESSIONS_ADMIN, session_id)  # warms the content-type cache

    with django_assert_num_queries(HISTORY_PAGE_QUERIES):
        assert len(history_rows(browser, SESSIONS_ADMIN, session_id)) == changes + 1


def test_a_past_version_of_a_session_shows_its_services_then(world, root):
    massage, checkup = world.services
    session_id = world.api.post(sessions_url(world), session_body(world), format="json").json()["session"]["id"]
    world.api.patch(f"{sessions_url(world)}/{session_id}", {"serviceIds": [massage.pk], "name": "Later"}, format="json")
    first = Session.history.filter(id=session_id).last()

    response = browser_for(root).get(f"/admin/{SESSIONS_ADMIN}/{session_id}/history/{first.history_id}/")

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["service_list"] == [checkup.pk, massage.pk]
    assert form.initial["name"] == "Back pain"
    assert 'value="Revert"' not in response.content.decode()
