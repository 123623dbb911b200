"""A password change by any door ends every token and cookie session from before it; refresh
tokens are single-use (rotation) and logout revokes one."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, login, with_token
from workspaces.models import UsedRefreshToken, User

pytestmark = pytest.mark.django_db


def members_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/members"


def refresh(token: str):
    return APIClient().post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")


# --- the doors a password changes through ---------------------------------------------------


def through_the_api(user: User, access: str) -> None:
    response = with_token(access).post(
        "/api/v1/me/password", {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204, response.content


def through_the_admin(user: User, access: str) -> None:
    admin = Client()
    admin.force_login(User.objects.create_superuser(email="root@example.com", password="root-pass-for-tests-1"))
    response = admin.post(
        f"/admin/workspaces/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def through_the_users_own_admin_form(user: User, access: str) -> None:
    user.is_staff = True
    user.save()
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def through_a_reset(user: User, access: str) -> None:
    user.refresh_from_db()  # the token covers last_login, which the cookie login above moved
    token = f"{user.pk}-{default_token_generator.make_token(user)}"
    response = APIClient().post(
        "/api/v1/auth/password-reset/confirm", {"token": token, "newPassword": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204, response.content


def through_a_command(user: User, access: str) -> None:
    membership = user.memberships.first()
    call_command(
        "add_member",
        "--workspace",
        membership.workspace_id,
        "--email",
        user.email,
        "--role",
        membership.role,
        "--password",
        NEW_PASSWORD,
        stdout=StringIO(),
    )


def through_set_password_anywhere(user: User, access: str) -> None:
    user = User.objects.get(pk=user.pk)
    user.set_password(NEW_PASSWORD)
    user.save()


DOORS = [
    through_the_api,
    through_the_admin,
    through_the_users_own_admin_form,
    through_a_reset,
    through_a_command,
    through_set_password_anywhere,
]


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.__name__)
def test_a_password_change_ends_every_earlier_token_and_cookie_session(member, workspace, door):
    # given a user with a token pair from the login, and a cookie session
    pair = login("amal@example.com").json()
    other_device = login("amal@example.com").json()
    browser = APIClient()
    assert browser.login(username="amal@example.com", password=PASSWORD)
    assert with_token(pair["access"]).get(members_url(workspace)).status_code == 200
    assert browser.get("/api/v1/me").status_code == 200

    # when the password changes through that door
    door(member.user, pair["access"])

    # then every earlier access token, refresh token and cookie session is refused at once
    for access in (pair["access"], other_device["access"]):
        response = with_token(access).get(members_url(workspace))
        assert response.status_code == 401, response.content
        assert response.json()["error"]["code"] == "token_not_valid"
    for token in (pair["refresh"], other_device["refresh"]):
        response = refresh(token)
        assert response.status_code == 401, response.content
        assert response.json()["error"]["code"] == "token_not_valid"
    assert browser.get("/api/v1/me").status_code == 401
    # and the new password gives a pair that works
    fresh = login("amal@example.com", NEW_PASSWORD)
    assert fresh.status_code == 200, fresh.content
    assert with_token(fresh.json()["access"]).get(members_url(workspace)).status_code == 200


def test_revocation_costs_no_query_an_authenticated_read_did_not_already_make(
    member, workspace, django_assert_num_queries
):
    access = login("amal@example.com").json()["access"]
    client = with_token(access)
    # 1. the membership with its workspace and its user (whose password hash the token's digest is
    #    checked against)
    # 2. the members
    with django_assert_num_queries(2):
        assert client.get(members_url(workspace)).status_code == 200


# --- rotation and logout --------------------------------------------------------------------


def test_a_refresh_token_buys_one_new_pair_and_is_401_the_second_time(member, workspace):
    pair = login("amal@example.com").json()

    first = refresh(pair["refresh"])
    second = refresh(pair["refresh"])

    assert first.status_code == 200, first.content
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != pair["refresh"]
    assert second.status_code == 401
    assert second.json()["error"]["code"] == "token_not_valid"
    # the new pair works, and its refresh token rotates in turn
    assert with_token(first.json()["access"]).get(members_url(workspace)).status_code == 200
    assert refresh(first.json()["refresh"]).status_code == 200
    assert refresh(first.json()["refresh"]).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_sent_many_times_at_once_buys_exactly_one_pair():
    membership = factories.MembershipFactory(role="owner", user__email="race@example.com")
    token = login(membership.user.email).json()["refresh"]
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def spend() -> None:
        try:
            barrier.wait()
            statuses.append(refresh(token).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 401, 401, 401, 401, 401]


def test_logout_revokes_that_refresh_token(member):
    pair = login("amal@example.com").json()
    kept = login("amal@example.com").json()  # another device's session stays

    response = APIClient().post("/api/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 204
    assert refresh(pair["refresh"]).status_code == 401
    assert refresh(kept["refresh"]).status_code == 200
    # logging out twice is still 204; under the other prefix too
    assert APIClient().post("/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204


@pytest.mark.parametrize("body", [{"refresh": "garbage"}, {"refresh": "a.b.c"}])
def test_logout_with_a_bad_token_is_401(body):
    response = APIClient().post("/api/v1/auth/logout", body, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    assert response.has_header("WWW-Authenticate")


def test_logout_needs_a_refresh_token_not_an_access_token(member):
    pair = login("amal@example.com").json()
    response = APIClient().post("/api/v1/auth/logout", {"refresh": pair["access"]}, format="json")
    assert response.status_code == 401
    assert refresh(pair["refresh"]).status_code == 200


def test_logout_without_the_field_is_400_naming_it():
    response = APIClient().post("/api/v1/auth/logout", {}, format="json")
    assert response.status_code == 400
    assert "refresh" in response.json()["error"]["fields"]


def test_spent_tokens_are_forgotten_once_they_would_have_expired(member, settings):
    from datetime import timedelta

    from django.utils import timezone

    UsedRefreshToken.objects.create(jti="old", expires_at=timezone.now() - timedelta(seconds=1))
    pair = login("amal@example.com").json()

    assert refresh(pair["refresh"]).status_code == 200

    assert not UsedRefreshToken.objects.filter(jti="old").exists()
    assert UsedRefreshToken.objects.count() == 1
