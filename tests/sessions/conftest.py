"""Fixtures of the sessions tests: the seeds' world (their exact ids) and URL helpers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from tests.conftest import bearer
from workspaces.roles import Role

SEED_WORKSPACE = "507f191e810c19729de860ea"
SEED_CLIENT = "507f1f77bcf86cd799439012"
SEED_SERVICES = ["507f1f77bcf86cd799439013", "507f1f77bcf86cd799439014"]
SEED_STAFF = "507f1f77bcf86cd799439015"

#: seed 001's request body, verbatim
SEED_BODY = {
    "name": "Consultation Session",
    "clientId": "507f1f77bcf86cd799439012",
    "serviceIds": ["507f1f77bcf86cd799439013", "507f1f77bcf86cd799439014"],
    "staffId": "507f1f77bcf86cd799439015",
    "date": "2024-01-20T10:00:00Z",
    "startTime": "10:00",
    "durationMinutes": 90,
    "status": "scheduled",
    "fieldValues": [{"fieldKey": "session-type", "value": "consultation", "phase": "pre"}],
}


def sessions_url(workspace, prefix: str = "/api/v1") -> str:
    workspace_id = workspace if isinstance(workspace, str) else workspace.pk
    return f"{prefix}/workspace/{workspace_id}/sessions"


def session_url(workspace, session, prefix: str = "/api/v1") -> str:
    session_id = session if isinstance(session, str) else session.pk
    return f"{sessions_url(workspace, prefix)}/{session_id}"


@dataclass
class SeedWorld:
    workspace: object
    client: object
    services: list
    staff: object
    api: object  # an owner's API client


@pytest.fixture
def seed_world(db) -> SeedWorld:
    """The objects seed 001 refers to, with its exact ids, and an owner to call the API."""
    workspace = factories.WorkspaceFactory(pk=SEED_WORKSPACE, name="Seed practice")
    client = factories.ClientFactory(pk=SEED_CLIENT, workspace=workspace, name="John Doe")
    services = [
        factories.ServiceFactory(pk=SEED_SERVICES[0], workspace=workspace, name="استشارة طبية", duration_minutes=60),
        factories.ServiceFactory(pk=SEED_SERVICES[1], workspace=workspace, name="فحص عام", duration_minutes=30),
    ]
    staff = factories.MembershipFactory(
        pk=SEED_STAFF, workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Dr. Smith")
    )
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    return SeedWorld(workspace=workspace, client=client, services=services, staff=staff, api=bearer(owner.user))


@pytest.fixture
def world(workspace, owner):
    """A plain workspace with a client, two services, a staff member and an owner's client."""
    return SeedWorld(
        workspace=workspace,
        client=factories.ClientFactory(workspace=workspace, name="Amal"),
        services=[
            factories.ServiceFactory(workspace=workspace, name="Massage", duration_minutes=45),
            factories.ServiceFactory(workspace=workspace, name="Checkup", duration_minutes=30),
        ],
        staff=factories.MembershipFactory(
            workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Dr. Nour")
        ),
        api=owner,
    )


def body_for(world: SeedWorld, **overrides) -> dict:
    """A valid create body in ``world``; ``overrides`` replace (or, with None, drop) keys."""
    body = {
        "name": "Follow-up",
        "clientId": world.client.pk,
        "serviceIds": [s.pk for s in world.services],
        "staffId": world.staff.pk,
        "date": "2024-03-05",
        "startTime": "09:00",
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body
