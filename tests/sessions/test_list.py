"""GET .../sessions: seed 002's filters plus staffId, order, paging, query counts; GET one."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.sessions.conftest import session_url, sessions_url
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db


def listed(world, params=None) -> list[str]:
    response = world.api.get(sessions_url(world.workspace), params or {})
    assert response.status_code == 200, response.content
    return [s["name"] for s in response.json()["sessions"]]


@pytest.fixture
def calendar(world, workspace):
    """Five sessions over three days, two clients, two staff, mixed services and statuses."""
    massage, checkup = world.services
    other_client = factories.ClientFactory(workspace=workspace, name="Badr")
    other_staff = factories.MembershipFactory(workspace=workspace)
    rows = [
        ("a", dt.date(2024, 1, 19), dt.time(9), world.client, world.staff, [massage], "scheduled"),
        ("b", dt.date(2024, 1, 20), dt.time(9), other_client, other_staff, [checkup], "completed"),
        ("c", dt.date(2024, 1, 20), dt.time(14), world.client, world.staff, [massage, checkup], "cancelled"),
        ("d", dt.date(2024, 1, 21), dt.time(8), other_client, None, [checkup], "in-progress"),
        ("e", dt.date(2024, 1, 20), dt.time(9), world.client, other_staff, [massage], "scheduled"),
    ]
    for name, day, start, client, staff, services, status in rows:
        SessionFactory(
            workspace=workspace,
            name=name,
            date=day,
            start_time=start,
            client=client,
            staff=staff,
            services=services,
            status=status,
        )
    # another workspace's session on the same day never shows
    SessionFactory(date=dt.date(2024, 1, 20), name="foreign")
    return {"other_client": other_client, "other_staff": other_staff}


def test_order_is_date_then_start_time_then_id(world, calendar):
    # b and e share date and start time: created b first, so b's id is smaller
    assert listed(world) == ["a", "b", "e", "c", "d"]


def test_filter_client(world, calendar):
    assert listed(world, {"clientId": world.client.pk}) == ["a", "e", "c"]


def test_filter_staff(world, calendar):
    assert listed(world, {"staffId": world.staff.pk}) == ["a", "c"]
    assert listed(world, {"staffId": calendar["other_staff"].pk}) == ["b", "e"]


def test_filter_services_any_match_without_duplicates(world, calendar):
    massage, checkup = world.services
    assert listed(world, {"serviceIds": massage.pk}) == ["a", "e", "c"]
    assert listed(world, {"serviceIds": checkup.pk}) == ["b", "c", "d"]
    # c has both services: listed once
    assert listed(world, {"serviceIds": f"{massage.pk},{checkup.pk}"}) == ["a", "b", "e", "c", "d"]
    assert listed(world, {"serviceIds": f" {checkup.pk} , {checkup.pk}"}) == ["b", "c", "d"]


def test_filter_status(world, calendar):
    assert listed(world, {"status": "scheduled"}) == ["a", "e"]
    assert listed(world, {"status": "in-progress"}) == ["d"]
    assert listed(world, {"status": "completed"}) == ["b"]
    assert listed(world, {"status": "cancelled"}) == ["c"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"dateFrom": "2024-01-20"}, ["b", "e", "c", "d"]),
        ({"dateTo": "2024-01-20"}, ["a", "b", "e", "c"]),
        ({"dateFrom": "2024-01-20", "dateTo": "2024-01-20"}, ["b", "e", "c"]),
        # a date-time counts as its date part, whatever its time or offset
        ({"dateFrom": "2024-01-20T23:59:59Z", "dateTo": "2024-01-20T00:00:00.000Z"}, ["b", "e", "c"]),
        ({"dateFrom": "2024-01-20T10:00:00+05:00"}, ["b", "e", "c", "d"]),
        ({"dateFrom": "2024-01-22"}, []),
        ({"dateFrom": "2024-01-21", "dateTo": "2024-01-19"}, []),
    ],
)
def test_filter_dates_inclusive(world, calendar, params, names):
    assert listed(world, params) == names


def test_filters_combine(world, calendar):
    massage, checkup = world.services
    assert listed(world, {"clientId": world.client.pk, "dateFrom": "2024-01-20"}) == ["e", "c"]
    assert listed(world, {"clientId": world.client.pk, "status": "scheduled", "serviceIds": massage.pk}) == ["a", "e"]
    assert listed(world, {"staffId": world.staff.pk, "serviceIds": checkup.pk, "dateTo": "2024-01-20"}) == ["c"]
    params = {
        "clientId": calendar["other_client"].pk,
        "staffId": calendar["other_staff"].pk,
        "serviceIds": checkup.pk,
        "status": "completed",
        "dateFrom": "2024-01-20",
        "dateTo": "2024-01-20",
    }
    assert listed(world, params) == ["b"]
    assert listed(world, {**params, "status": "scheduled"}) == []


def test_empty_filter_values_are_ignored(world, calendar):
    assert listed(world, {"clientId": "", "serviceIds": "", "dateFrom": "", "status": ""}) == ["a", "b", "e", "c", "d"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("clientId", "nope"),
        ("staffId", "0123456789ABCDEF01234567"),
        ("serviceIds", "0123456789abcdef01234567,nope"),
        ("serviceIds", ",".join(["0123456789abcdef01234567"] * 101)),
        ("dateFrom", "2024-02-30"),
        ("dateTo", "tomorrow"),
        ("dateTo", "2024-01-20T25:00"),
        ("status", "done"),
    ],
)
def test_malformed_filter_is_400_naming_it(world, calendar, name, value):
    response = world.api.get(sessions_url(world.workspace), {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()["error"]["fields"]


def test_unknown_ids_in_filters_match_nothing(world, calendar):
    assert listed(world, {"clientId": "0123456789abcdef01234567"}) == []


def test_paging_returns_each_row_exactly_once(world, workspace):
    # given 23 sessions, several sharing date and start time (the id breaks ties)
    for i in range(23):
        SessionFactory(
            workspace=workspace,
            client=world.client,
            name=f"s{i:02d}",
            date=dt.date(2024, 1, 1 + i % 3),
            start_time=dt.time(9 + i % 2),
        )
    everything = listed(world)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = world.api.get(sessions_url(workspace), params).json()
        assert len(body["sessions"]) <= 5
        seen += [s["name"] for s in body["sessions"]]
        cursor, pages = body["nextCursor"], pages + 1
        if cursor is None:
            break
    assert pages == 5
    assert seen == everything and len(set(seen)) == 23


def test_paging_with_filters(world, calendar):
    body = world.api.get(sessions_url(world.workspace), {"limit": 2, "clientId": world.client.pk}).json()
    assert [s["name"] for s in body["sessions"]] == ["a", "e"]
    rest = world.api.get(
        sessions_url(world.workspace), {"limit": 2, "clientId": world.client.pk, "cursor": body["nextCursor"]}
    ).json()
    assert [s["name"] for s in rest["sessions"]] == ["c"] and rest["nextCursor"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"cursor": "garbage!"}])
def test_bad_paging_is_400(world, params):
    response = world.api.get(sessions_url(world.workspace), params)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"limit", "cursor"}


def test_deleted_service_still_shows_on_its_sessions(world, workspace):
    from django.utils import timezone

    massage, checkup = world.services
    session = SessionFactory(workspace=workspace, client=world.client, services=[checkup, massage])
    massage.deleted_at = timezone.now()
    massage.save()
    body = world.api.get(session_url(workspace, session)).json()["session"]
    assert body["serviceIds"] == [checkup.pk, massage.pk]
    assert body["serviceNames"] == ["Checkup", "Massage"]


# -- query counts ------------------------------------------------------------------------------


def make_week(world, count: int) -> None:
    """``count`` sessions over one week, each with two services, a client and a staff member."""
    workspace = world.workspace
    clients = [factories.ClientFactory(workspace=workspace) for _ in range(3)]
    staff = [factories.MembershipFactory(workspace=workspace) for _ in range(3)]
    for i in range(count):
        SessionFactory(
            workspace=workspace,
            client=clients[i % 3],
            staff=staff[i % 3] if i % 4 else None,
            date=dt.date(2024, 1, 15) + dt.timedelta(days=i % 7),
            start_time=dt.time(8 + i % 10, (i * 7) % 60),
            services=world.services,
        )


# The list runs 2 queries whatever the number of sessions:
#   1. the caller's membership joined with the workspace and their user (authentication, tenancy)
#   2. the sessions joined with client, staff membership and staff user, each with its
#      ordered service ids and names as arrays (correlated subqueries on the workspace-led
#      (workspace, session, service) index; filters add EXISTS, never another round trip)
LIST_QUERIES = 2


@pytest.mark.parametrize("count", [1, 10, 200])
def test_list_query_count_does_not_grow(world, django_assert_num_queries, count):
    make_week(world, count)
    with django_assert_num_queries(LIST_QUERIES):
        response = world.api.get(sessions_url(world.workspace), {"dateFrom": "2024-01-15", "dateTo": "2024-01-21"})
    assert response.status_code == 200
    sessions = response.json()["sessions"]
    assert len(sessions) == count
    assert all(len(s["serviceNames"]) == 2 for s in sessions)


@pytest.mark.parametrize("count", [1, 200])
def test_filtered_and_paged_list_query_count(world, django_assert_num_queries, count):
    make_week(world, count)
    with django_assert_num_queries(LIST_QUERIES):
        response = world.api.get(
            sessions_url(world.workspace), {"limit": 50, "serviceIds": world.services[0].pk, "status": "scheduled"}
        )
    assert response.status_code == 200
    assert len(response.json()["sessions"]) == min(count, 50)


# The detail runs 2 queries, whatever the number of services: the membership with workspace and
# user, the session with its client, staff and service arrays.
DETAIL_QUERIES = 2


@pytest.mark.parametrize("services", [1, 20])
def test_detail_query_count(world, workspace, django_assert_num_queries, services):
    linked = [factories.ServiceFactory(workspace=workspace) for _ in range(services)]
    session = SessionFactory(workspace=workspace, client=world.client, staff=world.staff, services=linked)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = world.api.get(session_url(workspace, session))
    assert response.status_code == 200
    assert len(response.json()["session"]["serviceIds"]) == services


def test_detail_shape_and_404s(world, workspace, other_workspace):
    session = SessionFactory(workspace=workspace, client=world.client, services=world.services)
    body = world.api.get(session_url(workspace, session)).json()
    assert set(body) == {"session"} and body["session"]["id"] == session.pk
    foreign = SessionFactory(workspace=other_workspace, name="Secret")
    for url in (
        session_url(workspace, foreign),
        session_url(workspace, "0123456789abcdef01234567"),
        session_url(workspace, "nope"),
    ):
        response = world.api.get(url)
        assert response.status_code == 404
        assert "Secret" not in response.content.decode()
