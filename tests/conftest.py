"""Fixtures shared by every test: real PostgreSQL, real requests through DRF's client."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TESTING", "1")

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests import factories
from workspaces.roles import Role

ROLES = [role.value for role in Role]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _empty_job_queue_around_a_committing_test(request):
    """A test whose writes commit (``transaction=True``, a live server) leaves its jobs and its
    workers behind: Django's flush empties Django's tables, not the job queue's. Such a test starts
    with an empty queue and leaves one."""
    marker = request.node.get_closest_marker("django_db")
    committing = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not committing:
        yield
        return
    from tests.notifications.helpers import empty_job_queue

    request.getfixturevalue("transactional_db")  # (the database, open before the test's own fixtures)
    empty_job_queue()
    yield
    empty_job_queue()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def workspace(db):
    return factories.WorkspaceFactory()


@pytest.fixture
def other_workspace(db):
    return factories.WorkspaceFactory(name="Other practice")


@pytest.fixture
def member_client(workspace):
    """``member_client(role)`` -> an API client authenticated as a new member with that role.

    The client carries ``.membership`` and ``.user`` for assertions.
    """

    def make(role: str = Role.OWNER, ws=None):
        membership = factories.MembershipFactory(workspace=ws or workspace, role=role)
        client = bearer(membership.user)
        client.membership = membership
        client.user = membership.user
        return client

    return make


@pytest.fixture
def owner(member_client):
    return member_client(Role.OWNER)
