"""Sending an email to a client: rendered in their language, sent once, recorded.

The job (:func:`send`) locks the row, skips it unless it is queued, sends it through
Django's email framework and records it as sent, in one transaction. So a row recorded as sent
is never sent again. The window: between the SMTP server's acceptance of the message (its
answer to DATA) and the commit that records it, a crash of the worker (SIGKILL, power) leaves
the row queued and its lock released (the database ends the dead connection's transaction); the
job is then found stalled and run again, and the client receives that email twice. SMTP and
PostgreSQL share no transaction, so one of "possibly twice" or "possibly never" must be chosen
for that window, and a reminder that never comes is the worse failure; recording first and
sending after would lose the email instead. The window is the time of one COMMIT, and every try
of an email carries the same ``Message-ID`` (from the row's id), by which mail systems and
clients can recognise a duplicate.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from backoffice.feeds import booking_uid
from bookings.models import Booking
from notifications import ics, queue
from notifications.emails import booking_model, history_model
from notifications.models import Email, EmailKind, EmailState
from workspaces.models import Client, Membership
from workspaces.timezones import utc_to_local

#: the right-hand side of every Message-ID (fixed: a resent email keeps its id)
MESSAGE_ID_DOMAIN = "mail.practice-management.invalid"

SUBJECTS = {
    EmailKind.CONFIRMATION: _("Booked: %(what)s, %(when)s"),
    EmailKind.CHANGE: _("Changed: %(what)s, now %(when)s"),
    EmailKind.CANCELLATION: _("Cancelled: %(what)s, %(when)s"),
    EmailKind.REMINDER: _("Reminder: %(what)s, %(when)s"),
}
INTROS = {
    EmailKind.CONFIRMATION: _("Your booking with %(workspace)s is confirmed."),
    EmailKind.CHANGE: _("Your booking with %(workspace)s has changed. These are its new details."),
    EmailKind.CANCELLATION: _("Your booking with %(workspace)s has been cancelled."),
    EmailKind.REMINDER: _("A reminder of your booking with %(workspace)s."),
}
CALENDAR_NOTE = _("The attached invitation adds it to your calendar, or updates it there.")
CALENDAR_CANCEL_NOTE = _("The attached cancellation removes it from your calendar.")
WHEN = _("%(date)s, %(start)s–%(end)s")
DESCRIPTION = _("%(workspace)s · %(what)s")


class EmailNotSentError(Exception):
    """The SMTP server did not take the email this time: the job is retried on the backoff schedule."""


# --------------------------------------------------------------------------------------------
# Rendering and sending (its job)
# --------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    ics: bytes
    method: str


def _what(model: type[Booking], record) -> tuple[str, str]:
    """What the booking is (its services, its topic) and where (a meeting link or a place)."""
    if model.kind == "session":
        from services.models import Service

        names = dict(
            Service.objects.filter(workspace_id=record.workspace_id, pk__in=record.service_ids).values_list(
                "pk", "name"
            )
        )
        listed = [names[pk] for pk in record.service_ids if pk in names]
        return (", ".join(listed) or record.name), ""
    if model.kind == "consultation":
        from nutrition.models import CONSULTATION_TITLE

        return (record.topic or str(CONSULTATION_TITLE)), (record.meeting_link or record.location or "")
    return str(model._meta.verbose_name), ""


def render(email: Email) -> Rendered:
    model = booking_model(email.booking_kind)
    record = history_model(model).objects.get(workspace_id=email.workspace_id, history_id=email.history_id)
    workspace = email.workspace
    client = Client.objects.filter(pk=record.client_id).first()
    staff = Membership.objects.select_related("user").filter(pk=record.staff_id).first() if record.staff_id else None
    starts = utc_to_local(record.starts_at, workspace.timezone)
    ends = utc_to_local(record.ends_at, workspace.timezone)
    cancel = email.kind == EmailKind.CANCELLATION
    with translation.override(email.language):
        what, where = _what(model, record)
        when = str(WHEN) % {
            "date": formats.date_format(starts, "l j F Y"),
            "start": starts.strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
        }
        subject = " ".join((str(SUBJECTS[email.kind]) % {"what": what, "when": when}).split())  # one line
        context = {
            "language": email.language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "subject": subject,
            "workspace": workspace.name,
            "client": client.name if client else "",
            "intro": str(INTROS[email.kind]) % {"workspace": workspace.name},
            "what": what,
            "when": when,
            "timezone": workspace.timezone,
            "staff": staff.user.get_full_name() if staff else "",
            "where": where,
            "note": str(CALENDAR_CANCEL_NOTE if cancel else CALENDAR_NOTE),
            "cancelled": cancel,
        }
        text = render_to_string("notifications/email/booking.txt", context)
        html = render_to_string("notifications/email/booking.html", context)
        description = str(DESCRIPTION) % {"workspace": workspace.name, "what": what}
    _from_name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    invitation = ics.invitation(
        uid=booking_uid(model.kind, email.booking_id),
        sequence=email.sequence,
        cancel=cancel,
        starts=starts,
        ends=ends,
        tz_name=workspace.timezone,
        summary=f"{what} · {workspace.name}",
        location=where,
        description=description,
        organizer_email=from_address or settings.DEFAULT_FROM_EMAIL,
        organizer_name=workspace.name,
        attendee_email=email.to,
        attendee_name=client.name if client else email.to,
        stamp=email.created_at,
    )
    return Rendered(subject, text, html, invitation, "CANCEL" if cancel else "REQUEST")


def message(email: Email, rendered: Rendered) -> EmailMultiAlternatives:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = formataddr((email.workspace.name, address or settings.DEFAULT_FROM_EMAIL))
    mail = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        from_email=sender,
        to=[email.to],
        headers={"Message-ID": f"<{email.pk}@{MESSAGE_ID_DOMAIN}>", "Content-Language": email.language},
    )
    mail.attach_alternative(rendered.html, "text/html")
    part = MIMEText(rendered.ics.decode(), "calendar", "utf-8")
    part.set_param("method", rendered.method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    mail.attach(part)
    return mail


#: SMTP answers that no retry will change (a refused address, a message refused as such)
def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def send(email_id: str, *, failures_before: int, backoff: queue.Backoff) -> None:
    """Send a queued email once; record it sent, or the failure (raising :class:`EmailNotSentError` to retry)."""
    broken: Exception | None = None
    retry = False
    with transaction.atomic():
        email = Email.objects.select_for_update().select_related("workspace").filter(pk=email_id).first()
        if email is None or email.state != EmailState.QUEUED:
            return  # recorded as sent (or failed) already: never sent again
        email.attempts += 1
        try:
            rendered = render(email)
            email.subject, email.body = rendered.subject, rendered.text
            mail = message(email, rendered)
        except Exception as exc:  # (a bug, not the SMTP server: no retry would change it) recorded, then raised
            email.state, email.last_error, broken = EmailState.FAILED, f"{type(exc).__name__}: {exc}"[:2000], exc
        else:
            try:
                mail.send(fail_silently=False)
            except (smtplib.SMTPException, OSError) as exc:
                email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                final = _permanent(exc) or backoff.gives_up_after(failures_before + 1)
                email.state = EmailState.FAILED if final else EmailState.QUEUED
                retry = not final
            else:
                # <- the window: the SMTP server has the message; the row says queued until COMMIT
                email.state, email.sent_at, email.last_error = EmailState.SENT, timezone.now(), ""
        email.save(update_fields=["subject", "body", "attempts", "last_error", "state", "sent_at", "updated_at"])
    if broken is not None:
        raise broken
    if retry:
        raise EmailNotSentError(email.last_error)
