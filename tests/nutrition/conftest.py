"""Fixtures and helpers of the nutrition tests: seed 000's request, URLs, a world to book in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from tests.conftest import bearer
from workspaces.roles import Role

SEED_CLIENT = "507f1f77bcf86cd799439011"

#: seed 000's request body, verbatim
SEED_BODY = {
    "clientId": "507f1f77bcf86cd799439011",
    "type": "online",
    "date": "2024-01-20T00:00:00.000Z",
    "startTime": "10:00",
    "endTime": "10:30",
    "durationMinutes": 30,
    "topic": "متابعة أسبوعية",
    "meetingLink": "https://zoom.us/j/123456789",
    "notesPrivate": "ملاحظات للأخصائي فقط",
    "notesShared": "ملاحظات مشتركة مع العميل",
}


def nutrition_url(workspace, prefix: str = "/api/v1") -> str:
    workspace_id = workspace if isinstance(workspace, str) else workspace.pk
    return f"{prefix}/workspace/{workspace_id}/nutrition/sessions"


def consultation_url(workspace, session, prefix: str = "/api/v1") -> str:
    session_id = session if isinstance(session, str) else session.pk
    return f"{nutrition_url(workspace, prefix)}/{session_id}"


def follow_ups_url(workspace, session, follow_up=None) -> str:
    url = f"{consultation_url(workspace, session)}/follow-ups"
    if follow_up is not None:
        url += "/" + (follow_up if isinstance(follow_up, str) else follow_up.pk)
    return url


@dataclass
class World:
    workspace: object
    client: object
    specialist: object  # a Membership
    api: object  # an owner's API client


@pytest.fixture
def world(workspace, owner) -> World:
    return World(
        workspace=workspace,
        client=factories.ClientFactory(workspace=workspace, name="Amal"),
        specialist=factories.MembershipFactory(
            workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Dr. Nour")
        ),
        api=owner,
    )


@pytest.fixture
def api_as(workspace):
    """``api_as(role)`` -> an API client of a new member with that role."""

    def make(role: str):
        return bearer(factories.MembershipFactory(workspace=workspace, role=role).user)

    return make


def body_for(world: World, **overrides) -> dict:
    """A valid create body in ``world``; ``overrides`` replace (or, with ``...``, drop) keys."""
    body = {
        "clientId": world.client.pk,
        "type": "in_person",
        "date": "2024-03-05",
        "startTime": "09:00",
    }
    for key, value in overrides.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body
