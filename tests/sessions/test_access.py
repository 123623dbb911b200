"""The contract's access order and role table, for every action of the sessions endpoints."""

from __future__ import annotations

import pytest

from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.sessions.conftest import session_url, sessions_url
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db


def create_body(workspace) -> dict:
    # no staff member: every role's attempt books the same slot without clashing
    return {
        "name": "Access check",
        "clientId": factories.ClientFactory(workspace=workspace).pk,
        "serviceIds": [factories.ServiceFactory(workspace=workspace).pk],
        "date": "2024-01-20",
        "startTime": "10:00",
    }


def a_session(workspace) -> str:
    return session_url(workspace, SessionFactory(workspace=workspace))


ENDPOINTS = {
    "list": Endpoint("GET", sessions_url, "sessions.view"),
    "create": Endpoint("POST", sessions_url, "sessions.create", body=create_body),
    "retrieve": Endpoint("GET", a_session, "sessions.view"),
    "update": Endpoint("PATCH", a_session, "sessions.update", body=lambda ws: {"name": "Renamed"}),
    "delete": Endpoint("DELETE", a_session, "sessions.delete"),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)


@pytest.mark.parametrize("method", ["put", "post"])
def test_unsupported_methods_are_405(owner, workspace, method):
    url = a_session(workspace)
    response = getattr(owner, method)(url, {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_apps_import_from_the_project_not_the_tests():
    import sessions
    import sessions.models

    assert "/tests/" not in sessions.__file__
    assert sessions.models.Session._meta.app_label == "appointments"
