"""Emails to clients about their bookings: which ones a write calls for, and reminders.

Which (decided by :func:`enqueue_for_booking`, from the write hook, inside the write's
transaction), for a client with an email address and a booking in its kind's first status
(``scheduled``) that has not started yet:

- booked: a confirmation, and a reminder ``reminderHours`` before the start for each of the
  workspace's hours whose time is still ahead;
- moved (date, start time, length) or given to another staff member: a change, and the pending
  reminders dropped and made again for the new time;
- given to another client: a confirmation to that client (reminders made again);
- cancelled, or deleted: a cancellation, and the pending reminders dropped;
- any other move out of ``scheduled`` (completed, no-show, in progress): reminders dropped.

The write queues one job, in its transaction (nothing for a write that rolls back, nothing lost
for one that commits); the job (:func:`make_for_write`, in the worker) makes the emails and
reminders, each a row (:class:`notifications.models.Email`, :class:`~notifications.models.Reminder`)
queued with its own job. A booking's write jobs run one at a time in the order of the writes (a
Procrastinate lock a booking), and a reminder that falls due while one is still to run waits for
it (it may move, cancel or drop the reminder). So a write pays for one job, not for the rows and
jobs of its emails. What an email says is the booking as the write left it (its historical row),
in the client's language, with times in the workspace's zone and an ``.ics``
(:mod:`notifications.ics`).

Sending is :mod:`notifications.sending`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from bookings.models import Booking, booking_models
from notifications import queue
from notifications.models import Email, EmailKind, Reminder, ReminderState
from workspaces.models import Client, Workspace

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
    """Queue the one job that makes what the write behind ``record`` (a historical row of
    ``booking``) calls for: what it calls for is decided here, from the rows in hand; the emails
    and reminders are made by the job (:func:`make_for_write`), in the worker. Nothing is queued for
    a write that calls for nothing, or only for mail to a client known to have no address."""
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
    if email_kind is None and not drop:
        return
    if not drop:
        client = _loaded_client(booking, record.client_id)
        if client is not None and not client.email:
            return
    from notifications import tasks

    queue.defer(
        queue.Job(
            tasks.make_emails,
            {
                "booking_kind": model.kind,
                "history_id": record.history_id,
                "email_kind": email_kind,
                "drop": drop,
                "schedule": schedule,
                "written_at": now.isoformat(),
            },
            lock=booking_lock(model.kind, record.id),
        )
    )


def booking_lock(kind: str, booking_id: str) -> str:
    """The jobs of one booking's writes run one at a time, in the order of the writes."""
    return f"booking:{kind}:{booking_id}"


@transaction.atomic
def make_for_write(
    *, booking_kind: str, history_id: str, email_kind: str | None, drop: bool, schedule: bool, written_at: str
) -> None:
    """The write's emails and reminders (its job): the pending reminders dropped, the email and the
    reminders still ahead at the time of the write made, each with its job. A job run again (a
    retry, a stalled job, even while the first run is still going: they take turns on a lock of
    the booking) finds its email made and does nothing."""
    model = booking_model(booking_kind)
    record = history_model(model).objects.filter(history_id=history_id).first()
    if record is None:  # (its workspace was deleted since)
        return
    with connection.cursor() as cursor:  # (a job run twice at once, a stalled one retried: in turn)
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [booking_lock(model.kind, record.id)])
    reference = {"workspace_id": record.workspace_id, "booking_kind": model.kind, "booking_id": record.id}
    made = Email.objects.filter(**reference, history_id=history_id).exclude(kind=EmailKind.REMINDER)
    if email_kind is not None and made.exists():
        return
    written = datetime.fromisoformat(written_at)
    if drop:
        Reminder.objects.filter(**reference, state=ReminderState.PENDING).update(
            state=ReminderState.DROPPED, updated_at=timezone.now()
        )
    if email_kind is None:
        return
    client = Client.objects.filter(pk=record.client_id).only("email", "language", "workspace_id").first()
    if client is None or not client.email:
        return
    workspace = Workspace.objects.only("language", "reminder_hours").filter(pk=record.workspace_id).first()
    if workspace is None:
        return
    from notifications import tasks

    email = Email.objects.create(
        **reference,
        kind=email_kind,
        history_id=record.history_id,
        to=client.email,
        language=client.language or workspace.language,
        sequence=0 if record.history_type == "+" else _next_sequence(reference),  # (a new booking's first)
    )
    jobs = [queue.Job(tasks.send_email, {"email_id": email.pk})]
    if schedule:
        due = sorted({record.starts_at - timedelta(hours=hours) for hours in workspace.reminder_hours})
        reminders = Reminder.objects.bulk_create(
            Reminder(**reference, hours=int((record.starts_at - at).total_seconds() // 3600), due_at=at)
            for at in due
            if at > written
        )
        jobs += [queue.Job(tasks.send_reminder, {"reminder_id": r.pk}, schedule_at=r.due_at) for r in reminders]
    queue.defer(*jobs)


def _loaded_client(booking: Booking, client_id: str) -> Client | None:
    """The booking's client when it is loaded with it already (no query), else None."""
    if type(booking).client.is_cached(booking) and booking.client.pk == client_id:
        return booking.client
    return None


def _next_sequence(reference: dict) -> int:
    """The .ics SEQUENCE of the next email about a booking: one more than the last (0 first)."""
    last = Email.objects.filter(**reference).exclude(kind=EmailKind.REMINDER).aggregate(last=Max("sequence"))["last"]
    return 0 if last is None else last + 1


# --------------------------------------------------------------------------------------------
# A reminder falls due (its job)
# --------------------------------------------------------------------------------------------


#: how long a reminder that falls due waits for the job of a write to its booking still to run
WAIT_FOR_WRITE = timedelta(seconds=2)


def _write_pending(kind: str, booking_id: str) -> bool:
    """Whether the job of a write to the booking (:func:`make_for_write`) has yet to finish."""
    return ProcrastinateJob.objects.filter(lock=booking_lock(kind, booking_id), status__in=["todo", "doing"]).exists()


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
    # (asked after the row is read: a write committed in between has its job pending by then)
    if _write_pending(reminder.booking_kind, reminder.booking_id):  # it may move, cancel or drop this one
        queue.defer(queue.Job(tasks.send_reminder, {"reminder_id": reminder.pk}, schedule_at=now + WAIT_FOR_WRITE))
        return
    client = None if record is None else Client.objects.filter(pk=record.client_id).first()
    if (
        record is None
        or record.history_type == "-"
        or not _upcoming(model, record, now)
        or reminder.due_at != record.starts_at - timedelta(hours=reminder.hours)  # made for another time
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
