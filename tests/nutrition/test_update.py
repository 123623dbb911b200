"""GET one, PATCH (fields, times, the status flow) and DELETE of a nutrition consultation."""

from __future__ import annotations

import datetime as dt

import pytest

from nutrition.models import FollowUp, NutritionSession
from tests import factories
from tests.nutrition.conftest import consultation_url
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

STATUSES = ["scheduled", "completed", "cancelled", "no_show"]
ALLOWED_MOVES = {("scheduled", "completed"), ("scheduled", "cancelled"), ("scheduled", "no_show")}


def patch(world, session, body):
    return world.api.patch(consultation_url(world.workspace, session), body, format="json")


def patched(world, session, body) -> dict:
    response = patch(world, session, body)
    assert response.status_code == 200, response.content
    return response.json()["session"]


# -- GET one ----------------------------------------------------------------------------------


def test_get_one_answers_the_read_shape(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, staff=world.specialist)
    follow_up = FollowUpFactory(session=session, note="وزن")
    response = world.api.get(consultation_url(world.workspace, session))
    assert response.status_code == 200
    body = response.json()["session"]
    assert body["id"] == session.pk and body["specialistId"] == world.specialist.pk
    assert body["followUps"] == [
        {
            "id": follow_up.pk,
            "dueDate": "2024-02-01T00:00:00.000Z",
            "note": "وزن",
            "createdAt": body["followUps"][0]["createdAt"],
            "updatedAt": body["followUps"][0]["updatedAt"],
        }
    ]


