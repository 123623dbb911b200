"""Emails to clients about their bookings: which ones a write calls for, reminders, and sending.

Which (:func:`enqueue_for_booking`, from the write hook, inside the write's transaction), for a
client with an email address and a booking in its kind's first status (``scheduled``) that has
not started yet:

- booked: a confirmation, and a reminder ``reminderHours`` before the start for each of the
  workspace's hours whose time is still ahead;
- moved (date, start time, length) or given to another staff member: a change, and the pending
  reminders dropped and made again for the new time;
- given to another client: a confirmation to that client (reminders made again);
- cancelled, or deleted: a cancellation, and the pending reminders dropped;
- any other move out of ``scheduled`` (completed, no-show, in progress): reminders dropped.

Each email is a row (:class:`notifications.models.Email`) queued with its job. What it says is
the booking as the write left it (its historical row), in the client's language, with times in
the workspace's zone and an ``.ics`` (:mod:`notifications.ics`).

Sending (:func:`send`): the job locks the row, skips it unless it is queued, sends it through
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
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, booking_models
from notifications import ics, queue
from notifications.models import Email, EmailKind, EmailState, Reminder, ReminderState
from workspaces.models import Client, Membership
from workspaces.timezones import utc_to_local

#: the status every kind calls a cancellation (both lifecycles have it)
CANCELLED = "cancelled"
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


def _kind_model(kind: str) -> type[Booking]:
    return next(model for model in booking_models() if model.kind == kind)


def _history_model(model: type[Booking]):
    from history.models import RECORDED

    return RECORDED[model]


# --------------------------------------------------------------------------------------------
# Which emails a write calls for (the write hook)
# --------------------------------------------------------------------------------------------


def _upcoming(model: type[Booking], row, now: datetime) -> bool:
    return row is not None and row.status == model.lifecycle.initial and row.starts_at > now


def _moved(before, after) -> bool:
    return (before.date, before.start_time, before.duration_minutes, before.staff_id) != (
        after.date,
        after.start_time,
        after.duration_minutes,
        after.staff_id,
    )


def enqueue_for_booking(booking: Booking, record, previous) -> None:
    """Queue what the write behind ``record`` (a historical row of ``booking``) calls for."""
    model = type(booking)
    now = timezone.now()
    email_kind = None
    drop = schedule = False
    if record.history_type == "+":
        if _upcoming(model, record, now):
            email_kind, schedule = EmailKind.CONFIRMATION, True
    elif record.history_type == "-":
        drop = True
        if _upcoming(model, record, now):
            email_kind = EmailKind.CANCELLATION
    else:
        before = previous()
        if before is None:
            return
        if record.status == CANCELLED and before.status != CANCELLED:
            drop = True
            if _upcoming(model, before, now):
                email_kind = EmailKind.CANCELLATION
        elif _upcoming(model, record, now) and before.client_id != record.client_id:
            email_kind, drop, schedule = EmailKind.CONFIRMATION, True, True
        elif _upcoming(model, record, now) and _moved(before, record):
            email_kind, drop, schedule = EmailKind.CHANGE, True, True
        elif _moved(before, record) or (record.status != before.status and before.status == model.lifecycle.initial):
            drop = True  # moved into the past, or out of its first status: no reminder any more
    reference = {"workspace_id": record.workspace_id, "booking_kind": model.kind, "booking_id": record.id}
    if drop and record.history_type != "+":
        Reminder.objects.filter(**reference, state=ReminderState.PENDING).update(
            state=ReminderState.DROPPED, updated_at=now
        )
    if email_kind is None and not schedule:
        return
    client = _client(booking, record.client_id)
    if client is None or not client.email:
        return
    from notifications import tasks

    jobs = []
    if email_kind is not None:
        email = Email.objects.create(
            **reference,
            kind=email_kind,
            history_id=record.history_id,
            to=client.email,
            language=client.language or booking.workspace.language,
            sequence=_next_sequence(reference),
        )
        jobs.append(queue.Job(tasks.send_email, {"email_id": email.pk}))
    if schedule:
        due = sorted({record.starts_at - timedelta(hours=hours) for hours in booking.workspace.reminder_hours})
        reminders = Reminder.objects.bulk_create(
            Reminder(**reference, hours=int((record.starts_at - at).total_seconds() // 3600), due_at=at)
            for at in due
            if at > now
        )
        jobs += [queue.Job(tasks.send_reminder, {"reminder_id": r.pk}, schedule_at=r.due_at) for r in reminders]
    queue.defer(*jobs)


def _client(booking: Booking, client_id: str) -> Client | None:
    """The booking's client (the one already loaded with it, when it is that one)."""
    if type(booking).client.is_cached(booking) and booking.client.pk == client_id:
        return booking.client
    return Client.objects.filter(pk=client_id).only("email", "language", "workspace_id").first()


def _next_sequence(reference: dict) -> int:
    """The .ics SEQUENCE of the next email about a booking: one more than the last (0 first)."""
    last = Email.objects.filter(**reference).exclude(kind=EmailKind.REMINDER).aggregate(last=Max("sequence"))["last"]
    return 0 if last is None else last + 1


# --------------------------------------------------------------------------------------------
# A reminder falls due (its job)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def fall_due(reminder_id: str) -> None:
    """Turn a pending reminder into a queued email, once: under the reminder's row lock."""
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
    if reminder is None or reminder.state != ReminderState.PENDING:
        return  # dropped (moved, cancelled, deleted) or already sent
    from notifications import tasks

    now = timezone.now()
    if reminder.due_at > now + timedelta(seconds=1):  # (run early: a worker's clock) not yet
        queue.defer(queue.Job(tasks.send_reminder, {"reminder_id": reminder.pk}, schedule_at=reminder.due_at))
        return
    model = _kind_model(reminder.booking_kind)
    record = (
        _history_model(model)
        .objects.filter(workspace_id=reminder.workspace_id, id=reminder.booking_id)
        .order_by("-history_date", "-history_id")
        .first()
    )
    client = None if record is None else Client.objects.filter(pk=record.client_id).first()
    if (
        record is None
        or record.history_type == "-"
        or not _upcoming(model, record, now)
        or not (client and client.email)
    ):
        reminder.state = ReminderState.DROPPED
        reminder.save(update_fields=["state", "updated_at"])
        return
    reference = {"workspace_id": reminder.workspace_id, "booking_kind": model.kind, "booking_id": record.id}
    last = _next_sequence(reference) - 1
    email = Email.objects.create(
        **reference,
        kind=EmailKind.REMINDER,
        history_id=record.history_id,
        to=client.email,
        language=client.language,
        sequence=max(last, 0),
    )
    reminder.state, reminder.email = ReminderState.SENT, email
    reminder.save(update_fields=["state", "email", "updated_at"])
    queue.defer(queue.Job(tasks.send_email, {"email_id": email.pk}))


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
    model = _kind_model(email.booking_kind)
    record = _history_model(model).objects.get(workspace_id=email.workspace_id, history_id=email.history_id)
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
        uid=ics.booking_uid(model.kind, email.booking_id),
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
