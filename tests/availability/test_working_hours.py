"""Working hours: GET/PUT .../members/{memberId}/working-hours, the week of a member in the
workspace's time zone (several intervals a day, a gap is a break, overlaps are a 400)."""

from __future__ import annotations

import pytest

from availability.models import WorkingHours
from history.models import HistoricalWorkingHours
from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.availability.conftest import every_day, hours_url, set_hours, week
from tests.conftest import ROLES, bearer
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def put(api, workspace, member, intervals):
    return api.put(hours_url(workspace, member), {"workingHours": intervals}, format="json")


def test_a_week_with_breaks_is_stored_and_read_back_in_order(team):
    # given a week sent out of order, with a lunch break on Monday and a shift to midnight on Friday
    sent = week((5, "18:00", "24:00"), (1, "13:00", "17:00"), (1, "09:00", "12:30"), (3, "00:00", "08:00"))

    # when it is PUT, then it answers the week as stored, by weekday and start
    response = put(team.api, team.workspace, team.staff, sent)
    assert response.status_code == 200, response.content
    expected = week((1, "09:00", "12:30"), (1, "13:00", "17:00"), (3, "00:00", "08:00"), (5, "18:00", "24:00"))
    assert response.json() == {"workingHours": expected}
    # and a GET reads the same
    assert team.api.get(hours_url(team.workspace, team.staff)).json() == {"workingHours": expected}
    # stored as minutes past midnight of the member, in their workspace
    rows = WorkingHours.objects.filter(membership=team.staff).order_by("weekday", "start_minute")
    assert [(r.weekday, r.start_minute, r.end_minute) for r in rows][-1] == (5, 1080, 1440)
    assert {r.workspace_id for r in rows} == {team.workspace.pk}


def test_a_put_replaces_the_week_and_keeps_unchanged_intervals(team):
    put(team.api, team.workspace, team.staff, week((1, "09:00", "12:00"), (2, "09:00", "12:00")))
    kept = WorkingHours.objects.get(membership=team.staff, weekday=1)

    response = put(team.api, team.workspace, team.staff, week((1, "09:00", "12:00"), (4, "10:00", "11:00")))

    assert response.json()["workingHours"] == week((1, "09:00", "12:00"), (4, "10:00", "11:00"))
    assert WorkingHours.objects.get(membership=team.staff, weekday=1).pk == kept.pk
    # each write is in the history: 2 created, then 1 removed and 1 created
    kinds = sorted(
        HistoricalWorkingHours.objects.filter(membership_id=team.staff.pk).values_list("history_type", flat=True)
    )
    assert kinds == ["+", "+", "+", "-"]


def test_an_empty_week_clears_it(team):
    put(team.api, team.workspace, team.staff, every_day("09:00", "17:00"))
    response = put(team.api, team.workspace, team.staff, [])
    assert response.status_code == 200
    assert response.json() == {"workingHours": []}
    assert not WorkingHours.objects.filter(membership=team.staff).exists()


def test_touching_intervals_are_fine_and_duplicates_count_once(team):
    response = put(
        team.api,
        team.workspace,
        team.staff,
        week((2, "09:00", "12:00"), (2, "12:00", "13:00"), (2, "09:00", "12:00")),
    )
    assert response.status_code == 200, response.content
    assert response.json()["workingHours"] == week((2, "09:00", "12:00"), (2, "12:00", "13:00"))


@pytest.mark.parametrize(
    "intervals",
    [
        week((1, "09:00", "12:00"), (1, "11:59", "13:00")),  # overlapping
        week((1, "09:00", "17:00"), (1, "10:00", "11:00")),  # one inside the other
        week((7, "00:00", "24:00"), (7, "23:00", "24:00")),
    ],
)
def test_overlapping_intervals_are_a_400_and_nothing_changes(team, intervals):
    set_hours(team.staff, (3, "08:00", "09:00"))
    response = put(team.api, team.workspace, team.staff, intervals)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "overlapping_working_hours"
    assert "workingHours" in error["fields"]
    assert [h.interval for h in WorkingHours.objects.filter(membership=team.staff)] == [(3, 480, 540)]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"weekday": 0, "start": "09:00", "end": "10:00"}, "weekday"),
        ({"weekday": 8, "start": "09:00", "end": "10:00"}, "weekday"),
        ({"weekday": "1", "start": "09:00", "end": "10:00"}, "weekday"),
        ({"weekday": 1, "start": "9:00", "end": "10:00"}, "start"),
        ({"weekday": 1, "start": "24:00", "end": "24:00"}, "start"),
        ({"weekday": 1, "start": "09:60", "end": "10:00"}, "start"),
        ({"weekday": 1, "start": "09:00", "end": "24:01"}, "end"),
        ({"weekday": 1, "start": "09:00", "end": "00:00"}, "end"),
        ({"weekday": 1, "start": "10:00", "end": "10:00"}, "end"),
        ({"weekday": 1, "start": "11:00", "end": "10:00"}, "end"),
        ({"weekday": 1, "start": "09:00"}, "end"),
        ({"weekday": 1, "start": "09:00", "end": "10:00", "Weekday": 2}, "Weekday"),
    ],
)
def test_a_bad_interval_is_a_400_naming_it(team, item, field):
    response = put(team.api, team.workspace, team.staff, [week((2, "08:00", "09:00"))[0], item])
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert field in fields["workingHours"]["1"], fields


