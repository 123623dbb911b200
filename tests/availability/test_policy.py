"""The workspace's booking policy: GET/PATCH .../booking-policy (owners and admins)."""

from __future__ import annotations

import pytest

from availability.models import BookingPolicy
from history.models import HistoricalBookingPolicy
from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.availability.conftest import policy_url
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "enforceWorkingHours": False,
    "minNoticeMinutes": 0,
    "maxAdvanceDays": 365,
    "slotStepMinutes": 15,
    "bufferMinutes": 0,
}


def test_a_workspace_that_never_changed_it_has_the_defaults(team):
    response = team.api.get(policy_url(team.workspace))
    assert response.status_code == 200
    assert response.json() == {"bookingPolicy": DEFAULTS}
    assert not BookingPolicy.objects.exists()  # reading writes nothing


def test_a_patch_changes_what_it_gives_and_keeps_the_rest(team):
    first = team.api.patch(
        policy_url(team.workspace), {"enforceWorkingHours": True, "bufferMinutes": 10}, format="json"
    )
    assert first.status_code == 200, first.content
    assert first.json() == {"bookingPolicy": {**DEFAULTS, "enforceWorkingHours": True, "bufferMinutes": 10}}
    second = team.api.patch(policy_url(team.workspace), {"slotStepMinutes": 30, "minNoticeMinutes": 120}, format="json")
    expected = {
        "enforceWorkingHours": True,
        "minNoticeMinutes": 120,
        "maxAdvanceDays": 365,
        "slotStepMinutes": 30,
        "bufferMinutes": 10,
    }
    assert second.json() == {"bookingPolicy": expected}
    assert team.api.get(policy_url(team.workspace)).json() == {"bookingPolicy": expected}
    # one row a workspace, its changes in the history
    assert BookingPolicy.objects.filter(workspace=team.workspace).count() == 1
    kinds = HistoricalBookingPolicy.objects.filter(workspace_id=team.workspace.pk).values_list(
        "history_type", flat=True
    )
    assert sorted(kinds) == ["+", "~"]


def test_what_it_returned_may_come_back(team):
    response = team.api.patch(policy_url(team.workspace), {**DEFAULTS, "maxAdvanceDays": 30}, format="json")
    assert response.json()["bookingPolicy"]["maxAdvanceDays"] == 30


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enforceWorkingHours": "yes"}, "enforceWorkingHours"),
        ({"enforceWorkingHours": 1}, "enforceWorkingHours"),
        ({"minNoticeMinutes": -1}, "minNoticeMinutes"),
        ({"minNoticeMinutes": 525601}, "minNoticeMinutes"),
        ({"maxAdvanceDays": 3651}, "maxAdvanceDays"),
        ({"maxAdvanceDays": "30"}, "maxAdvanceDays"),
        ({"slotStepMinutes": 4}, "slotStepMinutes"),
        ({"slotStepMinutes": 1441}, "slotStepMinutes"),
        ({"slotStepMinutes": 15.5}, "slotStepMinutes"),
        ({"bufferMinutes": -5}, "bufferMinutes"),
        ({"bufferMinutes": 1441}, "bufferMinutes"),
        ({"bufferMinutes": None}, "bufferMinutes"),
        ({"enforceWorkinghours": True}, "enforceWorkinghours"),
    ],
)
def test_a_bad_value_is_a_400_naming_it_and_nothing_changes(team, body, field):
    response = team.api.patch(policy_url(team.workspace), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not BookingPolicy.objects.exists()


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_owners_and_admins_only_in_the_contracts_order(workspace, method):
    endpoint = Endpoint(
        method,
        policy_url,
        "availability.manage",
        body=(lambda ws: {"bufferMinutes": 5}) if method == "PATCH" else None,
    )
    assert_access_order(endpoint, workspace)


def test_each_workspace_has_its_own(team, other_workspace):
    owner_b = factories.MembershipFactory(workspace=other_workspace, role="owner")
    team.api.patch(policy_url(team.workspace), {"bufferMinutes": 25}, format="json")
    assert bearer(owner_b.user).get(policy_url(other_workspace)).json() == {"bookingPolicy": DEFAULTS}


# Queries of a GET: 1. the caller's membership with its workspace and user, 2. the policy
def test_reading_it_costs_two_queries(team, django_assert_num_queries):
    team.api.patch(policy_url(team.workspace), {"bufferMinutes": 5}, format="json")
    with django_assert_num_queries(2):
        team.api.get(policy_url(team.workspace))
