"""Authentication: JWT pairs, session cookies with CSRF, nothing else; throttled failed logins."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests import factories
from tests.conftest import bearer
from workspaces.models import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def members_url(workspace, prefix: str = "/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/members"


def with_token(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code, error
    return error


@pytest.fixture
def member(workspace):
    return factories.MembershipFactory(workspace=workspace, role="viewer", user__email="amal@example.com")


# --- token pair ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/token/", "/v1/auth/token", "/v1/auth/token/"])
def test_token_pair_for_valid_credentials_opens_the_workspace(api_client, member, workspace, path):
    response = api_client.post(path, {"email": "amal@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert with_token(body["access"]).get(members_url(workspace)).status_code == 200


def test_email_is_matched_ignoring_case(api_client, member):
    response = api_client.post("/api/v1/auth/token", {"email": "AMAL@Example.COM", "password": PASSWORD}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "amal@example.com", "password": "wrong"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ],
)
def test_wrong_password_or_unknown_email_is_401_with_the_same_envelope(api_client, member, body):
    response = api_client.post("/api/v1/auth/token", body, format="json")
    error = assert_error(response, 401, "authentication_failed")
    assert "fields" not in error


def test_wrong_password_and_unknown_email_answer_alike(api_client, member):
    wrong = api_client.post("/api/v1/auth/token", {"email": "amal@example.com", "password": "x"}, format="json")
    unknown = api_client.post("/api/v1/auth/token", {"email": "zz@example.com", "password": "x"}, format="json")
    assert wrong.json() == unknown.json()


def test_inactive_user_cannot_obtain_a_token(api_client, member):
    member.user.is_active = False
    member.user.save()
    response = api_client.post("/api/v1/auth/token", {"email": "amal@example.com", "password": PASSWORD}, format="json")
    assert_error(response, 401)


def test_missing_fields_are_400_naming_them(api_client):
    error = assert_error(api_client.post("/api/v1/auth/token", {}, format="json"), 400, "validation_error")
    assert {"email", "password"} <= set(error["fields"])


# --- refresh ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/auth/token/refresh", "/v1/auth/token/refresh/"])
def test_refresh_gives_a_working_access_token(api_client, member, workspace, path):
    refresh = str(RefreshToken.for_user(member.user))

    response = api_client.post(path, {"refresh": refresh}, format="json")

    assert response.status_code == 200, response.content
    assert "access" in response.json()
    assert with_token(response.json()["access"]).get(members_url(workspace)).status_code == 200


@pytest.mark.parametrize("refresh", ["garbage", "a.b.c", ""])
def test_bad_refresh_token_is_401(api_client, refresh):
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert response.status_code in (400, 401)  # an empty string is a validation error
    if refresh:
        assert_error(response, 401, "token_not_valid")


def test_an_access_token_is_not_a_refresh_token(api_client, member):
    access = str(AccessToken.for_user(member.user))
    assert_error(api_client.post("/api/v1/auth/token/refresh", {"refresh": access}, format="json"), 401)


def test_a_refresh_token_is_not_an_access_token(member, workspace):
    refresh = str(RefreshToken.for_user(member.user))
    assert_error(with_token(refresh).get(members_url(workspace)), 401)


# --- what a token is worth -------------------------------------------------------------------


def test_expired_access_token_is_401(member, workspace):
    token = AccessToken.for_user(member.user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))

    response = with_token(str(token)).get(members_url(workspace))

    assert_error(response, 401, "token_not_valid")
    assert response.has_header("WWW-Authenticate")


def test_token_signed_with_another_key_is_401(member, workspace):
    token = AccessToken.for_user(member.user)
    header, payload, _signature = str(token).split(".")
    forged = ".".join([header, payload, base64.urlsafe_b64encode(b"x" * 32).decode().rstrip("=")])
    assert_error(with_token(forged).get(members_url(workspace)), 401)


def test_no_credentials_is_401_with_www_authenticate(api_client, workspace):
    response = api_client.get(members_url(workspace))
    assert_error(response, 401, "not_authenticated")
    assert response.has_header("WWW-Authenticate")


def test_http_basic_with_valid_credentials_is_still_401(member, workspace):
    client = APIClient()
    basic = base64.b64encode(f"amal@example.com:{PASSWORD}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")

    assert_error(client.get(members_url(workspace)), 401)


def test_deactivated_users_still_valid_token_is_401(member, workspace):
    client = bearer(member.user)
    assert client.get(members_url(workspace)).status_code == 200

    member.user.is_active = False
    member.user.save()

    assert_error(client.get(members_url(workspace)), 401)


def test_removed_membership_is_404_at_once_with_the_still_valid_token(member, workspace):
    client = bearer(member.user)
    assert client.get(members_url(workspace)).status_code == 200

    member.is_active = False
    member.save()

    assert_error(client.get(members_url(workspace)), 404, "not_found")


def test_deleted_membership_is_404(member, workspace):
    client = bearer(member.user)
    member.delete()
    assert_error(client.get(members_url(workspace)), 404, "not_found")


# --- session cookie --------------------------------------------------------------------------


def test_session_cookie_authenticates_reads(member, workspace):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member.user)

    response = client.get(members_url(workspace))

    assert response.status_code == 200
    assert [m["email"] for m in response.json()["members"]] == ["amal@example.com"]


def test_session_cookie_post_without_csrf_token_is_403_json(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role="owner")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner.user)

    response = client.post(f"/api/v1/workspace/{workspace.pk}/clients", {"name": "Sami"}, format="json")

    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["error"]["message"]
    assert not Client.objects.filter(workspace=workspace).exists()


def test_session_cookie_post_with_csrf_token_works(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role="owner")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner.user)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret

    response = client.post(
        f"/api/v1/workspace/{workspace.pk}/clients", {"name": "Sami"}, format="json", HTTP_X_CSRFTOKEN=secret
    )

    assert response.status_code == 201, response.content
    assert response.json()["client"]["name"] == "Sami"


def test_session_cookie_with_a_wrong_csrf_token_is_403(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role="owner")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner.user)
    client.cookies["csrftoken"] = _get_new_csrf_string()

    response = client.post(
        f"/api/v1/workspace/{workspace.pk}/clients",
        {"name": "Sami"},
        format="json",
        HTTP_X_CSRFTOKEN=_get_new_csrf_string(),
    )

    assert_error(response, 403)


def test_bearer_token_needs_no_csrf_token(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role="owner")
    client = bearer(owner.user)
    client.handler.enforce_csrf_checks = True

    response = client.post(f"/api/v1/workspace/{workspace.pk}/clients", {"name": "Sami"}, format="json")

    assert response.status_code == 201


# --- throttled failed logins -----------------------------------------------------------------


def login(client: APIClient, email: str, password: str, address: str = "203.0.113.7"):
    return client.post("/api/v1/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


def test_five_failed_logins_lock_that_email_from_that_address(api_client, member):
    for _attempt in range(5):
        assert login(api_client, "amal@example.com", "wrong").status_code == 401

    response = login(api_client, "amal@example.com", PASSWORD)  # even the right password now

    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_lock_is_per_address_and_email(api_client, member, workspace):
    factories.MembershipFactory(workspace=workspace, user__email="badr@example.com")
    for _attempt in range(5):
        login(api_client, "amal@example.com", "wrong")
    assert login(api_client, "amal@example.com", PASSWORD).status_code == 429

    # another email from the same address is not locked by amal's failures
    assert login(api_client, "badr@example.com", PASSWORD).status_code == 200
    # amal from another address is not locked either (an attacker cannot lock the victim out)
    assert login(api_client, "amal@example.com", PASSWORD, address="198.51.100.9").status_code == 200
    # email case does not give a fresh allowance
    assert login(api_client, "AMAL@example.com", PASSWORD).status_code == 429


def test_fewer_failures_than_the_limit_do_not_lock(api_client, member):
    for _attempt in range(4):
        login(api_client, "amal@example.com", "wrong")
    assert login(api_client, "amal@example.com", PASSWORD).status_code == 200


@override_settings(LOGIN_FAILURES_PER_ADDRESS=8)
def test_one_address_spraying_many_emails_is_locked_at_the_address_limit(api_client, member):
    for n in range(8):
        assert login(api_client, f"spray{n}@example.com", "wrong").status_code == 401

    response = login(api_client, "amal@example.com", PASSWORD)

    assert_error(response, 429, "throttled")
    assert response.has_header("Retry-After")
    assert login(api_client, "amal@example.com", PASSWORD, address="198.51.100.9").status_code == 200


def test_lock_ends_after_the_window(api_client, member, monkeypatch):
    import time

    for _attempt in range(5):
        login(api_client, "amal@example.com", "wrong")
    assert login(api_client, "amal@example.com", PASSWORD).status_code == 429

    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr("workspaces.accounts.login_counter.time.time", lambda: later)

    assert login(api_client, "amal@example.com", PASSWORD).status_code == 200
