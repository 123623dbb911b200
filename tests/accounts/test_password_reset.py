"""Password reset by email: a real SMTP server (aiosmtpd) receives the link; its token works once;
the answer never tells whether an account exists."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, login
from workspaces.accounts.mail import wait_for_emails

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/password-reset/(?P<token>[0-9a-f]{24}-[0-9a-z]+-[0-9a-f]+)")


def ask(email: str, prefix: str = "/api/v1"):
    return APIClient().post(f"{prefix}/auth/password-reset", {"email": email}, format="json")


def confirm(token: str, password: str = NEW_PASSWORD):
    return APIClient().post(
        "/api/v1/auth/password-reset/confirm", {"token": token, "newPassword": password}, format="json"
    )


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_reset_email_carries_a_link_whose_token_works_once(member, smtp_server):
    # when the user asks for a reset
    response = ask("Amal@Example.com")
    assert response.status_code == 202
    assert response.content == b""

    # then a real SMTP server receives one email for them, with a link holding the token
    [message] = smtp_server.wait(1)
    assert message["To"] == "amal@example.com"
    assert message["From"] == "Clinic <no-reply@clinic.example>"
    assert message["Subject"] == "Reset your password"
    match = LINK.search(text_of(message))
    assert match, text_of(message)
    token = match["token"]
    assert token in message.get_body(preferencelist=("html",)).get_content()

    # and the token sets a new password, once
    assert confirm(token).status_code == 204
    again = confirm(token, "another-long-passphrase-7")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"
    assert set(again.json()["error"]["fields"]) == {"token"}
    assert login("amal@example.com", NEW_PASSWORD).status_code == 200
    assert login("amal@example.com", PASSWORD).status_code == 401

    # and the link itself opens this server's reset page (no PASSWORD_RESET_URL set)
    page = Client().get(match.group(0).split("testserver", 1)[1])
    assert page.status_code == 200
    assert "invalid" in page.content.decode()  # already used


def test_an_unknown_or_inactive_email_gets_the_same_answer_and_no_email(member, smtp_server, workspace):
    factories.MembershipFactory(workspace=workspace, user__email="gone@example.com", user__is_active=False)

    answers = [ask(email) for email in ("nobody@example.com", "gone@example.com", "not-an-email", "amal@example.com")]

    assert {(r.status_code, r.content) for r in answers} == {(202, b"")}
    wait_for_emails()
    assert [m["To"] for m in smtp_server.wait(1)] == ["amal@example.com"]


def test_a_missing_email_field_is_400_naming_it():
    response = APIClient().post("/api/v1/auth/password-reset", {}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]


def test_the_email_is_in_the_users_language(member, smtp_server):
    member.user.language = "ar"
    member.user.save()

    assert ask("amal@example.com", prefix="/v1").status_code == 202

    [message] = smtp_server.wait(1)
    assert message["Subject"].strip() == "إعادة تعيين كلمة المرور"  # (an encoded word folded onto its own line)
    assert 'dir="rtl"' in message.get_body(preferencelist=("html",)).get_content()


def test_at_most_three_emails_per_address_per_window(member, smtp_server):
    for _attempt in range(5):
        assert ask("amal@example.com").status_code == 202
    wait_for_emails()
    assert len(smtp_server.wait(3)) == 3


def test_the_link_points_at_the_frontend_when_configured(member, smtp_server, settings):
    settings.PASSWORD_RESET_URL = "https://app.example.com/reset?token={token}"
    ask("amal@example.com")
    [message] = smtp_server.wait(1)
    assert re.search(r"https://app\.example\.com/reset\?token=[0-9a-f]{24}-", text_of(message))


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "0123456789abcdef01234567-abc-def", "zz-1-2"],
)
def test_a_bad_token_is_400(member, token):
    response = confirm(token)
    assert response.status_code == 400
    assert "token" in response.json()["error"]["fields"]


def test_a_weak_new_password_is_400_and_the_token_still_works(member):
    from django.contrib.auth.tokens import default_token_generator

    token = f"{member.user.pk}-{default_token_generator.make_token(member.user)}"

    weak = confirm(token, "12345678")
    assert weak.status_code == 400
    assert set(weak.json()["error"]["fields"]) == {"newPassword"}
    assert confirm(token).status_code == 204


def test_the_reset_pages_work_end_to_end(member, smtp_server):
    browser = Client()
    # the admin login's "forgotten" link leads to the request page
    assert browser.get("/password-reset/").status_code == 200
    sent = browser.post("/password-reset/", {"email": "amal@example.com"})
    assert sent.status_code == 302
    assert browser.get(sent["Location"]).status_code == 200

    [message] = smtp_server.wait(1)
    path = "/password-reset/" + LINK.search(text_of(message))["token"]
    form = browser.get(path)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()

    mismatch = browser.post(path, {"new_password1": NEW_PASSWORD, "new_password2": "different-passphrase-1"})
    assert mismatch.status_code == 200 and 'name="new_password1"' in mismatch.content.decode()
    done = browser.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 200
    assert 'href="/admin/login/"' in done.content.decode()
    assert login("amal@example.com", NEW_PASSWORD).status_code == 200
    assert "new_password1" not in browser.get(path).content.decode()  # used
