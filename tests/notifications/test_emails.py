"""Which emails and reminders a write calls for: the one job it queues, and the rows and jobs that
job makes (run here as the worker runs it: tests/notifications/helpers.run_write_jobs); the
clients' language."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction

from backoffice.feeds import booking_uid
from notifications import emails, ics, sending
from notifications.models import Email, EmailKind, EmailState, Reminder, ReminderState
from notifications.tasks import EMAIL_RETRY, MAKE_RETRY
from nutrition import actions as nutrition_actions
from sessions import actions as session_actions
from tests import factories
from tests.notifications.helpers import event_of, make_world, queued_jobs, run_write_jobs
from tests.notifications.servers import free_port
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def book(world, *, day=None, start=dt.time(10, 0), client=None):
    return session_actions.session_create(
        workspace=world.workspace,
        name="Check-up",
        client=client or world.client,
        services=[world.service],
        staff=world.staff,
        date=day or dt.date.today() + dt.timedelta(days=5),
        start_time=start,
    )


def test_booking_queues_a_confirmation_and_a_reminder_per_hour_still_ahead():
    world = make_world()
    world.workspace.reminder_hours = [24, 2, 24 * 7]  # a week before is already past
    world.workspace.save()
    session = book(world)
    assert not Email.objects.exists()  # made by the write's job, in the worker
    (job,) = run_write_jobs()
    assert (job["email_kind"], job["schedule"], job["drop"]) == (EmailKind.CONFIRMATION, True, False)
    assert list(Email.objects.values_list("kind", "sequence", "to")) == [
        (EmailKind.CONFIRMATION, 0, "layla@example.com")
    ]
    assert sorted(Reminder.objects.filter(booking_id=session.pk).values_list("hours", flat=True)) == [2, 24]


def test_past_bookings_and_clients_without_email_get_nothing():
    world = make_world()
    book(world, day=dt.date.today() - dt.timedelta(days=3))
    silent = factories.ClientFactory(workspace=world.workspace, email="")
    book(world, client=silent, start=dt.time(15, 0))
    assert run_write_jobs() == []  # no job queued for either
    assert not Email.objects.exists() and not Reminder.objects.exists()


def test_a_rename_sends_nothing_a_move_sends_a_change_and_moves_the_reminders():
    world = make_world()
    session = book(world)
    run_write_jobs()
    session_actions.session_update(session=session, name="Renamed")
    assert run_write_jobs() == []
    assert Email.objects.count() == 1
    session_actions.session_update(session=session, start_time=dt.time(12, 0))
    run_write_jobs()
    assert list(Email.objects.order_by("sequence").values_list("kind", "sequence")) == [
        (EmailKind.CONFIRMATION, 0),
        (EmailKind.CHANGE, 1),
    ]
    states = Reminder.objects.filter(booking_id=session.pk).order_by("due_at").values_list("state", "due_at")
    (old_state, old_due), (new_state, new_due) = states
    assert (old_state, new_state) == (ReminderState.DROPPED, ReminderState.PENDING)
    assert new_due - old_due == dt.timedelta(hours=2)


def test_deleting_an_upcoming_booking_sends_a_cancellation_and_drops_its_reminders():
    world = make_world()
    session = book(world)
    session_actions.session_delete(session=session)
    run_write_jobs()  # both, in the order of the writes
    assert list(Email.objects.order_by("sequence").values_list("kind", "sequence")) == [
        (EmailKind.CONFIRMATION, 0),
        (EmailKind.CANCELLATION, 1),
    ]
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.DROPPED}


def test_a_no_show_drops_the_reminders_and_sends_nothing():
    world = make_world()
    consultation = nutrition_actions.nutrition_session_create(
        workspace=world.workspace,
        client=world.client,
        type="online",
        date=dt.date.today() + dt.timedelta(days=2),
        start_time=dt.time(9, 0),
    )
    nutrition_actions.nutrition_session_update(session=consultation, status="no_show")
    run_write_jobs()
    assert list(Email.objects.values_list("kind", flat=True)) == [EmailKind.CONFIRMATION]
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.DROPPED}


def test_a_clients_language_defaults_to_the_workspaces_and_may_be_chosen(owner, workspace):
    workspace.language = "ar"
    workspace.save()
    url = f"/api/v1/workspace/{workspace.pk}/clients"
    inherited = owner.post(url, {"name": "Huda"}, format="json").json()["client"]
    chosen = owner.post(url, {"name": "John", "language": "en"}, format="json").json()["client"]
    assert (inherited["language"], chosen["language"]) == ("ar", "en")
    refused = owner.post(url, {"name": "Marie", "language": "fr"}, format="json")
    assert refused.status_code == 400 and "language" in refused.json()["error"]["fields"]
    changed = owner.patch(f"{url}/{chosen['id']}", {"language": "ar"}, format="json").json()["client"]
    assert changed["language"] == "ar"


def test_sending_records_sent_and_never_sends_a_sent_email_again(mailoutbox):
    world = make_world()
    book(world)
    run_write_jobs()
    email = Email.objects.get()
    sending.send(email.pk, failures_before=0, backoff=EMAIL_RETRY)
    sending.send(email.pk, failures_before=0, backoff=EMAIL_RETRY)  # a job run twice
    (sent,) = mailoutbox
    email.refresh_from_db()
    assert email.state == EmailState.SENT and email.attempts == 1 and email.subject == sent.subject
    assert sent.extra_headers["Message-ID"] == f"<{email.pk}@{sending.MESSAGE_ID_DOMAIN}>"


def test_an_smtp_server_that_does_not_answer_is_retried_then_recorded_failed(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    world = make_world()
    book(world)
    run_write_jobs()
    email = Email.objects.get()
    with pytest.raises(sending.EmailNotSentError):  # retried on the backoff schedule
        sending.send(email.pk, failures_before=0, backoff=EMAIL_RETRY)
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.QUEUED, 1) and "Connection refused" in email.last_error
    sending.send(email.pk, failures_before=100, backoff=EMAIL_RETRY)  # the window has passed: the last try
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.FAILED, 2)


def test_the_invitation_carries_names_and_places_without_control_characters():
    zone = ZoneInfo("Asia/Riyadh")
    body = ics.invitation(
        uid=booking_uid("session", "6b14a6b4c4476440932e6eae"),
        sequence=0,
        cancel=False,
        starts=dt.datetime(2031, 1, 5, 10, 0, tzinfo=zone),
        ends=dt.datetime(2031, 1, 5, 11, 0, tzinfo=zone),
        tz_name="Asia/Riyadh",
        summary="Massage\x0b\x1b; back",
        location="Room\u2028 2",
        description="Line one\r\nLine two\x00",
        organizer_email="clinic@example.com",
        organizer_name="Clinic\x07",
        attendee_email="amal@example.com",
        attendee_name="Amal",
        stamp=dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
    )
    assert not any(byte < 0x20 and byte not in b"\r\n" for byte in body)
    _calendar, event = event_of(body)
    assert str(event["summary"]) == "Massage; back"
    assert str(event["location"]) == "Room\n 2"
    assert str(event["description"]) == "Line one\nLine two"
    assert str(event["uid"]) == "session-6b14a6b4c4476440932e6eae@calendar.practice-management.invalid"


def test_a_writes_job_run_twice_makes_its_email_once():
    world = make_world()
    session = book(world)
    (write,) = queued_jobs("notifications.make_emails")
    assert write.lock == f"booking:session:{session.pk}"  # (the booking's writes take turns)
    (args,) = run_write_jobs()
    emails.make_for_write(**args)  # a retry, or a stalled job run again
    assert Email.objects.count() == 1 and Reminder.objects.count() == 1
    assert len(queued_jobs("notifications.send_email")) == 1
    # and a move's job run twice leaves the reminder it made pending
    session_actions.session_update(session=session, start_time=dt.time(12, 0))
    (moved,) = run_write_jobs()
    emails.make_for_write(**moved)
    assert Email.objects.count() == 2
    assert sorted(Reminder.objects.values_list("state", flat=True)) == [ReminderState.DROPPED, ReminderState.PENDING]


def test_a_client_without_an_address_gets_nothing_from_a_move_either():
    world = make_world(email="")
    session = book(world)
    assert queued_jobs("notifications.make_emails") == []  # (the client in hand has no address)
    session_actions.session_update(session=session, start_time=dt.time(12, 0))
    assert len(run_write_jobs()) == 1  # (a move drops reminders: its job runs, and finds no address)
    assert not Email.objects.exists() and not Reminder.objects.exists()


def test_a_new_staff_member_is_a_change_and_the_reminders_are_made_again():
    world = make_world()
    session = book(world)
    run_write_jobs()
    other = factories.MembershipFactory(workspace=world.workspace, role=Role.SPECIALIST)
    session_actions.session_update(session=session, staff=other)
    run_write_jobs()
    assert list(Email.objects.order_by("sequence").values_list("kind", "sequence")) == [
        (EmailKind.CONFIRMATION, 0),
        (EmailKind.CHANGE, 1),
    ]
    assert sorted(Reminder.objects.values_list("state", flat=True)) == [ReminderState.DROPPED, ReminderState.PENDING]


def test_the_reminders_made_are_those_ahead_when_the_write_was_made():
    # given a session in 3 hours, reminders 4 and 2 hours before, and its job run 2 hours late
    world = make_world()
    world.workspace.reminder_hours = [4, 2]
    world.workspace.save()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    book(world, day=start.date(), start=start.time().replace(second=0, microsecond=0))
    (args,) = run_write_jobs()
    Reminder.objects.all().delete()
    Email.objects.all().delete()  # (as if it had not run)
    written = dt.datetime.fromisoformat(args["written_at"])
    emails.make_for_write(**(args | {"written_at": (written - dt.timedelta(hours=2)).isoformat()}))
    # then the 4-hour one, past now but ahead when written, is made too
    assert sorted(Reminder.objects.values_list("hours", flat=True)) == [2, 4]


def _booked_with_its_reminder(monkeypatch):
    """A booked session, its reminder, and the clock stopped at the reminder's due time."""
    world = make_world()
    session = book(world)
    run_write_jobs()
    reminder = Reminder.objects.get()
    monkeypatch.setattr(emails.timezone, "now", lambda: reminder.due_at)
    return session, reminder


