"""Follow-ups: POST .../nutrition/sessions/{id}/follow-ups, DELETE .../follow-ups/{followUpId}."""

from __future__ import annotations

import pytest

from nutrition.models import FollowUp
from tests.nutrition.conftest import consultation_url, follow_ups_url
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    return NutritionSessionFactory(workspace=world.workspace, client=world.client)


def test_add_then_list_in_follow_ups_then_remove(world, session):
    # when two follow-ups are added, the later due date first
    later = world.api.post(
        follow_ups_url(world.workspace, session), {"dueDate": "2024-03-01", "note": "إعادة القياس"}, format="json"
    )
    sooner = world.api.post(
        follow_ups_url(world.workspace, session),
        {"dueDate": "2024-02-01T09:00:00Z", "note": "Send plan"},
        format="json",
    )
    # then each answers 201 {"followUp"}
    assert later.status_code == sooner.status_code == 201, later.content
    added = later.json()["followUp"]
    assert set(added) == {"id", "dueDate", "note", "createdAt", "updatedAt"}
    assert (added["dueDate"], added["note"]) == ("2024-03-01T00:00:00.000Z", "إعادة القياس")
    # and the consultation lists them in followUps, by due date
    body = world.api.get(consultation_url(world.workspace, session)).json()["session"]
    assert [f["note"] for f in body["followUps"]] == ["Send plan", "إعادة القياس"]
    assert body["followUps"][1] == added
    # when one is removed: 204, and it is gone from followUps
    response = world.api.delete(follow_ups_url(world.workspace, session, added["id"]))
    assert response.status_code == 204
    body = world.api.get(consultation_url(world.workspace, session)).json()["session"]
    assert [f["note"] for f in body["followUps"]] == ["Send plan"]
    # and removing it again is a 404
    assert world.api.delete(follow_ups_url(world.workspace, session, added["id"])).status_code == 404


def test_follow_ups_are_stored_in_the_consultations_workspace(world, session):
    response = world.api.post(
        follow_ups_url(world.workspace, session), {"dueDate": "2024-03-01", "note": "x"}, format="json"
    )
    assert FollowUp.objects.get(pk=response.json()["followUp"]["id"]).workspace_id == world.workspace.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "x"}, "dueDate"),
        ({"dueDate": "2024-02-30", "note": "x"}, "dueDate"),
        ({"dueDate": "2024-02-01"}, "note"),
        ({"dueDate": "2024-02-01", "note": ""}, "note"),
        ({"dueDate": "2024-02-01", "note": 7}, "note"),
        ({"dueDate": "2024-02-01", "note": "x" * 2001}, "note"),
        ({"dueDate": "2024-02-01", "note": "a\x00b"}, "note"),
    ],
)
def test_bad_follow_up_is_400(world, session, body, field):
    response = world.api.post(follow_ups_url(world.workspace, session), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not FollowUp.objects.exists()


def test_note_at_its_limit(world, session):
    response = world.api.post(
        follow_ups_url(world.workspace, session), {"dueDate": "2024-02-01", "note": "x" * 2000}, format="json"
    )
    assert response.status_code == 201


def test_adding_to_an_unknown_or_foreign_consultation_is_404(world, other_workspace):
    foreign = NutritionSessionFactory(workspace=other_workspace)
    for target in ("0123456789abcdef01234567", "nope", foreign.pk):
        response = world.api.post(
            follow_ups_url(world.workspace, target), {"dueDate": "2024-02-01", "note": "x"}, format="json"
        )
        assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_removing_an_unknown_or_another_sessions_follow_up_is_404(world, session, other_workspace):
    other_session = NutritionSessionFactory(workspace=world.workspace, client=world.client)
    theirs = FollowUpFactory(session=other_session)
    foreign = FollowUpFactory(session=NutritionSessionFactory(workspace=other_workspace))
    for follow_up in (theirs.pk, foreign.pk, "0123456789abcdef01234567", "nope"):
        assert world.api.delete(follow_ups_url(world.workspace, session, follow_up)).status_code == 404
    # nor through the foreign consultation's own id
    assert world.api.delete(follow_ups_url(world.workspace, foreign.session, foreign)).status_code == 404
    assert FollowUp.objects.count() == 2


def test_adding_a_follow_up_honours_idempotency_key(world, session):
    url = follow_ups_url(world.workspace, session)
    body = {"dueDate": "2024-02-01", "note": "once"}
    first = world.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="fu-1")
    again = world.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="fu-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert FollowUp.objects.count() == 1
