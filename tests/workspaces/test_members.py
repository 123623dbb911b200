"""GET .../members: who can be picked as staff or specialist."""

from __future__ import annotations

import pytest

from tests import factories
from tests.access import Endpoint, assert_access_order

pytestmark = pytest.mark.django_db

MEMBER_KEYS = {"id", "userId", "name", "email", "role", "isActive"}


def members_url(workspace, prefix: str = "/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/members"


def test_lists_this_workspaces_members_with_exactly_the_contract_keys(owner, workspace, other_workspace):
    specialist = factories.MembershipFactory(
        workspace=workspace, role="specialist", user__name="د. ليلى", user__email="laila@example.com"
    )
    factories.MembershipFactory(workspace=other_workspace, role="owner", user__email="outsider@example.com")

    response = owner.get(members_url(workspace))

    assert response.status_code == 200
    members = response.json()["members"]
    assert set(response.json()) == {"members"}
    assert all(set(m) == MEMBER_KEYS for m in members)
    assert {m["id"] for m in members} == {owner.membership.pk, specialist.pk}
    laila = next(m for m in members if m["id"] == specialist.pk)
    assert laila == {
        "id": specialist.pk,
        "userId": specialist.user_id,
        "name": "د. ليلى",
        "email": "laila@example.com",
        "role": "specialist",
        "isActive": True,
    }


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_both_prefixes_and_trailing_slash(owner, workspace, prefix, slash):
    response = owner.get(members_url(workspace, prefix) + slash)
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["members"]] == [owner.membership.pk]


def test_role_and_is_active_filters(owner, workspace):
    active_viewer = factories.MembershipFactory(workspace=workspace, role="viewer")
    former_viewer = factories.MembershipFactory(workspace=workspace, role="viewer", is_active=False)
    former_admin = factories.MembershipFactory(workspace=workspace, role="admin", is_active=False)

    def ids(**params) -> set[str]:
        response = owner.get(members_url(workspace), params)
        assert response.status_code == 200, response.content
        return {m["id"] for m in response.json()["members"]}

    assert ids(role="viewer") == {active_viewer.pk, former_viewer.pk}
    assert ids(role="owner") == {owner.membership.pk}
    assert ids(isActive="true") == {owner.membership.pk, active_viewer.pk}
    assert ids(isActive="false") == {former_viewer.pk, former_admin.pk}
    assert ids(role="viewer", isActive="false") == {former_viewer.pk}
    assert ids() == {owner.membership.pk, active_viewer.pk, former_viewer.pk, former_admin.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"role": "superuser"}, "role"), ({"role": "Owner"}, "role"), ({"isActive": "maybe"}, "isActive")],
)
def test_malformed_filter_is_400_naming_it(owner, workspace, params, field):
    response = owner.get(members_url(workspace), params)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_ordered_by_id_which_is_creation_order(owner, workspace):
    later = [factories.MembershipFactory(workspace=workspace) for _ in range(3)]
    ids = [m["id"] for m in owner.get(members_url(workspace)).json()["members"]]
    assert ids == sorted(ids) == [owner.membership.pk, *(m.pk for m in later)]


def test_paging(owner, workspace):
    for _ in range(4):
        factories.MembershipFactory(workspace=workspace)
    first = owner.get(members_url(workspace), {"limit": 3}).json()
    assert len(first["members"]) == 3 and first["nextCursor"]
    second = owner.get(members_url(workspace), {"limit": 3, "cursor": first["nextCursor"]}).json()
    assert len(second["members"]) == 2 and second["nextCursor"] is None
    assert not {m["id"] for m in first["members"]} & {m["id"] for m in second["members"]}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_members_list_is_read_only(owner, workspace, method):
    response = getattr(owner, method)(members_url(workspace), {"role": "owner"}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("count", [1, 25])
def test_query_count_does_not_grow_with_members(owner, workspace, django_assert_num_queries, count):
    for _ in range(count - 1):
        factories.MembershipFactory(workspace=workspace)
    # 1. the caller's membership joined with its workspace and their user (the token's),
    # 2. the members joined with their users
    with django_assert_num_queries(2):
        response = owner.get(members_url(workspace))
    assert len(response.json()["members"]) == count


def test_access_rules_for_every_role(workspace):
    assert_access_order(Endpoint("GET", lambda ws: members_url(ws), "members.view"), workspace)
