"""A workspace to write in through every door: a client, two services, a specialist, an owner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from workspaces.models import User
from workspaces.roles import Role


@dataclass
class World:
    workspace: object
    client: object
    services: list
    staff: object  # a Membership
    owner: object  # a Membership
    api: object  # the owner's API client (JWT)


@pytest.fixture
def world(workspace, owner) -> World:
    return World(
        workspace=workspace,
        client=factories.ClientFactory(workspace=workspace, name="Amal"),
        services=[
            factories.ServiceFactory(workspace=workspace, name="Massage", duration_minutes=45),
            factories.ServiceFactory(workspace=workspace, name="Checkup", duration_minutes=30),
        ],
        staff=factories.MembershipFactory(
            workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Dr. Nour")
        ),
        owner=owner.membership,
        api=owner,
    )


@pytest.fixture
def root(db):
    return User.objects.create_superuser(email="root@example.com", password="root-pass-123", name="Root Admin")
