"""Production starts that the environment cannot weaken; headers every answer carries."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from django.test import Client

from tests.test_project import base_env, manage

pytestmark = pytest.mark.django_db

SECRET = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)") for _ in range(50))
PROBE = """
import json
from django.conf import settings
from django.test import Client
plain = Client().get("/api/v1/me")
forged = Client().get("/api/v1/me", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "secret": settings.SECRET_KEY,
    "hasher": settings.PASSWORD_HASHERS[0],
    "proxy": settings.SECURE_PROXY_SSL_HEADER,
    "redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "email": settings.EMAIL_BACKEND,
    "plain": plain.status_code,
    "forged": forged.status_code,
}))
"""


def production(**extra) -> dict[str, str]:
    return base_env() | {"DEBUG": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "testserver"} | extra


def probe(env: dict[str, str]) -> dict:
    completed = manage("shell", "-c", PROBE, env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_testing_set_by_mistake_does_not_weaken_a_production_start():
    # given a production environment where TESTING=1 was left by mistake
    env = production(TESTING="1")

    # then the settings are production's: the given key, a real hasher, HTTPS enforced
    found = probe(env)
    assert found["secret"] == SECRET
    assert found["hasher"] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert found["redirect"] is True and found["hsts"] == 31536000
    # and without a SECRET_KEY it still refuses to start
    completed = manage("check", env=production(TESTING="1", SECRET_KEY=""), timeout=120)
    assert completed.returncode != 0
    assert "SECRET_KEY" in completed.stderr


def test_a_forged_forwarded_proto_is_not_https_unless_a_tls_proxy_is_declared():
    # by default (BEHIND_TLS_PROXY unset) a plain-HTTP request claiming https is redirected to https
    found = probe(production())
    assert found["proxy"] is None
    assert found["plain"] == 301 and found["forged"] == 301
    # behind a declared TLS proxy, its header is believed
    behind = probe(production(BEHIND_TLS_PROXY="1"))
    assert behind["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind["plain"] == 301 and behind["forged"] == 401


def test_production_without_smtp_logs_that_nothing_was_sent_rather_than_print_the_email():
    assert probe(production())["email"] == "workspaces.accounts.mail.UnconfiguredEmailBackend"
    assert probe(production(EMAIL_HOST="smtp.example.com"))["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_development_prints_emails_to_the_console():
    env = base_env() | {"DEBUG": "1"}
    completed = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)", env=env)
    assert completed.stdout.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"


# --- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/me", 401),
        ("get", "/v1/workspace/0123456789abcdef01234567/clients", 401),
        ("post", "/api/v1/auth/token", 415),  # a form body: JSON only
        ("get", "/api/v1/nowhere", 404),
        ("get", "/api/v1/schema", 200),
    ],
)
def test_every_api_answer_says_no_store(method, path, status):
    response = getattr(Client(), method)(path)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_api_answers_with_health_data_say_no_store(owner, workspace):
    response = owner.get(f"/api/v1/workspace/{workspace.pk}/clients")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_too_large_body_is_no_store_too(owner):
    response = owner.generic("POST", "/api/v1/me/password", "x" * 2_000_000, content_type="application/json")
    assert response.status_code == 413
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs", "/password-reset/"])
def test_the_admin_and_the_docs_carry_a_content_security_policy(path):
    response = Client().get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no other origin
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script would be blocked"
    handlers = re.findall(r"<[^>]*\son[a-z]+\s*=[^>]*>", html)
    assert not handlers, f"inline event handlers would be blocked: {handlers}"


def test_swagger_uis_setup_script_is_served_as_a_file():
    html = Client().get("/api/docs").content.decode()
    script = re.search(r'<script src="(/api/docs\?[^"]*script=[^"]*)"', html.replace("&amp;", "&"))
    assert script, html
    response = Client().get(script.group(1))
    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


def test_every_variable_the_settings_read_is_documented():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    settings_source = (root / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    internal = {"TEST_DATABASE_NAME", "LOG_LEVEL", "LOGIN_THROTTLE_RATE", "TESTING"}  # test and tuning knobs
    assert {"EMAIL_HOST", "DEFAULT_FROM_EMAIL", "PASSWORD_RESET_URL", "BEHIND_TLS_PROXY"} <= read
    assert not [name for name in read - internal if name not in example], "missing from .env.example"
    assert not [name for name in read - internal - {"JWT_SIGNING_KEY"} if f"`{name}`" not in readme]
