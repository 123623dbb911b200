"""Every action of the nutrition endpoints against the contract's access order and role table."""

from __future__ import annotations

import pytest

from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.nutrition.conftest import consultation_url, follow_ups_url, nutrition_url
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory

pytestmark = pytest.mark.django_db


def new_body(ws) -> dict:
    return {
        "clientId": factories.ClientFactory(workspace=ws).pk,
        "type": "online",
        "date": "2024-01-20",
        "startTime": "10:00",
    }


def fresh(ws):
    return NutritionSessionFactory(workspace=ws)


ENDPOINTS = {
    "list": Endpoint("GET", lambda ws: nutrition_url(ws), "nutrition.view"),
    "create": Endpoint("POST", lambda ws: nutrition_url(ws), "nutrition.manage", body=new_body),
    "retrieve": Endpoint("GET", lambda ws: consultation_url(ws, fresh(ws)), "nutrition.view"),
    "update": Endpoint(
        "PATCH", lambda ws: consultation_url(ws, fresh(ws)), "nutrition.manage", body=lambda ws: {"topic": "New"}
    ),
    "delete": Endpoint("DELETE", lambda ws: consultation_url(ws, fresh(ws)), "nutrition.manage"),
    "add_follow_up": Endpoint(
        "POST",
        lambda ws: follow_ups_url(ws, fresh(ws)),
        "nutrition.manage",
        body=lambda ws: {"dueDate": "2024-02-01", "note": "x"},
    ),
    "remove_follow_up": Endpoint(
        "DELETE",
        lambda ws: (lambda f: follow_ups_url(ws, f.session, f))(FollowUpFactory(session=fresh(ws))),
        "nutrition.manage",
    ),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)


UNKNOWN = "0123456789abcdef01234567"

UNKNOWN_OBJECT_PATHS = {
    "retrieve": lambda ws: consultation_url(ws, UNKNOWN),
    "update": lambda ws: consultation_url(ws, UNKNOWN),
    "delete": lambda ws: consultation_url(ws, UNKNOWN),
    "add_follow_up": lambda ws: follow_ups_url(ws, UNKNOWN),
    "remove_follow_up": lambda ws: follow_ups_url(ws, UNKNOWN, UNKNOWN),
}


@pytest.mark.parametrize("action", UNKNOWN_OBJECT_PATHS)
def test_the_object_is_looked_up_only_after_the_role_check(workspace, member_client, action):
    # given a viewer; when they act on an unknown consultation
    endpoint = ENDPOINTS[action]
    response = endpoint.call(member_client("viewer"), workspace, UNKNOWN_OBJECT_PATHS[action](workspace))
    # then a write is refused for the role first (403), a read finds nothing (404)
    assert response.status_code == (404 if endpoint.permission == "nutrition.view" else 403)
