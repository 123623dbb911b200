"""One shared, parametrised check of the contract's access rules, reused by every endpoint.

``Endpoint`` names a method, a path (built from the workspace, so a fresh object can be made
for each call) and the permission the contract requires. ``assert_access_order`` walks the
order of answers: 401, 404 (non-member and unknown workspace alike, same body), 403
``subscription_expired``, 403 ``two_factor_required`` (a workspace requiring two-factor, a
member without it), 403 for a role without the permission, then success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import ROLES, bearer
from workspaces.roles import PERMISSION_ROLES

UNKNOWN_WORKSPACE = "0123456789abcdef01234567"


@dataclass
class Endpoint:
    method: str
    path: Callable[[object], str]  # workspace -> path
    permission: str
    body: Callable[[object], dict] | None = None  # workspace -> body
    ok: tuple[int, ...] = (200, 201, 204)

    def call(self, client: APIClient, workspace, path: str | None = None):
        path = path or self.path(workspace)
        body = self.body(workspace) if self.body else None
        return (
            getattr(client, self.method.lower())(path, body, format="json")
            if body is not None
            else getattr(client, self.method.lower())(path)
        )


def swap_workspace(path: str, workspace_id: str) -> str:
    parts = path.split("/")
    index = parts.index("workspace") + 1
    parts[index] = workspace_id
    return "/".join(parts)


def assert_role_table(endpoint: Endpoint, workspace) -> None:
    """Every role of the contract's table: allowed -> success, not allowed -> 403."""
    for role in ROLES:
        membership = factories.MembershipFactory(workspace=workspace, role=role)
        response = endpoint.call(bearer(membership.user), workspace)
        allowed = role in PERMISSION_ROLES[endpoint.permission]
        if allowed:
            assert response.status_code in endpoint.ok, (role, endpoint.method, response.status_code, response.content)
        else:
            assert response.status_code == 403, (role, endpoint.method, response.status_code, response.content)
            assert response.json()["error"]["code"] == "permission_denied"


def assert_access_order(endpoint: Endpoint, workspace) -> None:
    path = endpoint.path(workspace)
    # 1. no credentials, garbage token: 401
    response = endpoint.call(APIClient(), workspace, path)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    garbage = APIClient()
    garbage.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    response = endpoint.call(garbage, workspace, path)
    assert response.status_code == 401
    # 2. a member of another workspace, and an unknown workspace: the same 404
    outsider = factories.MembershipFactory(role="owner")
    not_member = endpoint.call(bearer(outsider.user), workspace, path)
    unknown = endpoint.call(bearer(outsider.user), workspace, swap_workspace(path, UNKNOWN_WORKSPACE))
    malformed = endpoint.call(bearer(outsider.user), workspace, swap_workspace(path, "not-an-id"))
    assert not_member.status_code == unknown.status_code == malformed.status_code == 404
    assert not_member.json() == unknown.json() == malformed.json()
    # an inactive member is not a member
    inactive = factories.MembershipFactory(workspace=workspace, role="owner", is_active=False)
    assert endpoint.call(bearer(inactive.user), workspace, path).status_code == 404
    # 3. expired subscription: 403 subscription_expired, even for the owner, before the role check
    denied_role = next((r for r in ROLES if r not in PERMISSION_ROLES[endpoint.permission]), None)
    workspace.subscription_expires_at = timezone.now() - timedelta(minutes=1)
    workspace.save()
    for role in ["owner", denied_role] if denied_role else ["owner"]:
        member = factories.MembershipFactory(workspace=workspace, role=role)
        response = endpoint.call(bearer(member.user), workspace, path)
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "subscription_expired"
    workspace.subscription_expires_at = timezone.now() + timedelta(days=30)
    workspace.save()
    # 3b. the workspace requires two-factor: 403 two_factor_required for a member without it,
    # even the owner, before the role check
    workspace.require_two_factor = True
    workspace.save()
    for role in ["owner", denied_role] if denied_role else ["owner"]:
        member = factories.MembershipFactory(workspace=workspace, role=role)
        response = endpoint.call(bearer(member.user), workspace, path)
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "two_factor_required"
    workspace.require_two_factor = False
    workspace.save()
    # 4. and 5.: role table
    assert_role_table(endpoint, workspace)
