"""The contract's "Request bodies": an unknown body field is a 400 naming it; what the server owns
and returns may come back and is ignored; a member without a name is shown by their email."""

from __future__ import annotations

import pytest

from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.nutrition.conftest import nutrition_url
from tests.sessions.conftest import body_for, session_url, sessions_url
from workspaces.models import Client

pytestmark = pytest.mark.django_db


def creates(world) -> list[tuple[str, dict, type]]:
    consultation = {"clientId": world.client.pk, "type": "online", "date": "2024-03-06", "startTime": "10:00"}
    return [
        (f"/api/v1/workspace/{world.workspace.pk}/clients", {"name": "Sami"}, Client),
        (f"/api/v1/workspace/{world.workspace.pk}/services", {"name": "Cupping"}, Service),
        (sessions_url(world.workspace), body_for(world), Session),
        (nutrition_url(world.workspace), consultation, NutritionSession),
    ]


def assert_unknown(response, *names: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "unknown_field"
    assert set(error["fields"]) == set(names)


def test_a_typo_in_a_create_is_a_400_naming_it_and_writes_nothing(world):
    # given a session body whose staff id is spelled staffID
    body = body_for(world, staffId=None) | {"staffID": world.staff.pk}

    # when it is posted, then nothing is booked without its staff member
    response = world.api.post(sessions_url(world.workspace), body, format="json")
    assert_unknown(response, "staffID")
    assert not Session.objects.exists()


def test_every_create_refuses_unknown_fields(world):
    for url, body, model in creates(world):
        before = model.objects.count()
        response = world.api.post(url, body | {"colour": "#FFF", "isDeleted": True}, format="json")
        assert_unknown(response, "colour", "isDeleted")
        assert model.objects.count() == before, url


def test_a_patch_refuses_unknown_fields_and_changes_nothing(world):
    session = world.api.post(sessions_url(world.workspace), body_for(world), format="json").json()["session"]

    response = world.api.patch(session_url(world.workspace, session["id"]), {"name": "New", "nmae": "x"}, format="json")

    assert_unknown(response, "nmae")
    assert Session.objects.get(pk=session["id"]).name == session["name"]


def test_an_unknown_field_inside_a_list_item_is_named_with_its_place(world):
    body = body_for(world, fieldValues=[{"fieldKey": "k", "value": 1, "phase": "pre", "phaze": "post"}])

    response = world.api.post(sessions_url(world.workspace), body, format="json")

    assert_unknown(response, "fieldValues")
    assert response.json()["error"]["fields"]["fieldValues"] == {"0": {"phaze": ["Unknown field."]}}


def test_a_follow_up_create_refuses_unknown_fields(world):
    consultation = factories_consultation(world)
    url = f"{nutrition_url(world.workspace)}/{consultation['id']}/follow-ups"
    response = world.api.post(url, {"dueDate": "2024-04-01", "note": "Weigh in", "due": "x"}, format="json")
    assert_unknown(response, "due")
    assert not FollowUp.objects.exists()


def factories_consultation(world) -> dict:
    body = {"clientId": world.client.pk, "type": "online", "date": "2024-03-06", "startTime": "10:00"}
    return world.api.post(nutrition_url(world.workspace), body, format="json").json()["session"]


def test_an_object_read_may_be_sent_back_whole(world):
    # given a session and a consultation as the API shows them
    session = world.api.post(sessions_url(world.workspace), body_for(world), format="json").json()["session"]
    consultation = factories_consultation(world)

    # when each is sent back whole with one change, then only that change is made
    changed = world.api.patch(
        session_url(world.workspace, session["id"]), session | {"name": "Renamed"}, format="json"
    ).json()["session"]
    assert changed | {"updatedAt": session["updatedAt"]} == session | {"name": "Renamed"}
    response = world.api.patch(
        f"{nutrition_url(world.workspace)}/{consultation['id']}", consultation | {"topic": "T"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["session"]["topic"] == "T"


def test_the_error_message_is_in_the_callers_language_and_the_code_stays(world):
    response = world.api.post(
        sessions_url(world.workspace), body_for(world) | {"staffID": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
    )
    assert_unknown(response, "staffID")
    assert response.json()["error"]["fields"]["staffID"] == ["حقل غير معروف."]


def test_a_member_without_a_name_is_shown_by_email_everywhere(world):
    # given a staff member whose user has no name
    nameless = factories.MembershipFactory(workspace=world.workspace, user=factories.UserFactory(name=""))

    # when the members are listed and a session of theirs is booked
    members = world.api.get(f"/api/v1/workspace/{world.workspace.pk}/members").json()["members"]
    session = world.api.post(sessions_url(world.workspace), body_for(world, staffId=nameless.pk), format="json").json()[
        "session"
    ]

    # then the member list and the session agree on the email
    (listed,) = [member for member in members if member["id"] == nameless.pk]
    assert listed["name"] == session["staffName"] == nameless.user.email
    assert all(member["name"] for member in members)
