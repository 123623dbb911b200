"""Authentication (OWASP API2): the gaps tests/workspaces/test_auth.py leaves.

Tokens behave as simplejwt documents (lifetimes, rotation, a refresh token is not an access
token), a deleted or deactivated user loses access at once, a role change applies to the next
request. Failed logins are counted in the shared cache, on Redis as on the database cache,
exactly also when guesses arrive in parallel, and keyed by the address the TLS proxy saw.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests import factories
from tests.conftest import bearer
from workspaces.roles import Role

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_cache() -> dict:
    """A Redis cache of its own for one test (a fresh key prefix), or skip when no Redis answers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }


def login(email: str, password: str, address: str = "203.0.113.7", **headers):
    return APIClient().post(
        "/api/v1/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=address, **headers
    )


def members_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/members"


# --- tokens ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_token_of_a_deleted_user_is_401_not_500(api_client, workspace):
    # found while fuzzing the token endpoints: simplejwt's refresh looks the user up with .get()
    member = factories.MembershipFactory(workspace=workspace)
    refresh = str(RefreshToken.for_user(member.user))
    member.user.delete()

    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")

    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_refresh_token_of_a_deactivated_user_is_401(api_client, workspace):
    member = factories.MembershipFactory(workspace=workspace)
    refresh = str(RefreshToken.for_user(member.user))
    member.user.is_active = False
    member.user.save()

    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")

    assert response.status_code == 401


@pytest.mark.django_db
def test_refresh_gives_a_new_pair_of_the_configured_lifetimes(api_client, workspace, settings):
    member = factories.MembershipFactory(workspace=workspace)
    response = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": str(RefreshToken.for_user(member.user))}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}  # rotation: the given refresh token is spent
    access = AccessToken(response.json()["access"])
    assert access["exp"] - access["iat"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    refresh = RefreshToken(response.json()["refresh"])
    assert refresh["exp"] - refresh["iat"] == settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()


@pytest.mark.django_db
def test_an_expired_refresh_token_is_401(api_client, workspace, settings):
    member = factories.MembershipFactory(workspace=workspace)
    refresh = RefreshToken.for_user(member.user)
    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    refresh.set_exp(from_time=timezone.now() - lifetime - timedelta(minutes=1), lifetime=lifetime)

    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": str(refresh)}, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


@pytest.mark.django_db
def test_a_deleted_users_still_valid_access_token_is_401(workspace):
    member = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    api = bearer(member.user)
    assert api.get(members_url(workspace)).status_code == 200
    member.user.delete()
    assert api.get(members_url(workspace)).status_code == 401


@pytest.mark.django_db
def test_a_role_change_applies_to_the_very_next_request_with_the_same_token(workspace):
    member = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    api = bearer(member.user)
    url = f"/api/v1/workspace/{workspace.pk}/services"
    assert api.post(url, {"name": "Cupping"}, format="json").status_code == 201

    member.role = Role.VIEWER
    member.save()

    assert api.post(url, {"name": "Massage"}, format="json").status_code == 403
    assert api.get(url).status_code == 200


@pytest.mark.django_db
def test_a_deactivated_workspace_is_404_at_once_for_its_members(workspace):
    member = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    api = bearer(member.user)
    workspace.is_active = False
    workspace.save()
    assert api.get(members_url(workspace)).status_code == 404


# --- throttling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lock_works_the_same_on_redis():
    with override_settings(CACHES=redis_cache()):
        from django.core.cache import cache

        cache.clear()
        member = factories.MembershipFactory(user__email="amal@example.com")
        for _attempt in range(5):
            assert login("amal@example.com", "wrong").status_code == 401

        locked = login("amal@example.com", PASSWORD)

        assert locked.status_code == 429 and locked.json()["error"]["code"] == "throttled"
        assert 0 < int(locked["Retry-After"]) <= 15 * 60
        # the victim from their own address is not locked out by the attacker's failures
        assert login("amal@example.com", PASSWORD, address="198.51.100.9").status_code == 200
        # nor another user from the attacker's address
        factories.MembershipFactory(workspace=member.workspace, user__email="badr@example.com")
        assert login("badr@example.com", PASSWORD).status_code == 200


def _burst(count: int, email: str, password: str) -> list[int]:
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(login(email, password).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit_on_redis():
    # given 12 wrong guesses for one account, sent at once from one address
    with override_settings(CACHES=redis_cache()):
        factories.MembershipFactory(user__email="amal@example.com")
        statuses = _burst(12, "amal@example.com", "wrong")
        # then exactly 5 reached the password check and the other 7 were throttled
        assert sorted(statuses) == [401] * 5 + [429] * 7, statuses
        assert login("amal@example.com", PASSWORD).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit_on_the_database_cache():
    factories.MembershipFactory(user__email="amal@example.com")
    statuses = _burst(12, "amal@example.com", "wrong")
    assert sorted(statuses) == [401] * 5 + [429] * 7, statuses
    assert login("amal@example.com", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_successful_logins_never_use_up_the_allowance():
    factories.MembershipFactory(user__email="amal@example.com")
    for _attempt in range(20):
        assert login("amal@example.com", PASSWORD).status_code == 200
    for _attempt in range(4):
        assert login("amal@example.com", "wrong").status_code == 401
    assert login("amal@example.com", PASSWORD).status_code == 200


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_each_client_address_has_its_own_count():
    # given one proxy in front that appends the client's address to X-Forwarded-For
    proxy = "10.0.0.2"
    factories.MembershipFactory(user__email="amal@example.com")
    factories.MembershipFactory(user__email="badr@example.com")
    # when one client behind it fails 60 times (past the per-address limit of 50)
    for n in range(60):
        login(f"spray{n}@example.com", "wrong", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert login("amal@example.com", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66").status_code == 429
    # then other clients behind the same proxy still log in
    ok = login("badr@example.com", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert ok.status_code == 200
    # and the attacker cannot dodge the count by sending an X-Forwarded-For of its own:
    # the proxy appends the address it saw, and that last entry is the one counted
    dodge = login("amal@example.com", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    assert dodge.status_code == 429


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_x_forwarded_for_changes_nothing(settings):
    # given no trusted proxy (the default): the peer's address is the client's
    assert settings.TRUSTED_PROXY_COUNT == 0
    factories.MembershipFactory(user__email="amal@example.com")
    for n in range(5):
        login("amal@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    # then a fresh X-Forwarded-For gives no fresh allowance
    assert login("amal@example.com", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
