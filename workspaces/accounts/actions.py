"""Write logic of accounts: profile, workspace settings, passwords, resets, two-factor.

Every door (API, admin pages, reset pages, ops commands) goes through these. A password is set
in one place, :func:`user_set_password` (Django's validators, then ``set_password``): the new
hash is what ends every earlier token (their digest no longer matches) and cookie session
(Django's session hash), so no door has anything else to do.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from workspaces.accounts import two_factor
from workspaces.accounts.mail import send_in_background
from workspaces.errors import ConflictError, InvalidError
from workspaces.ids import is_object_id
from workspaces.models import User, Workspace

logger = logging.getLogger(__name__)

WRONG_PASSWORD = _("The current password is wrong.")
BAD_RESET_TOKEN = _("This reset link is invalid, expired or already used; ask for a new one.")
TWO_FACTOR_ALREADY = _("Two-factor authentication is already on; turn it off first to enrol a new device.")
TWO_FACTOR_NOT_STARTED = _("Start the enrolment first: no device is waiting for confirmation.")
TWO_FACTOR_OFF = _("Two-factor authentication is not on.")
WRONG_CODE = _("The code is wrong, expired or already used.")
ENROL_YOURSELF_FIRST = _("Turn on two-factor authentication for your own account before requiring it here.")
RESET_SUBJECT = _("Reset your password")

#: reset emails sent for one address per window (more requests are answered alike and send nothing)
RESET_EMAILS_PER_WINDOW = 3


# --------------------------------------------------------------------------------------------
# Profile and workspace settings
# --------------------------------------------------------------------------------------------


@transaction.atomic
def user_update(*, user: User, **fields) -> User:
    """``name`` and ``language``: what a user may change about themselves."""
    for name, value in fields.items():
        setattr(user, name, value)
    if fields:
        user.save(update_fields=list(fields))
    return user


@transaction.atomic
def workspace_update(*, workspace: Workspace, changed_by: User, **fields) -> Workspace:
    """Name, time zone, language, reminder hours and ``require_two_factor`` (the subscription is
    the ops command's). Requiring two-factor needs it on the owner's or admin's own account first,
    so that nobody locks themselves out of their own workspace."""
    if fields.get("require_two_factor") and not workspace.require_two_factor and not changed_by.two_factor_enabled:
        raise ConflictError(ENROL_YOURSELF_FIRST, code="two_factor_not_enabled", field="require_two_factor")
    if "reminder_hours" in fields:
        fields["reminder_hours"] = sorted(set(fields["reminder_hours"]), reverse=True)
    for name, value in fields.items():
        setattr(workspace, name, value)
    if fields:
        workspace.save(update_fields=[*fields, "updated_at"])
    return workspace


# --------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------


def password_validate(*, password: str, user: User | None = None, field: str = "password") -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS); 400 ``weak_password``."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidError(" ".join(exc.messages), code="weak_password", field=field) from None


def user_set_password(*, user: User, password: str, field: str = "password") -> User:
    """Validate and set ``password``: the one place every door sets a password through."""
    password_validate(password=password, user=user, field=field)
    user.set_password(password)
    if user.pk is not None and not user._state.adding:
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """The user's own change: the current password first. Every token and cookie session
    issued before it is refused from now on, this request's own included."""
    if not user.check_password(current_password):
        raise InvalidError(WRONG_PASSWORD, code="wrong_password", field="current_password")
    return user_set_password(user=user, password=new_password, field="new_password")


def _reset_token(user: User) -> str:
    # <user id (24 hex)>-<Django's token>: hashed over the password hash and last login, so it
    # stops working at the first password change (the reset itself) and after PASSWORD_RESET_TIMEOUT
    return f"{user.pk}-{default_token_generator.make_token(user)}"


def _reset_user(token: str) -> User | None:
    user_id, _sep, django_token = (token or "").partition("-")
    if not is_object_id(user_id) or not django_token:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, django_token):
        return None
    return user


