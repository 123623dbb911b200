"""Sending account emails (password reset) through Django's email framework.

The SMTP settings come from the environment under Django's own names (``EMAIL_HOST``, ...); with
``EMAIL_HOST`` unset, development prints emails to the console and production logs that nothing
was sent (never the email itself: a reset link in a log would open the account).
"""

from __future__ import annotations

import logging
import smtplib
import threading

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

_pending: list[threading.Thread] = []


class UnconfiguredEmailBackend(BaseEmailBackend):
    """Production without EMAIL_HOST: every send fails (an SMTP error saying why), so that whoever
    sends records it as failed (clients' emails) or logs it (reset emails); nothing pretends to
    have been sent."""

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning("EMAIL_HOST is not set: email %r not sent", message.subject)
        raise smtplib.SMTPException("EMAIL_HOST is not set: no SMTP server to send through")


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # an SMTP server down must not go unnoticed, nor crash anything
        logger.exception("sending email %r failed", message.subject)


def send_in_background(message: EmailMessage) -> threading.Thread:
    """Send ``message`` on a thread of its own, so that the request's answer (and its timing)
    does not depend on the SMTP server. The connection is opened with the settings of now."""
    message.connection = message.connection or get_connection()
    thread = threading.Thread(target=_send, args=(message,), name="account-email", daemon=True)
    _pending[:] = [t for t in _pending if t.is_alive()]
    _pending.append(thread)
    thread.start()
    return thread


def wait_for_emails(timeout: float = 10.0) -> None:
    """Wait for the emails being sent (tests, and a command that must not exit before they go)."""
    for thread in list(_pending):
        thread.join(timeout)
