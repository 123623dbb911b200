"""Two server processes share the failed-login count, on Redis and on the database cache.

Two ``gunicorn config.wsgi`` servers (production settings, loopback only) on this test
database: failures sent to them in turn add up to one lock, which both then enforce. A user
deactivated or a member removed loses access on both at once, with a token still valid.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests import factories
from tests.reliability import live
from workspaces.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database index of its own, flushed by this test


def this_database_url() -> str:
    """DATABASE_URL naming the database these tests run on (test_...), embedded server too."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def backend_env(backend: str) -> dict[str, str]:
    extra = {}
    if backend == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
        except redis.RedisError:
            pytest.skip(f"no Redis at {REDIS_URL}")
        extra["REDIS_URL"] = REDIS_URL
    return live.server_env(this_database_url(), **extra)


@pytest.fixture(scope="module", params=["redis", "database"])
def servers(request, django_db_setup):
    env = backend_env(request.param)
    pair = [live.Gunicorn(env, workers=1), live.Gunicorn(env, workers=1)]
    try:
        for server in pair:
            server.start()
        yield pair
    finally:
        for server in pair:
            server.stop()


def user_with_password(email: str, role: str = Role.VIEWER):
    """A member whose password the servers can check: their settings hash with PBKDF2, not the
    tests' MD5 (a low iteration count keeps each login fast)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    member = factories.MembershipFactory(role=role, user__email=email)
    member.user.password = PBKDF2PasswordHasher().encode(PASSWORD, uuid.uuid4().hex, iterations=1000)
    member.user.save()
    return member


def login(server, email: str, password: str) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=30)


def test_failures_on_two_processes_add_up_to_one_lock(servers):
    first, second = servers
    email = f"amal-{uuid.uuid4().hex[:6]}@example.com"
    user_with_password(email)
    user_with_password(f"badr.{email}")

    # when five wrong passwords go to the two servers in turn
    statuses = [login(servers[n % 2], email, "wrong").status_code for n in range(5)]

    # then the sixth try is refused by both, with the right password too
    assert statuses == [401] * 5
    for server in servers:
        locked = login(server, email, PASSWORD)
        assert locked.status_code == 429, locked.text
        assert locked.json()["error"]["code"] == "throttled" and int(locked.headers["Retry-After"]) > 0
    # while another account from the same address logs in on either
    assert login(first, f"badr.{email}", PASSWORD).status_code == 200
    assert login(second, f"badr.{email}", PASSWORD).status_code == 200


def test_deactivation_and_removal_apply_at_once_on_every_process(servers):
    member = user_with_password(f"nour-{uuid.uuid4().hex[:6]}@example.com", Role.OWNER)
    token = login(servers[0], member.user.email, PASSWORD).json()["access"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/workspace/{member.workspace_id}/members"
    assert [requests.get(s.url + url, headers=headers, timeout=30).status_code for s in servers] == [200, 200]

    # a removed member: 404 on both at once, the token still valid
    member.is_active = False
    member.save()
    assert [requests.get(s.url + url, headers=headers, timeout=30).status_code for s in servers] == [404, 404]

    # a deactivated user: 401 on both at once
    member.is_active = True
    member.save()
    member.user.is_active = False
    member.user.save()
    assert [requests.get(s.url + url, headers=headers, timeout=30).status_code for s in servers] == [401, 401]
