"""TOTP two-factor: enrolment, the second factor on both logins, turning it off."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import PASSWORD, enrol, fresh_code, login, totp_code, with_token
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def admin_login(client: Client, email: str, password: str = PASSWORD, otp: str = "", address: str = "203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "otp": otp},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def staff(member):
    # a practice's member signs in to the back office as they are: no staff flag (the back office's
    # rule, workspaces.admin_scope, asked by this form's confirm_login_allowed)
    assert not member.user.is_staff
    return member.user


# --- enrolment -------------------------------------------------------------------------------


def test_enrolment_gives_the_uri_and_a_qr_code_once_and_the_first_code_turns_it_on(member):
    client = bearer(member.user)

    # when the user starts enrolling
    started = client.post("/api/v1/me/two-factor")

    # then they get the otpauth URI, its QR code and the key, and nothing is required yet
    assert started.status_code == 201, started.content
    body = started.json()["twoFactor"]
    uri = urlsplit(body["otpauthUri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert "amal%40example.com" in uri.path
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert body["qrCode"].startswith("data:image/svg+xml")
    assert login("amal@example.com").status_code == 200

    # when they confirm with the code their app shows
    device = TOTPDevice.objects.get(user=member.user)
    confirmed = client.post("/api/v1/me/two-factor/confirm", {"code": totp_code(device)}, format="json")

    # then two-factor is on
    assert confirmed.status_code == 204, confirmed.content
    assert client.get("/api/v1/me").json()["user"]["twoFactorEnabled"] is True
    assert login("amal@example.com").json()["error"]["code"] == "otp_required"
    # and a second enrolment is refused until it is turned off
    assert client.post("/api/v1/me/two-factor").status_code == 409


def test_a_wrong_confirmation_code_is_400_and_leaves_two_factor_off(member):
    client = bearer(member.user)
    client.post("/api/v1/me/two-factor")

    response = client.post("/api/v1/me/two-factor/confirm", {"code": "000000"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code"
    assert set(response.json()["error"]["fields"]) == {"code"}
    member.user.refresh_from_db()
    assert not member.user.two_factor_enabled
    assert login("amal@example.com").status_code == 200


def test_confirming_without_starting_is_409(member):
    response = bearer(member.user).post("/api/v1/me/two-factor/confirm", {"code": "123456"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "two_factor_not_started"


def test_starting_again_replaces_the_pending_device(member):
    client = bearer(member.user)
    first = client.post("/api/v1/me/two-factor").json()["twoFactor"]["secret"]
    second = client.post("/api/v1/me/two-factor").json()["twoFactor"]["secret"]
    assert first != second
    assert TOTPDevice.objects.filter(user=member.user).count() == 1


def test_turning_it_off_needs_a_current_code(member):
    device = enrol(member.user)
    client = bearer(member.user)

    wrong = client.delete("/api/v1/me/two-factor", {"code": "000000"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_code"

    right = client.delete("/api/v1/me/two-factor", {"code": fresh_code(device)}, format="json")
    assert right.status_code == 204, right.content
    assert not TOTPDevice.objects.filter(user=member.user).exists()
    assert login("amal@example.com").status_code == 200
    assert client.delete("/api/v1/me/two-factor", {"code": "123456"}, format="json").status_code == 409


def test_the_flag_follows_the_devices_whatever_changes_them(member):
    device = enrol(member.user)
    device.delete()  # e.g. a shell
    member.user.refresh_from_db()
    assert not member.user.two_factor_enabled
    enrol(member.user)
    member.user.refresh_from_db()
    assert member.user.two_factor_enabled
    TOTPDevice.objects.filter(user=member.user).delete()  # a queryset's delete, as reset_two_factor's
    member.user.refresh_from_db()
    assert not member.user.two_factor_enabled


# --- the API's login -------------------------------------------------------------------------


def test_a_two_factor_user_without_a_code_gets_401_otp_required_and_gets_in_with_one(member, workspace):
    device = enrol(member.user)

    without = login("amal@example.com")
    wrong = login("amal@example.com", otp="000000")
    with_code = login("amal@example.com", otp=fresh_code(device))

    assert without.status_code == 401
    assert without.json()["error"]["code"] == "otp_required"
    assert without.has_header("WWW-Authenticate")
    assert set(without.json()) == {"error"}  # no token of any kind
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "otp_invalid"
    assert with_code.status_code == 200, with_code.content
    assert with_token(with_code.json()["access"]).get(f"/api/v1/workspace/{workspace.pk}/members").status_code == 200


def test_a_code_works_once(member):
    device = enrol(member.user)
    code = fresh_code(device)

    assert login("amal@example.com", otp=code).status_code == 200
    replay = login("amal@example.com", otp=code)

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "otp_invalid"


def test_a_wrong_password_says_nothing_about_two_factor(member):
    enrol(member.user)
    response = login("amal@example.com", "wrong-password")
    assert response.json()["error"]["code"] == "authentication_failed"


def test_wrong_codes_count_as_failed_logins_but_a_missing_one_does_not(member):
    device = enrol(member.user)
    for _attempt in range(10):  # the two-step login of a frontend: first without the code
        assert login("amal@example.com").json()["error"]["code"] == "otp_required"
    for _attempt in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # django-otp's own slow-down aside
        assert login("amal@example.com", otp="000000").status_code == 401

    assert login("amal@example.com", otp=fresh_code(device)).status_code == 429


# --- the admin's login -----------------------------------------------------------------------


def test_at_the_admin_login_too_wrong_codes_count_as_failed_logins_but_a_missing_one_does_not(staff):
    device = enrol(staff)
    browser = Client()
    for _attempt in range(10):  # asked for the code, the page is sent again with it: no failure
        assert 'data-code="otp_required"' in admin_login(browser, "amal@example.com").content.decode()
    for _attempt in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # django-otp's own slow-down aside
        assert admin_login(browser, "amal@example.com", otp="000000").status_code == 401

    throttled = admin_login(browser, "amal@example.com", otp=fresh_code(device))
    assert throttled.status_code == 429 and throttled.has_header("Retry-After")
    assert browser.get("/admin/").status_code == 302  # not in


def test_the_admin_login_asks_a_two_factor_user_for_the_code(staff):
    device = enrol(staff)
    browser = Client()

    # without the code: 401, the form says why, no session
    without = admin_login(browser, "amal@example.com")
    assert without.status_code == 401
    assert 'data-code="otp_required"' in without.content.decode()
    assert browser.get("/admin/").status_code == 302  # still to the login page

    # a wrong code: 401 otp_invalid
    wrong = admin_login(browser, "amal@example.com", otp="000000")
    assert wrong.status_code == 401
    assert 'data-code="otp_invalid"' in wrong.content.decode()

    # with the code from the app: in
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    right = admin_login(browser, "amal@example.com", otp=fresh_code(device))
    assert right.status_code == 302, right.content.decode()[:3000]
    assert right["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_the_admin_login_form_shows_the_code_field(staff):
    page = Client().get("/admin/login/")
    assert page.status_code == 200
    assert re.search(r'<input[^>]+name="otp"', page.content.decode())
    assert 'href="/password-reset/"' in page.content.decode()


def test_a_user_without_two_factor_logs_in_to_the_admin_with_the_code_field_empty(staff):
    browser = Client()
    response = admin_login(browser, "amal@example.com")
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_one_failed_login_counter_for_the_api_and_the_admin(staff):
    browser = Client()
    # given failures spread over both doors, from one address
    for _attempt in range(3):
        assert login("amal@example.com", "wrong-password").status_code == 401
    for _attempt in range(2):
        assert admin_login(browser, "amal@example.com", "wrong-password").status_code == 200  # the form again

    # then both doors are locked for that email from that address, even with the right password
    api = login("amal@example.com")
    admin = admin_login(browser, "amal@example.com")
    assert api.status_code == 429
    assert admin.status_code == 429
    assert 0 < int(admin["Retry-After"]) <= 15 * 60
    assert 'data-code="throttled"' in admin.content.decode()
    assert browser.get("/admin/").status_code == 302
    # another address is not locked
    assert admin_login(Client(), "amal@example.com", address="198.51.100.9").status_code == 302


# --- ops' recovery ---------------------------------------------------------------------------


def test_reset_two_factor_lets_a_user_who_lost_their_phone_log_in_with_the_password(member):
    import io
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    enrol(member.user)
    assert login("amal@example.com").status_code == 401

    out = io.StringIO()
    call_command("reset_two_factor", "--email", "AMAL@example.com", "--json", stdout=out)

    assert json.loads(out.getvalue()) == {
        "userId": member.user.pk,
        "email": "amal@example.com",
        "twoFactorEnabled": False,
    }
    assert login("amal@example.com").status_code == 200
    with pytest.raises(CommandError, match="No user"):
        call_command("reset_two_factor", "--email", "nobody@example.com", stdout=io.StringIO())


def test_totp_secrets_are_not_browsable_in_the_admin():
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert admin.site.login_form.__name__ == "AdminLoginForm"
