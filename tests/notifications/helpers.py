"""Data and readers shared by the notification tests."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection
from icalendar import Calendar

from notifications import emails
from tests import factories
from tests.conftest import bearer
from workspaces.models import Client, Membership, Workspace
from workspaces.roles import Role


@dataclass
class World:
    workspace: Workspace
    owner: Membership
    staff: Membership
    client: Client
    service: object

    @property
    def api(self):
        return bearer(self.owner.user)

    def path(self, rest: str) -> str:
        return f"/api/v1/workspace/{self.workspace.pk}/{rest}"


def make_world(*, timezone: str = "UTC", language: str = "en", email: str = "layla@example.com", **client) -> World:
    workspace = factories.WorkspaceFactory(timezone=timezone, name="Nile Clinic")
    workspace.language = language
    workspace.save()
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    staff = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST, user__name="Dr Hana Farouk")
    person = factories.ClientFactory(workspace=workspace, name="Layla Hassan", email=email, **client)
    service = factories.ServiceFactory(workspace=workspace, name="Physiotherapy", duration_minutes=45)
    return World(workspace, owner, staff, person, service)


def future_day(days: int = 10) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def empty_job_queue() -> None:
    """Jobs left by an earlier test (the flush between tests empties Django's tables, not these)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_jobs, procrastinate_events, procrastinate_periodic_defers, "
            "procrastinate_workers CASCADE"
        )


def run_write_jobs() -> list[dict]:
    """Run the queued jobs of bookings' writes (``notifications.make_emails``) in the order queued,
    here in the test's transaction, as a worker runs them, and mark them done; their arguments."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id IN (SELECT id FROM procrastinate_jobs"
            " WHERE task_name = 'notifications.make_emails' AND status = 'todo') RETURNING id, args"
        )
        done = [json.loads(args) for _id, args in sorted(cursor.fetchall())]  # (Django reads jsonb as text)
    for args in done:
        emails.make_for_write(**args)
    return done


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event
