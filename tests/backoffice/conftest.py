"""Fixtures of the back-office tests: a Berlin practice (it changes clocks), its staff, an admin login."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client as HttpClient

from tests import factories
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.models import Client, Membership, User, Workspace
from workspaces.roles import Role

# Europe/Berlin: clocks go forward on 2024-03-31 at 02:00 (a 23-hour day) and back on
# 2024-10-27 at 03:00 (a 25-hour day)
SPRING_FORWARD = dt.date(2024, 3, 31)
FALL_BACK = dt.date(2024, 10, 27)
PASSWORD = "correct-horse-battery"
SPECIALIST = object()  # the default staff member of practice.session/consultation


@dataclass
class Practice:
    workspace: Workspace
    owner: Membership  # the admin user's membership (a member: no staff flag)
    specialist: Membership
    client: Client
    services: list

    @property
    def user(self) -> User:
        return self.owner.user

    def session(self, day: dt.date, at: str, minutes: int = 60, staff=SPECIALIST, services=None, **extra):
        hour, minute = map(int, at.split(":"))
        return SessionFactory(
            workspace=self.workspace,
            client=self.client,
            staff=self.specialist if staff is SPECIALIST else staff,
            date=day,
            start_time=dt.time(hour, minute),
            duration_minutes=minutes,
            services=services if services is not None else self.services[:1],
            **extra,
        )

    def consultation(self, day: dt.date, at: str, minutes: int = 60, staff=SPECIALIST, **extra):
        hour, minute = map(int, at.split(":"))
        return NutritionSessionFactory(
            workspace=self.workspace,
            client=self.client,
            staff=self.specialist if staff is SPECIALIST else staff,
            date=day,
            start_time=dt.time(hour, minute),
            duration_minutes=minutes,
            **extra,
        )


@pytest.fixture
def practice(db) -> Practice:
    workspace = factories.WorkspaceFactory(name="Praxis Berlin", timezone="Europe/Berlin")
    owner_user = factories.UserFactory(name="Olga Owner")
    owner = factories.MembershipFactory(workspace=workspace, user=owner_user, role=Role.OWNER)
    specialist = factories.MembershipFactory(
        workspace=workspace, user=factories.UserFactory(name="Sami Specialist"), role=Role.SPECIALIST
    )
    client = factories.ClientFactory(workspace=workspace, name="Clara Client")
    services = [
        factories.ServiceFactory(workspace=workspace, name="Massage", color="#3B82F6"),
        factories.ServiceFactory(workspace=workspace, name="Check-up", color="#F59E0B"),
    ]
    return Practice(workspace, owner, specialist, client, services)


@pytest.fixture
def admin_http(practice) -> HttpClient:
    """The practice owner, logged into the admin (a member, not a superuser)."""
    http = HttpClient()
    http.force_login(practice.user)
    return http
