"""TOTP two-factor on django-otp's TOTP devices: the login check and the flag on the user row.

A user has two-factor when they hold a *confirmed* device. ``User.two_factor_enabled`` mirrors
that, so that the workspace check (``requireTwoFactor``) reads it from the user row every request
loads anyway; the signals below keep it in step whatever door changes a device.

Codes are checked by django-otp: a code is accepted once (a replay of the same time step is
refused) and failures slow further tries down (django-otp's throttling), on top of the login
counter of :mod:`workspaces.accounts.login_counter`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.models import User

OTP_REQUIRED = _("Enter the code from your authenticator app.")
OTP_INVALID = _("The authenticator code is wrong or was already used.")


class CodeMissingError(Exception):
    """The user has two-factor and no code came with the login."""


class CodeWrongError(Exception):
    """The code is not the current one, was used already, or tries are being slowed down."""


def clean_code(code) -> str:
    """A code as typed: digits, maybe with spaces ("123 456")."""
    return "".join(str(code or "").split())


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def verify(device: TOTPDevice, code) -> bool:
    """django-otp's check (once per time step, throttled after failures); committed either way."""
    code = clean_code(code)
    return bool(code) and code.isdigit() and device.verify_token(code)


def login_check(*, user: User, code) -> None:
    """Nothing for a user without two-factor; else the code must be the device's current one."""
    if not user.two_factor_enabled:
        return
    if not clean_code(code):
        raise CodeMissingError()
    device = confirmed_device(user)
    # a flag without a device (cannot happen while the signals run): refuse rather than let in
    if device is None or not verify(device, code):
        raise CodeWrongError()


def sync_flag(user_id) -> None:
    """Set ``two_factor_enabled`` from the devices, in one UPDATE."""
    User.objects.filter(pk=user_id).update(
        two_factor_enabled=Exists(TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True))
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="two_factor_flag_on_save")
def _device_saved(sender, instance: TOTPDevice, **kwargs) -> None:
    sync_flag(instance.user_id)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="two_factor_flag_on_delete")
def _device_deleted(sender, instance: TOTPDevice, **kwargs) -> None:
    sync_flag(instance.user_id)
