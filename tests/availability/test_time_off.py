"""Time off: GET/POST .../members/{memberId}/time-off, DELETE .../time-off/{id}: spans of real
time (instants) in which a member takes no bookings."""

from __future__ import annotations

import pytest

from availability.models import TimeOff
from history.models import HistoricalTimeOff
from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.availability.conftest import time_off_url
from tests.conftest import ROLES, bearer
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

LEAVE = {"startsAt": "2031-07-01T06:00:00Z", "endsAt": "2031-07-15T18:00:00.000Z", "reason": "إجازة سنوية"}


def test_add_list_and_remove(team):
    # when two spans are added, the later first (one with an offset)
    later = team.api.post(time_off_url(team.workspace, team.staff), LEAVE, format="json")
    sooner = team.api.post(
        time_off_url(team.workspace, team.staff),
        {"startsAt": "2031-03-02T09:00:00+02:00", "endsAt": "2031-03-02T13:30:00+02:00"},
        format="json",
    )
    # then each answers 201 with its instants in UTC
    assert later.status_code == sooner.status_code == 201, later.content
    assert later.json()["timeOff"] | {"id": None} == {
        "id": None,
        "startsAt": "2031-07-01T06:00:00.000Z",
        "endsAt": "2031-07-15T18:00:00.000Z",
        "reason": "إجازة سنوية",
    }
    assert sooner.json()["timeOff"]["startsAt"] == "2031-03-02T07:00:00.000Z"
    assert sooner.json()["timeOff"]["reason"] == ""
    # and the list holds both, by start
    listed = team.api.get(time_off_url(team.workspace, team.staff)).json()["timeOff"]
    assert [t["id"] for t in listed] == [sooner.json()["timeOff"]["id"], later.json()["timeOff"]["id"]]
    # when one is removed: 204, then gone; removing it again is a 404
    url = f"{time_off_url(team.workspace, team.staff)}/{sooner.json()['timeOff']['id']}"
    assert team.api.delete(url).status_code == 204
    assert len(team.api.get(time_off_url(team.workspace, team.staff)).json()["timeOff"]) == 1
    assert team.api.delete(url).status_code == 404
    # every write is in the history, through the API's door
    rows = HistoricalTimeOff.objects.filter(membership_id=team.staff.pk)
    assert sorted(rows.values_list("history_type", flat=True)) == ["+", "+", "-"]
    assert set(rows.values_list("door", flat=True)) == {"api"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),
        ({"startsAt": "2031-07-01T06:00:00Z"}, "endsAt"),
        ({"startsAt": "2031-07-01T06:00:00", "endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),  # no zone: no instant
        ({"startsAt": "2031-07-01", "endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),
        ({"startsAt": "2031-02-30T06:00:00Z", "endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),
        ({"startsAt": 1700000000, "endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),
        ({"startsAt": "0001-01-01T00:00:00Z", "endsAt": "2031-07-15T18:00:00Z"}, "startsAt"),
        ({"startsAt": "2031-07-01T06:00:00Z", "endsAt": "2031-07-01T06:00:00Z"}, "endsAt"),
        ({"startsAt": "2031-07-01T06:00:00Z", "endsAt": "2031-07-01T07:00:00+02:00"}, "endsAt"),
        ({**LEAVE, "reason": "x" * 201}, "reason"),
        ({**LEAVE, "reason": 5}, "reason"),
        ({**LEAVE, "memberId": "x"}, "memberId"),
    ],
)
def test_bad_time_off_is_a_400_naming_the_field(team, body, field):
    response = team.api.post(time_off_url(team.workspace, team.staff), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not TimeOff.objects.exists()


def test_what_it_returned_may_come_back_and_is_ignored(team):
    sent = team.api.post(time_off_url(team.workspace, team.staff), LEAVE, format="json").json()["timeOff"]
    again = team.api.post(time_off_url(team.workspace, team.staff), {**sent, "id": "x"}, format="json")
    assert again.status_code == 201
    assert again.json()["timeOff"]["id"] != sent["id"]


def test_a_retry_with_one_idempotency_key_adds_it_once(team):
    url = time_off_url(team.workspace, team.staff)
    first = team.api.post(url, LEAVE, format="json", HTTP_IDEMPOTENCY_KEY="leave-1")
    again = team.api.post(url, LEAVE, format="json", HTTP_IDEMPOTENCY_KEY="leave-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert TimeOff.objects.count() == 1


def test_a_member_adds_and_removes_their_own_whatever_their_role(workspace):
    for role in ROLES:
        member = factories.MembershipFactory(workspace=workspace, role=role)
        api = bearer(member.user)
        added = api.post(time_off_url(workspace, member), LEAVE, format="json")
        assert added.status_code == 201, role
        assert api.delete(f"{time_off_url(workspace, member)}/{added.json()['timeOff']['id']}").status_code == 204


def test_only_owners_and_admins_add_or_remove_someone_elses(workspace):
    someone = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    existing = TimeOff.objects.create(
        workspace=workspace, membership=someone, starts_at="2031-01-01T00:00Z", ends_at="2031-01-02T00:00Z"
    )
    for role in ROLES:
        api = bearer(factories.MembershipFactory(workspace=workspace, role=role).user)
        added = api.post(time_off_url(workspace, someone), LEAVE, format="json")
        removed = api.delete(f"{time_off_url(workspace, someone)}/{existing.pk}")
        if role in (Role.OWNER, Role.ADMIN):
            assert (added.status_code, removed.status_code) == (201, 204), role
            existing = TimeOff.objects.create(
                workspace=workspace, membership=someone, starts_at="2031-01-01T00:00Z", ends_at="2031-01-02T00:00Z"
            )
        else:
            assert (added.status_code, removed.status_code) == (403, 403), role
        # and everyone reads it
        assert api.get(time_off_url(workspace, someone)).status_code == 200


def test_a_span_is_found_only_under_its_own_member(team):
    # given time off of the specialist
    theirs = team.api.post(time_off_url(team.workspace, team.staff), LEAVE, format="json").json()["timeOff"]["id"]
    # when it is named under another member's path (the owner's own), then it is not found
    assert team.api.delete(f"{time_off_url(team.workspace, team.owner)}/{theirs}").status_code == 404
    assert TimeOff.objects.filter(pk=theirs).exists()


def test_another_workspaces_member_and_time_off_are_not_found(team, other_workspace):
    stranger = factories.MembershipFactory(workspace=other_workspace)
    theirs = TimeOff.objects.create(
        workspace=other_workspace, membership=stranger, starts_at="2031-01-01T00:00Z", ends_at="2031-01-02T00:00Z"
    )
    assert team.api.get(time_off_url(team.workspace, stranger)).status_code == 404
    assert team.api.post(time_off_url(team.workspace, stranger), LEAVE, format="json").status_code == 404
    assert team.api.delete(f"{time_off_url(team.workspace, team.staff)}/{theirs.pk}").status_code == 404
    assert TimeOff.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_access_order(workspace, method):
    member = factories.MembershipFactory(workspace=workspace)

    def path(ws):
        if method != "DELETE":
            return time_off_url(ws, member)
        span = TimeOff.objects.create(
            workspace=ws, membership=member, starts_at="2031-01-01T00:00Z", ends_at="2031-01-02T00:00Z"
        )
        return f"{time_off_url(ws, member)}/{span.pk}"

    endpoint = Endpoint(
        method,
        path,
        "availability.view" if method == "GET" else "availability.manage",
        body=(lambda ws: LEAVE) if method == "POST" else None,
    )
    assert_access_order(endpoint, workspace)


# Queries of the list:
#   1. the caller's membership joined with its workspace and their user (authentication, tenancy)
#   2. the member in the path, in the workspace (the parent)
#   3. the page of time off
@pytest.mark.parametrize("count", [1, 50])
def test_the_list_costs_the_same_queries_for_1_or_50(team, django_assert_num_queries, count):
    TimeOff.objects.bulk_create(
        TimeOff(
            workspace=team.workspace,
            membership=team.staff,
            starts_at=f"2031-01-{1 + n % 28:02d}T{n // 28:02d}:00Z",
            ends_at=f"2031-01-{1 + n % 28:02d}T{n // 28:02d}:30Z",
        )
        for n in range(count)
    )
    with django_assert_num_queries(3):
        response = team.api.get(time_off_url(team.workspace, team.staff))
    assert len(response.json()["timeOff"]) == count
    paged = team.api.get(time_off_url(team.workspace, team.staff), {"limit": 1}).json()
    assert len(paged["timeOff"]) == 1 and (paged["nextCursor"] is None) == (count == 1)
