"""Seeds 001 (create) and 002 (list), their examples sent verbatim."""

from __future__ import annotations

import pytest

from sessions.models import Session
from tests.sessions.conftest import SEED_BODY, SEED_CLIENT, SEED_SERVICES, SEED_STAFF, SEED_WORKSPACE, sessions_url

pytestmark = pytest.mark.django_db

SHAPE = {
    "id", "workspaceId", "clientId", "clientName", "serviceIds", "serviceNames", "staffId", "staffName", "name",
    "date", "startTime", "endTime", "durationMinutes", "status", "fieldValues", "attachments", "notes", "invoice",
    "createdAt", "updatedAt",
}  # fmt: skip


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_seed_001_create_example_verbatim(seed_world, prefix):
    # given the seed's client, services and staff member, with its ids
    # when the seed's body is posted as published
    response = seed_world.api.post(sessions_url(SEED_WORKSPACE, prefix), SEED_BODY, format="json")

    # then 201 with the seed's response shape and values
    assert response.status_code == 201, response.content
    session = response.json()["session"]
    assert set(session) == SHAPE
    assert len(session["id"]) == 24 and session["id"] == Session.objects.get().pk
    expected = {
        "workspaceId": SEED_WORKSPACE,
        "clientId": SEED_CLIENT,
        "clientName": "John Doe",
        "serviceIds": SEED_SERVICES,
        "serviceNames": ["استشارة طبية", "فحص عام"],
        "staffId": SEED_STAFF,
        "staffName": "Dr. Smith",
        "name": "Consultation Session",
        "date": "2024-01-20T00:00:00.000Z",
        "startTime": "10:00",
        "endTime": "11:30",
        "durationMinutes": 90,
        "status": "scheduled",
        # the contract: stored and returned as sent (the seed's [] is not a rule)
        "fieldValues": [{"fieldKey": "session-type", "value": "consultation", "phase": "pre"}],
        "attachments": [],
        "notes": [],
        "invoice": None,
    }
    assert {key: session[key] for key in expected} == expected
    for stamp in ("createdAt", "updatedAt"):
        assert session[stamp].endswith("Z") and len(session[stamp]) == 24


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_seed_002_list_example(seed_world, prefix):
    # given the seed's session, created through the API
    created = seed_world.api.post(sessions_url(SEED_WORKSPACE), SEED_BODY, format="json").json()["session"]

    # when the list is read as published
    response = seed_world.api.get(sessions_url(SEED_WORKSPACE, prefix))

    # then {"sessions": [...]} holds the same shape as the create answered, and no paging key
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"sessions"}
    assert body["sessions"] == [created]
