"""Accounts: real SMTP (aiosmtpd) and real TOTP codes (django-otp's own algorithm)."""

from __future__ import annotations

import email
import socket
import time
from email import policy

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests import factories

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
NEW_PASSWORD = "a-fresh-long-passphrase-91"


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's authenticator app would show (``steps_ahead`` 30-second steps later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A current code the device has not seen used (forgets the last used time step, and any
    slow-down after failures): for tests that are not about replays."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    return totp_code(device)


def enrol(user) -> TOTPDevice:
    """A confirmed TOTP device for ``user`` (as after /me/two-factor and its confirmation)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    user.refresh_from_db()
    assert user.two_factor_enabled
    return device


def login(email_address: str, password: str = PASSWORD, address: str = "203.0.113.7", **extra):
    return APIClient().post(
        "/api/v1/auth/token",
        {"email": email_address, "password": password, **extra},
        format="json",
        REMOTE_ADDR=address,
    )


def with_token(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def member(workspace):
    return factories.MembershipFactory(workspace=workspace, role="owner", user__email="amal@example.com")


class Inbox:
    """What the SMTP server received: parsed messages."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait(self, count: int = 1, timeout: float = 15.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd) that the app's SMTP backend sends to."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Clinic <no-reply@clinic.example>"
    try:
        yield inbox
    finally:
        controller.stop()
