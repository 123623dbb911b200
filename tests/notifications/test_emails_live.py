"""Emails to clients, end to end: writes through every door, a real worker process, a real SMTP
server (aiosmtpd on a free loopback port), real PostgreSQL. The tests commit (the worker reads
what they wrote), so they run in transaction=True mode."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient

from notifications.models import Email, EmailKind, EmailState, Reminder, ReminderState
from sessions import actions as session_actions
from sessions.models import Session
from tests import factories
from tests.notifications.helpers import event_of, future_day, make_world
from tests.notifications.servers import wait_until
from tests.test_project import _test_database_url, base_env, manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def by_sequence(messages):
    return sorted(messages, key=lambda m: int(event_of(m.ics())[1]["SEQUENCE"]))


def assert_booking_story(messages, *, first: str, moved: str, uid_kind: str = "session"):
    """Three emails about one booking: booked, moved, cancelled, as one calendar entry."""
    booked, changed, cancelled = by_sequence(messages)
    assert booked.subject.startswith("Booked:")
    assert changed.subject.startswith("Changed:")
    assert cancelled.subject.startswith("Cancelled:")
    events = [event_of(m.ics()) for m in (booked, changed, cancelled)]
    assert [str(calendar["METHOD"]) for calendar, _event in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [int(event["SEQUENCE"]) for _c, event in events] == [0, 1, 2]
    assert len({str(event["UID"]) for _c, event in events}) == 1
    assert str(events[0][1]["UID"]).startswith(f"{uid_kind}-")
    assert str(events[2][1]["STATUS"]) == "CANCELLED"
    assert events[0][1]["DTSTART"].dt.strftime("%H:%M") == first
    assert events[1][1]["DTSTART"].dt.strftime("%H:%M") == moved
    assert first in booked.text() and moved in changed.text()
    return booked, changed, cancelled


def test_booked_moved_and_cancelled_through_the_api_send_three_emails(smtp, start_worker):
    # given a workspace in Cairo, a client with an email, and a worker running
    world = make_world(timezone="Africa/Cairo")
    start_worker()
    api, day = world.api, future_day().isoformat()

    # when a session is booked, moved and cancelled through the API
    created = api.post(
        world.path("sessions"),
        {
            "name": "Back pain",
            "clientId": world.client.pk,
            "serviceIds": [world.service.pk],
            "staffId": world.staff.pk,
            "date": day,
            "startTime": "10:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    session_id = created.json()["session"]["id"]
    assert api.patch(world.path(f"sessions/{session_id}"), {"startTime": "11:30"}, format="json").status_code == 200
    assert api.patch(world.path(f"sessions/{session_id}"), {"status": "cancelled"}, format="json").status_code == 200

    # then the client receives a confirmation, a change and a cancellation, one calendar entry
    messages = wait_until(lambda: len(smtp.to("layla@example.com")) >= 3 and smtp.to("layla@example.com"), 60)
    booked, _changed, _cancelled = assert_booking_story(messages, first="10:00", moved="11:30")
    assert booked.message["From"] == "Nile Clinic <bookings@practice.example>"
    assert "Physiotherapy" in booked.subject and "Dr Hana Farouk" in booked.text()
    assert "Africa/Cairo" in booked.text() and "10:00–10:45" in booked.text()
    assert str(event_of(booked.ics())[1]["DTSTART"].dt.tzinfo) == "Africa/Cairo"
    # and each is recorded as sent, and listed in the back office with its state
    emails = Email.objects.filter(booking_id=session_id)
    assert sorted(emails.values_list("kind", "state")) == sorted(
        [(kind, EmailState.SENT) for kind in (EmailKind.CONFIRMATION, EmailKind.CHANGE, EmailKind.CANCELLATION)]
    )
    admin = HttpClient()
    admin.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    page = admin.get("/admin/notifications/email/").content.decode()
    assert page.count('class="field-state">Sent<') == 3 and "layla@example.com" in page
    time.sleep(2)
    assert len(smtp.to("layla@example.com")) == 3  # and nothing more


def test_booked_moved_and_cancelled_through_the_admin_send_three_emails(smtp, start_worker):
    world = make_world()
    start_worker()
    admin = HttpClient()
    admin.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    form = {
        "workspace": world.workspace.pk,
        "name": "Admin booking",
        "client": world.client.pk,
        "service_list": [world.service.pk],
        "staff": world.staff.pk,
        "status": "scheduled",
        "date": future_day().isoformat(),
        "start_time": "09:00",
        "duration_minutes": "",
        "field_values": "[]",
        # the notes' and attachments' inlines, empty
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
    }

    # when booked on the add page, moved on the change page, cancelled by the bulk action
    assert admin.post("/admin/appointments/session/add/", form).status_code == 302
    session = Session.objects.get(name="Admin booking")
    moved = admin.post(f"/admin/appointments/session/{session.pk}/change/", form | {"start_time": "14:15"})
    assert moved.status_code == 302
    bulk = admin.post("/admin/appointments/session/", {"action": "mark_cancelled", "_selected_action": [session.pk]})
    assert bulk.status_code == 302

    # then the same three emails
    messages = wait_until(lambda: len(smtp.to("layla@example.com")) >= 3 and smtp.to("layla@example.com"), 60)
    assert_booking_story(messages, first="09:00", moved="14:15")


def test_a_command_cancelling_a_session_sends_the_cancellation(smtp, start_worker, worker_env):
    world = make_world()
    session = session_actions.session_create(
        workspace=world.workspace,
        name="Follow-up",
        client=world.client,
        services=[world.service],
        staff=world.staff,
        date=future_day(),
        start_time=dt.time(16, 0),
    )
    start_worker()
    wait_until(lambda: smtp.to("layla@example.com"), 60)  # the confirmation

    # when an ops command cancels it
    env = base_env() | {"DATABASE_URL": _test_database_url(), "DEBUG": "1"}
    completed = manage("set_session_status", "--session", session.pk, "--status", "cancelled", env=env)
    assert completed.returncode == 0, completed.stderr

    # then the client receives the cancellation (METHOD:CANCEL, the same UID, a higher SEQUENCE)
    messages = wait_until(lambda: len(smtp.to("layla@example.com")) >= 2 and smtp.to("layla@example.com"), 60)
    booked, cancelled = by_sequence(messages)
    assert cancelled.subject.startswith("Cancelled:")
    assert str(event_of(cancelled.ics())[0]["METHOD"]) == "CANCEL"
    assert event_of(cancelled.ics())[1]["UID"] == event_of(booked.ics())[1]["UID"]
    assert not Reminder.objects.filter(booking_id=session.pk, state=ReminderState.PENDING).exists()


def test_an_arabic_email_is_right_to_left_with_the_time_in_the_workspaces_zone(smtp, start_worker):
    # given an Arabic-speaking workspace in Riyadh (UTC+3) and a client who inherits its language
    world = make_world(timezone="Asia/Riyadh", language="ar", email="noura@example.com")
    world.client.refresh_from_db()
    assert world.client.language == "ar"
    start_worker()

    # when a consultation is booked at 09:15 Riyadh time (06:15 UTC)
    response = world.api.post(
        world.path("nutrition/sessions"),
        {
            "clientId": world.client.pk,
            "specialistId": world.staff.pk,
            "type": "online",
            "date": future_day(12).isoformat(),
            "startTime": "09:15",
            "durationMinutes": 30,
            "topic": "خطة غذائية",
            "meetingLink": "https://meet.example.com/abc",
            "notesPrivate": "private words",
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    # then the email is Arabic, right to left, at 09:15 (never 06:15), with an .ics in Riyadh time
    (message,) = wait_until(lambda: smtp.to("noura@example.com"), 60)
    html, text = message.html(), message.text()
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert message.message["Content-Language"] == "ar"
    assert message.subject.startswith("تأكيد الحجز:")
    assert "خطة غذائية" in message.subject
    assert "09:15" in text and "06:15" not in text and "09:15" in html
    assert "مرحبًا Layla Hassan،" in text
    assert "private words" not in html + text
    _calendar, event = event_of(message.ics())
    assert event["DTSTART"].dt.strftime("%H:%M") == "09:15" and str(event["DTSTART"].dt.tzinfo) == "Asia/Riyadh"
    assert str(event["LOCATION"]) == "https://meet.example.com/abc"
    assert str(event["UID"]).startswith("consultation-") and int(event["SEQUENCE"]) == 0


def test_a_reminder_is_sent_once_at_its_time_follows_a_move_and_is_dropped_on_cancellation(smtp, start_worker):
    # given reminders 1 hour before, and two sessions starting 1 hour after the next minute that
    # is at least 25 s away (so their reminders are due then)
    world = make_world()
    world.workspace.reminder_hours = [1]
    world.workspace.save()
    other = factories.ClientFactory(workspace=world.workspace, name="Omar", email="omar@example.com")
    now = dt.datetime.now(dt.UTC)
    due = (now + dt.timedelta(seconds=85)).replace(second=0, microsecond=0)
    start = due + dt.timedelta(hours=1)
    start_worker()

    def book(client):
        return session_actions.session_create(
            workspace=world.workspace,
            name="Check-up",
            client=client,
            services=[world.service],
            date=start.date(),
            start_time=start.time(),
        )

    moved, cancelled = book(world.client), book(other)
    # when one is moved a minute later and the other cancelled, before their reminders fall due
    session_actions.session_update(session=moved, start_time=(start + dt.timedelta(minutes=1)).time())
    session_actions.session_update(session=cancelled, status="cancelled")
    assert dt.datetime.now(dt.UTC) < due

    # then the moved one's reminder comes once, at its new time (not at the old one)
    def reminders(address):
        return [m for m in smtp.to(address) if m.subject.startswith("Reminder:")]

    (reminder,) = wait_until(lambda: reminders("layla@example.com"), 150)
    assert reminder.at >= (due + dt.timedelta(minutes=1)).timestamp()
    assert "Reminder:" in reminder.subject
    assert event_of(reminder.ics())[1]["DTSTART"].dt.strftime("%H:%M") == (start + dt.timedelta(minutes=1)).strftime(
        "%H:%M"
    )
    time.sleep(3)
    assert len(reminders("layla@example.com")) == 1
    # and the cancelled one's never comes; the records say so
    assert reminders("omar@example.com") == []
    assert sorted(Reminder.objects.filter(booking_id=moved.pk).values_list("state", flat=True)) == [
        ReminderState.DROPPED,
        ReminderState.SENT,
    ]
    assert list(Reminder.objects.filter(booking_id=cancelled.pk).values_list("state", flat=True)) == [
        ReminderState.DROPPED
    ]


def test_a_write_that_rolled_back_sends_nothing(smtp, start_worker):
    world = make_world()
    second = factories.ClientFactory(workspace=world.workspace, name="Sami", email="sami@example.com")

    # given a booking whose transaction fails after the write (and its history) went through
    class FailureError(Exception):
        pass

    with pytest.raises(FailureError), transaction.atomic():
        session_actions.session_create(
            workspace=world.workspace,
            name="Never",
            client=world.client,
            services=[world.service],
            date=future_day(),
            start_time=dt.time(9, 0),
        )
        raise FailureError
    # and one that commits afterwards
    session_actions.session_create(
        workspace=world.workspace,
        name="Kept",
        client=second,
        services=[world.service],
        date=future_day(),
        start_time=dt.time(10, 0),
    )

    # when a worker runs
    start_worker()
    wait_until(lambda: smtp.to("sami@example.com"), 60)
    time.sleep(2)

    # then only the committed booking's email was sent; the rolled-back one left no email, no job
    assert smtp.to("layla@example.com") == []
    assert not Email.objects.filter(to="layla@example.com").exists()
    assert [m.recipients for m in smtp.received()] == [["sami@example.com"]]


def test_a_worker_killed_mid_batch_loses_no_email_and_repeats_none_recorded_as_sent(smtp, start_worker):
    # given 30 bookings (the jobs of their confirmations queued) and an SMTP server taking 0.15 s a message
    world = make_world()
    count = 30
    for n in range(count):
        client = factories.ClientFactory(workspace=world.workspace, name=f"Client {n}", email=f"c{n}@example.com")
        session_actions.session_create(
            workspace=world.workspace,
            name=f"Batch {n}",
            client=client,
            services=[world.service],
            date=future_day(),
            start_time=dt.time(8, 0),
        )
    smtp.delay = 0.15

    # when the worker is killed (SIGKILL) in the middle of sending them (the writes' jobs, queued
    # first, have made the 30 emails by then)
    worker = start_worker()
    wait_until(lambda: len(smtp.received()) >= 8, 60)
    worker.kill()
    ids = set(Email.objects.values_list("pk", flat=True))
    assert len(ids) == count
    recorded_sent = set(Email.objects.filter(state=EmailState.SENT).values_list("pk", flat=True))
    received_at_kill = len(smtp.received())
    assert 0 < len(recorded_sent) < count

    # and another worker starts (it finds the dead worker's jobs once its heartbeat is 3 s old)
    start_worker()
    wait_until(lambda: Email.objects.filter(state=EmailState.SENT).count() == count, 90)

    # then every email arrived, and none recorded as sent before the kill arrived twice
    by_id: dict[str, int] = {}
    for message in smtp.received():
        email_id = message.message_id.strip("<>").split("@")[0]
        by_id[email_id] = by_id.get(email_id, 0) + 1
    assert set(by_id) == ids
    assert all(by_id[email_id] == 1 for email_id in recorded_sent)
    # what can come twice: only an email the SMTP server took while the killed worker had not
    # yet recorded it (at most one per job it had in hand)
    doubled = {email_id for email_id, times in by_id.items() if times > 1}
    assert doubled <= ids - recorded_sent and len(doubled) <= 4, (doubled, received_at_kill)
    assert sum(by_id.values()) == count + len(doubled)


def test_sigterm_lets_the_email_in_hand_finish(smtp, start_worker):
    # given an email being sent by a worker, to an SMTP server that takes 3 s to answer
    world = make_world()
    book = session_actions.session_create(
        workspace=world.workspace,
        name="Late",
        client=world.client,
        services=[world.service],
        date=future_day(),
        start_time=dt.time(9, 0),
    )
    smtp.delay = 3
    worker = start_worker()

    def sending() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM procrastinate_jobs WHERE task_name = 'notifications.send_email'")
            return [row[0] for row in cursor.fetchall()] == ["doing"]

    wait_until(sending, 30)
    time.sleep(0.5)

    # when the worker is asked to stop (SIGTERM)
    code = worker.terminate(timeout=60)

    # then it finishes that email first, records it, and exits cleanly
    assert code == 0, worker.output()
    assert "worker: stopped" in worker.output()
    assert [m.recipients for m in smtp.received()] == [["layla@example.com"]]
    assert Email.objects.get(booking_id=book.pk).state == EmailState.SENT