def password_reset_user(*, token: str) -> User | None:
    """The user a reset token is still good for, or None (what the reset page asks first)."""
    return _reset_user(token)


def reset_link(request) -> Callable[[str], str]:
    """How a reset token becomes the email's link: PASSWORD_RESET_URL (a frontend's page,
    "{token}" standing for the token), else this server's own reset page on the host the request
    came to (which ALLOWED_HOSTS has vouched for)."""

    def link(token: str) -> str:
        if settings.PASSWORD_RESET_URL:
            return settings.PASSWORD_RESET_URL.replace("{token}", token)
        return request.build_absolute_uri(reverse("password-reset-confirm", args=[token]))

    return link


def password_reset_request(*, email: str, link: Callable[[str], str]) -> None:
    """Email a one-time reset link (``link(token)``) to the active user with that email, if any.

    Answers the same whether or not the account exists: nothing is raised, and the email is sent
    in the background so that the time taken does not tell either. At most
    RESET_EMAILS_PER_WINDOW emails per address per 15 minutes (more are silently dropped).
    """
    from workspaces.accounts.login_counter import WINDOW_SECONDS, count_attempt

    email = (email or "").strip().lower()
    # counted for every address asked, known or not: the same work either way
    key = "password-reset:" + hashlib.sha256(email.encode()).hexdigest()
    over_limit = count_attempt(key, RESET_EMAILS_PER_WINDOW, WINDOW_SECONDS)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    if over_limit:
        logger.info("password reset: too many requests for one address; not sent")
        return
    context = {
        "user": user,
        "name": user.get_short_name(),
        "link": link(_reset_token(user)),
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    with translation.override(user.language):
        subject = str(RESET_SUBJECT)
        text = render_to_string("accounts/password_reset_email.txt", context)
        html = render_to_string("accounts/password_reset_email.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    send_in_background(message)


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str) -> User:
    """Set the password a reset token allows; the token (and every other one) then stops working."""
    user = _reset_user(token)
    if user is None:
        raise InvalidError(BAD_RESET_TOKEN, code="invalid_token", field="token")
    return user_set_password(user=user, password=new_password, field="new_password")


# --------------------------------------------------------------------------------------------
# Two-factor (TOTP)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def two_factor_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device (a previous unconfirmed one is dropped)."""
    if user.two_factor_enabled:
        raise ConflictError(TWO_FACTOR_ALREADY, code="two_factor_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def two_factor_confirm(*, user: User, code: str) -> User:
    """The first code from the app turns the pending device on. (The check runs outside a
    transaction so that django-otp's count of failed tries is kept when the code is wrong.)"""
    if user.two_factor_enabled:
        raise ConflictError(TWO_FACTOR_ALREADY, code="two_factor_enabled")
    device = two_factor.pending_device(user)
    if device is None:
        raise ConflictError(TWO_FACTOR_NOT_STARTED, code="two_factor_not_started")
    if not two_factor.verify(device, code):
        raise InvalidError(WRONG_CODE, code="invalid_code", field="code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])  # the signal sets user.two_factor_enabled
    user.two_factor_enabled = True
    return user


def two_factor_disable(*, user: User, code: str) -> User:
    """Turn two-factor off, proven with a current code; every device of the user goes."""
    device = two_factor.confirmed_device(user)
    if device is None:
        raise ConflictError(TWO_FACTOR_OFF, code="two_factor_not_enabled")
    if not two_factor.verify(device, code):
        raise InvalidError(WRONG_CODE, code="invalid_code", field="code")
    return two_factor_reset(user=user)


@transaction.atomic
def two_factor_reset(*, user: User) -> User:
    """Every device of the user goes (``two_factor_disable``, and ops' recovery for a lost phone:
    ``manage.py reset_two_factor``); the deletion's signal keeps the user's flag in step."""
    TOTPDevice.objects.filter(user=user).delete()
    user.refresh_from_db(fields=["two_factor_enabled"])
    return user