@pytest.mark.parametrize("body", [{}, {"workingHours": None}, {"workingHours": "09:00"}, {"hours": []}])
def test_a_body_without_the_week_is_a_400(team, body):
    response = team.api.put(hours_url(team.workspace, team.staff), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_a_member_sets_their_own_week_whatever_their_role(workspace):
    for role in ROLES:
        member = factories.MembershipFactory(workspace=workspace, role=role)
        response = put(bearer(member.user), workspace, member, week((1, "09:00", "10:00")))
        assert response.status_code == 200, (role, response.content)


def test_only_owners_and_admins_set_someone_elses(workspace):
    someone = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    for role in ROLES:
        caller = factories.MembershipFactory(workspace=workspace, role=role)
        response = put(bearer(caller.user), workspace, someone, week((1, "09:00", "10:00")))
        if role in (Role.OWNER, Role.ADMIN):
            assert response.status_code == 200, role
        else:
            assert response.status_code == 403, role
            assert response.json()["error"]["code"] == "permission_denied"


def test_everyone_reads_anyones_week(workspace):
    someone = factories.MembershipFactory(workspace=workspace)
    set_hours(someone, (1, "09:00", "10:00"))
    for role in ROLES:
        caller = bearer(factories.MembershipFactory(workspace=workspace, role=role).user)
        assert caller.get(hours_url(workspace, someone)).json()["workingHours"] == week((1, "09:00", "10:00"))


def test_another_workspaces_member_or_an_unknown_one_is_a_404_for_owners(team, other_workspace):
    stranger = factories.MembershipFactory(workspace=other_workspace)
    set_hours(stranger, (1, "09:00", "10:00"))
    for member_id in [stranger.pk, "0123456789abcdef01234567", "not-an-id"]:
        path = f"/api/v1/workspace/{team.workspace.pk}/members/{member_id}/working-hours"
        assert team.api.get(path).status_code == 404
        assert team.api.put(path, {"workingHours": []}, format="json").status_code == 404
    assert WorkingHours.objects.filter(membership=stranger).count() == 1


def test_for_a_member_without_the_permission_another_path_is_a_403_even_when_nobody_is_there(team):
    # the role check comes before the object's lookup (contract, "Who may do what")
    specialist = bearer(team.staff.user)
    path = f"/api/v1/workspace/{team.workspace.pk}/members/0123456789abcdef01234567/working-hours"
    assert specialist.put(path, {"workingHours": []}, format="json").status_code == 403


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_access_order(workspace, method):
    member = factories.MembershipFactory(workspace=workspace)
    endpoint = Endpoint(
        method,
        lambda ws: hours_url(ws, member),
        "availability.view" if method == "GET" else "availability.manage",
        body=(lambda ws: {"workingHours": week((1, "09:00", "10:00"))}) if method == "PUT" else None,
    )
    assert_access_order(endpoint, workspace)


def test_both_prefixes_with_and_without_a_trailing_slash(team):
    for prefix in ("/api/v1", "/v1"):
        path = f"{prefix}/workspace/{team.workspace.pk}/members/{team.staff.pk}/working-hours"
        for url in (path, path + "/"):
            assert team.api.get(url).status_code == 200
            assert team.api.put(url, {"workingHours": []}, format="json").status_code == 200


# Queries of a GET (and of a PUT, before its own writes):
#   1. the caller's membership joined with its workspace and their user (authentication, tenancy)
#   2. the member in the path, in the workspace (the parent)
#   3. the week's intervals
@pytest.mark.parametrize("count", [1, 40])
def test_reading_a_week_costs_the_same_queries_for_1_or_40_intervals(team, django_assert_num_queries, count):
    set_hours(team.staff, *[(1 + n % 7, f"{n // 7:02d}:00", f"{n // 7:02d}:30") for n in range(count)])
    with django_assert_num_queries(3):
        response = team.api.get(hours_url(team.workspace, team.staff))
    assert len(response.json()["workingHours"]) == count


def test_a_members_own_week_costs_one_query_less(team, django_assert_num_queries):
    # the caller's own membership is already loaded: no lookup of the member in the path
    specialist = bearer(team.staff.user)
    with django_assert_num_queries(2):
        assert specialist.get(hours_url(team.workspace, team.staff)).status_code == 200


def test_paging(team):
    set_hours(team.staff, *[(day, "09:00", "10:00") for day in range(1, 8)])
    first = team.api.get(hours_url(team.workspace, team.staff), {"limit": 4}).json()
    assert [h["weekday"] for h in first["workingHours"]] == [1, 2, 3, 4]
    rest = team.api.get(hours_url(team.workspace, team.staff), {"limit": 4, "cursor": first["nextCursor"]}).json()
    assert [h["weekday"] for h in rest["workingHours"]] == [5, 6, 7]
    assert rest["nextCursor"] is None
