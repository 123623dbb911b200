"""Emails to clients about their bookings: which ones a write calls for, and reminders.

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

Sending is :mod:`notifications.sending`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from bookings.models import Booking, booking_models
from notifications import queue
from notifications.models import Email, EmailKind, Reminder, ReminderState
from workspaces.models import Client

#: the status every kind calls a cancellation (both lifecycles have it)
CANCELLED = "cancelled"


def booking_model(kind: str) -> type[Booking]:
    return next(model for model in booking_models() if model.kind == kind)


def history_model(model: type[Booking]):
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
            sequence=0 if record.history_type == "+" else _next_sequence(reference),  # (a new booking's first)
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
    model = booking_model(reminder.booking_kind)
    record = (
        history_model(model)
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