def test_a_reminder_falls_due_once_and_is_sent(monkeypatch):
    _session, reminder = _booked_with_its_reminder(monkeypatch)
    emails.fall_due(reminder.pk)
    emails.fall_due(reminder.pk)  # (its job run twice)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.SENT
    assert list(Email.objects.filter(kind=EmailKind.REMINDER).values_list("pk", flat=True)) == [reminder.email_id]


def test_a_reminder_falling_due_waits_for_a_write_still_to_be_carried_out(monkeypatch):
    # given a session whose reminder falls due now, and a move whose job has not run yet
    session, reminder = _booked_with_its_reminder(monkeypatch)
    session_actions.session_update(session=session, start_time=dt.time(12, 0))

    # when the reminder's job runs, it waits (a job of its own, 2 s later) instead of sending
    before = {job.id for job in queued_jobs("notifications.send_reminder")}
    emails.fall_due(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.PENDING and reminder.email is None
    (waiting,) = [job for job in queued_jobs("notifications.send_reminder") if job.id not in before]
    assert waiting.args == {"reminder_id": reminder.pk}
    assert waiting.scheduled_at == reminder.due_at + emails.WAIT_FOR_WRITE

    # then the move's job drops it and makes the new one; run again, the old one sends nothing
    run_write_jobs()
    emails.fall_due(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DROPPED
    assert list(Email.objects.order_by("sequence").values_list("kind", flat=True)) == [
        EmailKind.CONFIRMATION,
        EmailKind.CHANGE,
    ]


def test_a_reminder_made_for_another_time_is_dropped_when_it_falls_due(monkeypatch):
    # given a session whose reminder falls due now, moved by a write whose job failed
    session, reminder = _booked_with_its_reminder(monkeypatch)
    session_actions.session_update(session=session, start_time=dt.time(12, 0))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = 'notifications.make_emails'")
    # when it falls due, it is dropped: it was made for the session's old time
    emails.fall_due(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.state == ReminderState.DROPPED and not Email.objects.filter(kind=EmailKind.REMINDER).exists()


def test_a_writes_job_is_retried_on_a_lost_connection_only():
    first_try = SimpleNamespace(attempts=0)
    for error in (OperationalError(), InterfaceError()):
        assert MAKE_RETRY.get_retry_decision(exception=error, job=first_try) is not None
    assert MAKE_RETRY.get_retry_decision(exception=IntegrityError(), job=first_try) is None


def test_the_database_keeps_a_write_to_one_email():
    world = make_world()
    book(world)
    run_write_jobs()
    email = Email.objects.get()
    copy = {f: getattr(email, f) for f in ("workspace_id", "booking_kind", "booking_id", "history_id", "to")}
    with pytest.raises(IntegrityError), transaction.atomic():
        Email.objects.create(**copy, kind=EmailKind.CHANGE, language="en")
    Email.objects.create(**copy, kind=EmailKind.REMINDER, language="en")  # (reminders may share the row)


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_a_writes_job_at_once_take_turns():
    world = make_world()
    book(world)
    (job,) = queued_jobs("notifications.make_emails")
    # given another run of it holding the booking's lock (a stalled job retried while it still runs)
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [job.lock])
        # then this one waits for it (here: until its lock timeout)
        with pytest.raises(OperationalError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            emails.make_for_write(**job.args)
        assert not Email.objects.exists()
    emails.make_for_write(**job.args)  # (the other one gone)
    assert Email.objects.count() == 1
