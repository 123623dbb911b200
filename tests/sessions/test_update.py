"""PATCH and DELETE .../sessions/{id}: writable fields, the lifecycle, recomputed durations."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import Session, SessionService
from tests import factories
from tests.sessions.conftest import session_url
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world, workspace):
    return SessionFactory(
        workspace=workspace,
        client=world.client,
        staff=world.staff,
        services=world.services,
        date=dt.date(2024, 3, 5),
        start_time=dt.time(9, 0),
        duration_minutes=75,
    )


def patch(world, session, body):
    return world.api.patch(session_url(world.workspace, session), body, format="json")


def patched(world, session, body) -> dict:
    response = patch(world, session, body)
    assert response.status_code == 200, response.content
    return response.json()["session"]


# -- lifecycle ---------------------------------------------------------------------------------

ALLOWED = [
    ("scheduled", "in-progress"),
    ("scheduled", "completed"),
    ("scheduled", "cancelled"),
    ("in-progress", "completed"),
    ("in-progress", "cancelled"),
]
FORBIDDEN = [
    ("in-progress", "scheduled"),
    ("completed", "scheduled"),
    ("completed", "in-progress"),
    ("completed", "cancelled"),
    ("cancelled", "scheduled"),
    ("cancelled", "in-progress"),
    ("cancelled", "completed"),
]


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_moves(world, session, current, new):
    Session.objects.filter(pk=session.pk).update(status=current)
    assert patched(world, session, {"status": new})["status"] == new
    session.refresh_from_db()
    assert session.status == new


@pytest.mark.parametrize(("current", "new"), FORBIDDEN)
def test_forbidden_moves_are_409(world, session, current, new):
    Session.objects.filter(pk=session.pk).update(status=current, name="Before")
    response = patch(world, session, {"status": new, "name": "After"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_status_transition"
    session.refresh_from_db()
    assert (session.status, session.name) == (current, "Before")  # nothing of the PATCH applied


@pytest.mark.parametrize("status", ["scheduled", "in-progress", "completed", "cancelled"])
def test_same_status_is_a_no_op_200(world, session, status):
    Session.objects.filter(pk=session.pk).update(status=status)
    assert patched(world, session, {"status": status})["status"] == status


def test_bad_status_is_400(world, session):
    response = patch(world, session, {"status": "done"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


# -- fields --------------------------------------------------------------------------------------


def test_patch_name_changes_only_the_name(world, session):
    before = world.api.get(session_url(world.workspace, session)).json()["session"]
    after = patched(world, session, {"name": "Renamed"})
    assert after["name"] == "Renamed"
    changed = {key for key in before if before[key] != after[key]}
    assert changed <= {"name", "updatedAt"}


def test_patch_every_writable_field(world, workspace, session):
    client = factories.ClientFactory(workspace=workspace, name="Badr")
    staff = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name="Dr. Laila"))
    service = factories.ServiceFactory(workspace=workspace, name="Yoga", duration_minutes=50)
    body = {
        "name": "Moved",
        "clientId": client.pk,
        "serviceIds": [service.pk],
        "staffId": staff.pk,
        "date": "2024-04-01T08:00:00Z",
        "startTime": "16:30",
        "durationMinutes": 45,
        "status": "in-progress",
        "fieldValues": [{"fieldKey": "note", "value": "x", "phase": "post"}],
    }
    result = patched(world, session, body)
    assert result | {"id": None} == result | {
        "id": None,
        "name": "Moved",
        "clientId": client.pk,
        "clientName": "Badr",
        "serviceIds": [service.pk],
        "serviceNames": ["Yoga"],
        "staffId": staff.pk,
        "staffName": "Dr. Laila",
        "date": "2024-04-01T00:00:00.000Z",
        "startTime": "16:30",
        "endTime": "17:15",
        "durationMinutes": 45,
        "status": "in-progress",
        "fieldValues": [{"fieldKey": "note", "value": "x", "phase": "post"}],
    }
    session.refresh_from_db()
    assert session.starts_at == dt.datetime(2024, 4, 1, 16, 30, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2024, 4, 1, 17, 15, tzinfo=dt.UTC)


def test_removing_the_staff_member(world, session):
    result = patched(world, session, {"staffId": None})
    assert result["staffId"] is None and result["staffName"] is None


def test_new_services_recompute_the_duration(world, workspace, session):
    # given a 75-minute session; when its services become one 50-minute service
    service = factories.ServiceFactory(workspace=workspace, duration_minutes=50)
    result = patched(world, session, {"serviceIds": [service.pk]})
    # then the duration follows the new services
    assert (result["durationMinutes"], result["endTime"]) == (50, "09:50")
    assert list(SessionService.objects.filter(session=session).values_list("service_id", flat=True)) == [service.pk]


def test_new_services_with_a_duration_keep_the_given_duration(world, workspace, session):
    service = factories.ServiceFactory(workspace=workspace, duration_minutes=50)
    result = patched(world, session, {"serviceIds": [service.pk], "durationMinutes": 20})
    assert (result["durationMinutes"], result["endTime"]) == (20, "09:20")


def test_null_duration_recomputes_from_the_current_services(world, session):
    Session.objects.filter(pk=session.pk).update(duration_minutes=10)
    assert patched(world, session, {"durationMinutes": None})["durationMinutes"] == 75


def test_other_patches_keep_an_explicit_duration(world, session):
    Session.objects.filter(pk=session.pk).update(duration_minutes=10)
    result = patched(world, session, {"startTime": "11:00"})
    assert (result["durationMinutes"], result["endTime"]) == (10, "11:10")


def test_service_order_changes_are_kept(world, session):
    massage, checkup = world.services
    assert patched(world, session, {"serviceIds": [checkup.pk, massage.pk]})["serviceNames"] == ["Checkup", "Massage"]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"serviceIds": []}, "serviceIds", 400),
        ({"serviceIds": ["0123456789abcdef01234567"]}, "serviceIds", 404),
        ({"clientId": "0123456789abcdef01234567"}, "clientId", 404),
        ({"staffId": "0123456789abcdef01234567"}, "staffId", 404),
        ({"name": ""}, "name", 400),
        ({"date": "2024-02-30"}, "date", 400),
        ({"startTime": "24:00"}, "startTime", 400),
        ({"durationMinutes": 0}, "durationMinutes", 400),
        ({"fieldValues": [{"fieldKey": "k"}]}, "fieldValues", 400),
    ],
)
def test_bad_patch_names_the_field_and_changes_nothing(world, session, body, field, status):
    response = patch(world, session, body | {"name": "Changed"} if field != "name" else body)
    assert response.status_code == status, response.content
    assert field in response.json()["error"]["fields"]
    session.refresh_from_db()
    assert session.name != "Changed"


def test_moving_into_a_nonexistent_local_time_is_400(world, workspace, session):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    response = patch(world, session, {"date": "2024-03-31", "startTime": "02:15"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nonexistent_local_time"


def test_server_owned_fields_are_ignored_on_patch(world, session):
    result = patched(world, session, {"id": "a" * 24, "endTime": "23:00", "clientName": "X", "invoice": {"a": 1}})
    assert result["id"] == session.pk and result["endTime"] == "10:15"
    assert result["clientName"] == "Amal" and result["invoice"] is None


def test_patch_of_another_workspaces_session_is_404(world, other_workspace):
    foreign = SessionFactory(workspace=other_workspace, name="Secret")
    response = patch(world, foreign, {"name": "Mine"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Secret"


# -- delete ---------------------------------------------------------------------------------


def test_delete_then_404(world, session):
    assert world.api.delete(session_url(world.workspace, session)).status_code == 204
    assert world.api.get(session_url(world.workspace, session)).status_code == 404
    assert not SessionService.objects.filter(session_id=session.pk).exists()


def test_delete_of_another_workspaces_session_is_404(world, other_workspace):
    foreign = SessionFactory(workspace=other_workspace)
    assert world.api.delete(session_url(world.workspace, foreign)).status_code == 404
    assert Session.objects.filter(pk=foreign.pk).exists()


def test_a_client_with_sessions_cannot_be_deleted(world, session):
    response = world.api.delete(f"/api/v1/workspace/{world.workspace.pk}/clients/{world.client.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "client_has_sessions"
