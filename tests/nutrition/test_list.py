"""GET .../nutrition/sessions: filters, order, paging, both prefixes."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.nutrition.conftest import nutrition_url
from tests.nutrition.factories import NutritionSessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def listed(world, params=None, prefix="/api/v1") -> list[str]:
    response = world.api.get(nutrition_url(world.workspace, prefix), params or {})
    assert response.status_code == 200, response.content
    return [s["topic"] for s in response.json()["sessions"]]


@pytest.fixture
def spread(world, workspace):
    """Four consultations across two clients, two specialists, both types and three statuses."""
    other_client = factories.ClientFactory(workspace=workspace, name="Badr")
    other_specialist = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)

    def make(topic, **kwargs):
        return NutritionSessionFactory(workspace=workspace, topic=topic, **kwargs)

    return {
        "a": make("a", client=world.client, staff=world.specialist, type="online", date=dt.date(2024, 1, 10)),
        "b": make("b", client=world.client, staff=other_specialist, type="in_person", date=dt.date(2024, 1, 20)),
        "c": make("c", client=other_client, staff=world.specialist, status="completed", date=dt.date(2024, 1, 31)),
        "d": make("d", client=other_client, status="no_show", date=dt.date(2024, 2, 1)),
        "other_client": other_client,
        "other_specialist": other_specialist,
    }


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_list_answers_under_both_prefixes_without_redirect(world, spread, prefix, slash):
    response = world.api.get(nutrition_url(world.workspace, prefix) + slash)
    assert response.status_code == 200
    assert [s["topic"] for s in response.json()["sessions"]] == ["a", "b", "c", "d"]
    assert "nextCursor" not in response.json()


def test_order_is_date_then_start_time_then_id(world, workspace):
    late = NutritionSessionFactory(workspace=workspace, topic="late", start_time=dt.time(15, 0))
    early_2 = NutritionSessionFactory(workspace=workspace, topic="early-2", start_time=dt.time(9, 0))
    early_1 = NutritionSessionFactory(workspace=workspace, topic="early-1", start_time=dt.time(9, 0))
    before = NutritionSessionFactory(workspace=workspace, topic="before", date=dt.date(2024, 1, 1))
    by_id = sorted([early_1, early_2], key=lambda s: s.pk)
    assert listed(world) == [before.topic, *(s.topic for s in by_id), late.topic]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "online"}, ["a", "c", "d"]),
        ({"type": "in_person"}, ["b"]),
        ({"status": "scheduled"}, ["a", "b"]),
        ({"status": "no_show"}, ["d"]),
        ({"status": "cancelled"}, []),
        ({"dateFrom": "2024-01-20"}, ["b", "c", "d"]),  # inclusive
        ({"dateTo": "2024-01-20"}, ["a", "b"]),  # inclusive
        ({"dateFrom": "2024-01-20", "dateTo": "2024-01-31"}, ["b", "c"]),
        ({"dateFrom": "2024-01-31T23:59:59Z", "dateTo": "2024-01-31T00:00:00.000Z"}, ["c"]),  # date part counts
        ({"dateFrom": "2024-02-02"}, []),
        ({"dateFrom": "2024-02-01", "dateTo": "2024-01-01"}, []),
        ({"type": "online", "status": "scheduled", "dateTo": "2024-01-31"}, ["a"]),
    ],
)
def test_filters(world, spread, params, expected):
    assert listed(world, params) == expected


def test_client_and_specialist_filters(world, spread):
    assert listed(world, {"clientId": world.client.pk}) == ["a", "b"]
    assert listed(world, {"clientId": spread["other_client"].pk}) == ["c", "d"]
    assert listed(world, {"specialistId": world.specialist.pk}) == ["a", "c"]
    assert listed(world, {"specialistId": spread["other_specialist"].pk, "clientId": world.client.pk}) == ["b"]
    assert listed(world, {"clientId": "0123456789abcdef01234567"}) == []


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"clientId": "nope"}, "clientId"),
        ({"clientId": "0123456789ABCDEF01234567"}, "clientId"),
        ({"specialistId": "1" * 25}, "specialistId"),
        ({"type": "video"}, "type"),
        ({"status": "in-progress"}, "status"),
        ({"dateFrom": "2024-02-30"}, "dateFrom"),
        ({"dateTo": "yesterday"}, "dateTo"),
        ({"dateFrom": "2024-01-20T25:00"}, "dateFrom"),
    ],
)
def test_a_malformed_filter_is_400_naming_it(world, params, name):
    response = world.api.get(nutrition_url(world.workspace), params)
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]


def test_only_this_workspaces_consultations_are_listed(world, other_workspace):
    NutritionSessionFactory(workspace=world.workspace, topic="mine")
    NutritionSessionFactory(workspace=other_workspace, topic="theirs")
    assert listed(world) == ["mine"]


def test_paging_returns_each_row_once_in_order(world, workspace):
    for day in range(1, 8):
        for hour in (9, 9, 14):
            NutritionSessionFactory(workspace=workspace, date=dt.date(2024, 3, day), start_time=dt.time(hour))
    everything = [s["id"] for s in world.api.get(nutrition_url(workspace)).json()["sessions"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        body = world.api.get(nutrition_url(workspace), params).json()
        seen += [s["id"] for s in body["sessions"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == everything and len(seen) == 21


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"cursor": "garbage!"}])
def test_bad_paging_is_400(world, params):
    response = world.api.get(nutrition_url(world.workspace), params)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"limit", "cursor"}
