"""GET/PATCH /me: how a frontend finds its workspaces; POST /me/password."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, login, with_token
from tests.conftest import bearer
from workspaces.roles import PERMISSION_ROLES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/me/", "/v1/me", "/v1/me/"])
def test_me_lists_the_user_and_their_active_workspaces(path):
    # given a user who is owner of one workspace, viewer of an expired one, and removed from a third
    user = factories.UserFactory(email="amal@example.com", name="Amal")
    clinic = factories.WorkspaceFactory(name="Cairo Clinic", timezone="Africa/Cairo")
    expired = factories.WorkspaceFactory(name="Alex Clinic", subscription_expires_at=timezone.now() - timedelta(days=1))
    left = factories.WorkspaceFactory(name="Old Clinic")
    closed = factories.WorkspaceFactory(name="Closed Clinic", is_active=False)
    owner = factories.MembershipFactory(user=user, workspace=clinic, role="owner")
    viewer = factories.MembershipFactory(user=user, workspace=expired, role="viewer")
    factories.MembershipFactory(user=user, workspace=left, role="admin", is_active=False)
    factories.MembershipFactory(user=user, workspace=closed, role="admin")

    # when they ask who they are
    response = bearer(user).get(path)

    # then they see themselves and where they may go, by workspace name
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["user"] == {
        "id": user.pk,
        "email": "amal@example.com",
        "name": "Amal",
        "language": "en",
        "twoFactorEnabled": False,
    }
    assert body["memberships"] == [
        {
            "id": viewer.pk,
            "workspaceId": expired.pk,
            "workspaceName": "Alex Clinic",
            "timezone": "UTC",
            "role": "viewer",
            "permissions": sorted(p for p, roles in PERMISSION_ROLES.items() if "viewer" in roles),
            "subscriptionExpired": True,
        },
        {
            "id": owner.pk,
            "workspaceId": clinic.pk,
            "workspaceName": "Cairo Clinic",
            "timezone": "Africa/Cairo",
            "role": "owner",
            "permissions": sorted(PERMISSION_ROLES),
            "subscriptionExpired": False,
        },
    ]


def test_a_user_without_a_name_is_shown_by_their_email():
    user = factories.UserFactory(email="noname@example.com", name="")
    assert bearer(user).get("/api/v1/me").json()["user"]["name"] == "noname@example.com"


def test_me_needs_credentials():
    response = APIClient().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("workspaces", [1, 6])
def test_me_costs_two_queries_however_many_workspaces(workspaces, django_assert_num_queries):
    user = factories.UserFactory()
    for _ in range(workspaces):
        factories.MembershipFactory(user=user, role="specialist")
    client = bearer(user)
    # 1. the user (the token's), 2. the memberships with their workspaces
    with django_assert_num_queries(2):
        response = client.get("/api/v1/me")
    assert len(response.json()["memberships"]) == workspaces


def test_patch_me_changes_name_and_language():
    user = factories.UserFactory(name="Amal")

    response = bearer(user).patch("/api/v1/me", {"name": "  Amal Hassan ", "language": "ar"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["user"]["name"] == "Amal Hassan"
    assert response.json()["user"]["language"] == "ar"
    user.refresh_from_db()
    assert (user.name, user.language) == ("Amal Hassan", "ar")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "fr"}, "language"),
        ({"language": 1}, "language"),
        ({"name": "Amal\nHassan"}, "name"),
        ({"name": "Amal\x00"}, "name"),
        ({"name": "Tab\there"}, "name"),
        ({"name": "Line\u2028break"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
    ],
)
def test_patch_me_refuses_bad_values_naming_the_field(body, field):
    user = factories.UserFactory(name="Amal")
    response = bearer(user).patch("/api/v1/me", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.name == "Amal" and user.language == "en"


def test_patch_me_ignores_what_is_not_its_own():
    user = factories.UserFactory(email="amal@example.com")
    response = bearer(user).patch("/api/v1/me", {"email": "evil@example.com", "id": "x"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "amal@example.com"


# --- POST /me/password -----------------------------------------------------------------------


def change(client, current: str, new: str, **extra):
    return client.post("/api/v1/me/password", {"currentPassword": current, "newPassword": new}, format="json", **extra)


def test_password_change_is_204_and_the_new_password_logs_in(member):
    response = change(bearer(member.user), PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204
    assert login("amal@example.com", NEW_PASSWORD).status_code == 200
    assert login("amal@example.com", PASSWORD).status_code == 401


def test_a_wrong_current_password_is_400_naming_it(member):
    response = change(bearer(member.user), "not-my-password", NEW_PASSWORD)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_password"
    assert set(response.json()["error"]["fields"]) == {"currentPassword"}
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["1", "12345678", "password", "amal@example.com", "short"])
def test_a_weak_new_password_is_400_naming_it(member, weak):
    response = change(bearer(member.user), PASSWORD, weak)
    assert response.status_code == 400, weak
    assert response.json()["error"]["code"] == "weak_password"
    assert set(response.json()["error"]["fields"]) == {"newPassword"}
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_missing_fields_are_400_naming_them(member):
    response = bearer(member.user).post("/api/v1/me/password", {}, format="json")
    assert response.status_code == 400
    assert {"currentPassword", "newPassword"} <= set(response.json()["error"]["fields"])


def test_wrong_current_passwords_count_as_failed_logins(member):
    # given a stolen token guessing the password
    client = bearer(member.user)
    for _attempt in range(5):
        assert change(client, "guess", NEW_PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 400

    # then the change and the login from that address are throttled alike
    response = change(client, PASSWORD, NEW_PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert response.has_header("Retry-After")
    assert login("amal@example.com", address="203.0.113.7").status_code == 429


def test_password_change_through_a_cookie_session_ends_that_session_too(member):
    browser = APIClient(enforce_csrf_checks=False)
    assert browser.login(username="amal@example.com", password=PASSWORD)

    assert change(browser, PASSWORD, NEW_PASSWORD).status_code == 204

    assert browser.get("/api/v1/me").status_code == 401
    assert with_token(login("amal@example.com", NEW_PASSWORD).json()["access"]).get("/api/v1/me").status_code == 200