@pytest.mark.parametrize("bad_id", ["nope", "0123456789ABCDEF01234567", "0" * 25, "0123456789abcdef01234567"])
def test_unknown_or_malformed_id_is_404(world, bad_id):
    for method in ("get", "patch", "delete"):
        response = getattr(world.api, method)(consultation_url(world.workspace, bad_id), {}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_another_workspaces_consultation_is_404_and_untouched(world, other_workspace):
    foreign = NutritionSessionFactory(workspace=other_workspace, topic="Secret")
    for method in ("get", "patch", "delete"):
        response = getattr(world.api, method)(consultation_url(world.workspace, foreign), {"topic": "x"}, format="json")
        assert response.status_code == 404
        assert "Secret" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.topic == "Secret"


# -- PATCH fields -----------------------------------------------------------------------------


def test_patch_changes_only_what_is_given(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, topic="Old")
    body = patched(world, session, {"topic": "جديد", "location": "Room 2", "type": "in_person"})
    assert (body["topic"], body["location"], body["type"]) == ("جديد", "Room 2", "in_person")
    assert body["notesShared"] == "shared" and body["startTime"] == "10:00"
    assert body["updatedAt"] >= body["createdAt"]
    session.refresh_from_db()
    assert (session.topic, session.location) == ("جديد", "Room 2")


def test_patch_private_notes_as_a_manager(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    body = patched(world, session, {"notesPrivate": "سري"})
    assert body["notesPrivate"] == "سري"
    session.refresh_from_db()
    assert session.notes_private == "سري"


def test_patch_specialist_and_client_within_the_workspace(world, other_workspace):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    other_client = factories.ClientFactory(workspace=world.workspace)
    body = patched(world, session, {"specialistId": world.specialist.pk, "clientId": other_client.pk})
    assert (body["specialistId"], body["clientId"]) == (world.specialist.pk, other_client.pk)
    assert patched(world, session, {"specialistId": None})["specialistId"] is None
    foreign = factories.ClientFactory(workspace=other_workspace)
    response = patch(world, session, {"clientId": foreign.pk})
    assert response.status_code == 404 and "clientId" in response.json()["error"]["fields"]


def test_patch_ignores_follow_ups_and_server_owned_fields(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    body = patched(
        world,
        session,
        {"followUps": [{"dueDate": "2024-02-01", "note": "x"}], "id": "a" * 24, "workspaceId": "b" * 24},
    )
    assert body["followUps"] == [] and body["id"] == session.pk and body["workspaceId"] == world.workspace.pk
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "phone"}, "type"),
        ({"status": "done"}, "status"),
        ({"meetingLink": "mailto:a@b.c"}, "meetingLink"),
        ({"startTime": "25:00"}, "startTime"),
        ({"date": "2024-13-01"}, "date"),
        ({"clientId": None}, "clientId"),
        ({"topic": "x" * 201}, "topic"),
    ],
)
def test_patch_bad_input_is_400(world, body, field):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    response = patch(world, session, body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


# -- PATCH times ------------------------------------------------------------------------------


def test_moving_the_start_keeps_the_duration(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, duration_minutes=45)
    body = patched(world, session, {"startTime": "11:00"})
    assert (body["startTime"], body["endTime"], body["durationMinutes"]) == ("11:00", "11:45", 45)
    session.refresh_from_db()
    assert session.starts_at == dt.datetime(2024, 1, 20, 11, 0, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2024, 1, 20, 11, 45, tzinfo=dt.UTC)


def test_moving_the_date_moves_the_instants(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    body = patched(world, session, {"date": "2024-02-03T00:00:00.000Z"})
    assert body["date"] == "2024-02-03T00:00:00.000Z"
    session.refresh_from_db()
    assert session.starts_at == dt.datetime(2024, 2, 3, 10, 0, tzinfo=dt.UTC)


def test_patch_end_time_recomputes_the_duration_and_vice_versa(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)  # 10:00-11:00
    assert patched(world, session, {"endTime": "10:20"})["durationMinutes"] == 20
    assert patched(world, session, {"durationMinutes": 90})["endTime"] == "11:30"
    both = patched(world, session, {"startTime": "08:00", "endTime": "08:30", "durationMinutes": 30})
    assert (both["startTime"], both["endTime"], both["durationMinutes"]) == ("08:00", "08:30", 30)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endTime": "10:00"}, "endTime"),  # equal to the stored start
        ({"startTime": "12:00", "endTime": "11:59"}, "endTime"),
        ({"endTime": "10:30", "durationMinutes": 20}, "durationMinutes"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"durationMinutes": 1441}, "durationMinutes"),
    ],
)
def test_patch_time_rules(world, body, field):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    response = patch(world, session, body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    session.refresh_from_db()
    assert (session.start_time, session.duration_minutes) == (dt.time(10, 0), 60)


def test_patch_into_a_nonexistent_local_time_is_400(world, workspace):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    session = NutritionSessionFactory(workspace=workspace, client=world.client, date=dt.date(2024, 3, 31))
    response = patch(world, session, {"startTime": "02:15"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nonexistent_local_time"
    assert "startTime" in response.json()["error"]["fields"]


# -- the status flow --------------------------------------------------------------------------


@pytest.mark.parametrize("target", STATUSES)
@pytest.mark.parametrize("current", STATUSES)
def test_every_status_move(world, current, target):
    # given a consultation in ``current``
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, status=current)
    # when moved to ``target``
    response = patch(world, session, {"status": target})
    session.refresh_from_db()
    if current == target or (current, target) in ALLOWED_MOVES:
        # then an allowed move (or the same status, a no-op) answers 200
        assert response.status_code == 200, response.content
        assert response.json()["session"]["status"] == target
        assert session.status == target
    else:
        # and a forbidden one 409, nothing changed
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "invalid_status_transition"
        assert session.status == current


def test_a_forbidden_move_changes_no_other_field_either(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, status="completed")
    response = patch(world, session, {"status": "scheduled", "topic": "sneaky"})
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.topic != "sneaky"


def test_a_finished_consultation_still_takes_notes(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client, status="completed")
    assert patched(world, session, {"notesShared": "Great progress"})["notesShared"] == "Great progress"


# -- DELETE -----------------------------------------------------------------------------------


def test_delete_removes_it_and_its_follow_ups(world):
    session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    FollowUpFactory(session=session)
    response = world.api.delete(consultation_url(world.workspace, session))
    assert response.status_code == 204 and response.content == b""
    assert world.api.get(consultation_url(world.workspace, session)).status_code == 404
    assert not NutritionSession.objects.exists() and not FollowUp.objects.exists()


def test_a_client_with_consultations_cannot_be_deleted(world):
    NutritionSessionFactory(workspace=world.workspace, client=world.client)
    response = world.api.delete(f"/api/v1/workspace/{world.workspace.pk}/clients/{world.client.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "client_has_sessions"


# -- private notes: every role, in get, list, create and patch ---------------------------------

SEES_PRIVATE = {Role.OWNER: True, Role.ADMIN: True, Role.SPECIALIST: True, Role.ASSISTANT: False, Role.VIEWER: False}


@pytest.mark.parametrize("role", list(SEES_PRIVATE))
def test_private_notes_are_shown_only_to_nutrition_managers(world, api_as, role):
    # given a consultation with private and shared notes
    session = NutritionSessionFactory(
        workspace=world.workspace, client=world.client, notes_private="للأخصائي فقط", notes_shared="للجميع"
    )
    api = api_as(role)
    # when a member of ``role`` reads it, alone and in the list
    one = api.get(consultation_url(world.workspace, session))
    many = api.get(f"/api/v1/workspace/{world.workspace.pk}/nutrition/sessions")
    assert one.status_code == many.status_code == 200
    for body in (one.json()["session"], many.json()["sessions"][0]):
        # then the private notes are there only for roles holding nutrition.manage, null otherwise
        assert body["notesPrivate"] == ("للأخصائي فقط" if SEES_PRIVATE[role] else None)
        # and the shared notes for everyone who can read it
        assert body["notesShared"] == "للجميع"
    if not SEES_PRIVATE[role]:
        assert "للأخصائي فقط".encode() not in one.content + many.content


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.SPECIALIST])
def test_managers_get_private_notes_in_create_and_patch_answers(world, api_as, role):
    api = api_as(role)
    url = f"/api/v1/workspace/{world.workspace.pk}/nutrition/sessions"
    created = api.post(
        url,
        {
            "clientId": world.client.pk,
            "type": "online",
            "date": "2024-05-01",
            "startTime": "10:00",
            "notesPrivate": "a",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["session"]["notesPrivate"] == "a"
    changed = api.patch(f"{url}/{created.json()['session']['id']}", {"notesPrivate": "b"}, format="json")
    assert changed.status_code == 200 and changed.json()["session"]["notesPrivate"] == "b"


def test_inactive_membership_reads_nothing(world, workspace):
    # an inactive member is not a member: 404, so no notes leak either
    from tests.conftest import bearer

    gone = factories.MembershipFactory(workspace=workspace, role=Role.OWNER, is_active=False)
    session = NutritionSessionFactory(workspace=workspace, client=world.client)
    assert bearer(gone.user).get(consultation_url(workspace, session)).status_code == 404
