"""Idempotency-Key on POST .../sessions: retries replay the first answer and book once."""

from __future__ import annotations

import pytest

from sessions.models import Session
from tests import factories
from tests.conftest import bearer
from tests.sessions.conftest import body_for, sessions_url
from tests.sessions.test_booking import race
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def post(world, body, key, prefix="/api/v1"):
    return world.api.post(sessions_url(world.workspace, prefix), body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_same_body_replays_the_first_response(world):
    body = body_for(world)
    first = post(world, body, "retry-1")
    assert first.status_code == 201
    # a retry, even under the other prefix, answers the same and books nothing new
    for prefix in ("/api/v1", "/v1"):
        again = post(world, body, "retry-1", prefix)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers.get("Idempotent-Replayed") == "true"
    assert Session.objects.count() == 1


def test_same_key_different_body_is_409(world):
    assert post(world, body_for(world), "retry-2").status_code == 201
    response = post(world, body_for(world, name="Other"), "retry-2")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Session.objects.count() == 1


def test_a_failed_create_can_be_retried_with_the_same_key(world):
    # a 400 leaves no trace of the key: the corrected request goes through
    assert post(world, body_for(world, startTime="25:00"), "retry-3").status_code == 400
    assert post(world, body_for(world), "retry-3").status_code == 201


def test_a_conflict_is_not_remembered_either(world):
    assert post(world, body_for(world), "first").status_code == 201
    assert post(world, body_for(world, name="Clash"), "second").status_code == 409
    assert post(world, body_for(world, name="Clash", date="2024-03-06"), "second").status_code == 201


def test_different_keys_are_different_requests(world):
    assert post(world, body_for(world, staffId=None), "a").status_code == 201
    assert post(world, body_for(world, staffId=None), "b").status_code == 201
    assert Session.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve"])
def test_malformed_key_is_400(world, key):
    response = post(world, body_for(world), key)
    assert response.status_code == 400
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_retries_with_one_key_create_one_row(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    body = {
        "name": "Once",
        "clientId": factories.ClientFactory(workspace=workspace).pk,
        "serviceIds": [factories.ServiceFactory(workspace=workspace).pk],
        "date": "2024-05-01",
        "startTime": "10:00",
    }
    callers = [bearer(owner.user) for _ in range(6)]
    responses = race(
        [
            lambda api=api: api.post(sessions_url(workspace), body, format="json", HTTP_IDEMPOTENCY_KEY="same")
            for api in callers
        ]
    )
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["session"]["id"] for r in responses}) == 1
    assert Session.objects.filter(workspace=workspace).count() == 1
