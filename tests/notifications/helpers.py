"""Data and readers shared by the notification tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from icalendar import Calendar
from procrastinate.contrib.django.models import ProcrastinateJob

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
    queued = queued_jobs("notifications.make_emails")
    with connection.cursor() as cursor:  # (Procrastinate's models are read-only)
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = ANY(%s)", [[j.id for j in queued]]
        )
    for job in queued:
        emails.make_for_write(**job.args)
    return [job.args for job in queued]


def queued_jobs(task: str) -> list[ProcrastinateJob]:
    """The jobs of ``task`` still to run, in the order queued."""
    return list(ProcrastinateJob.objects.filter(task_name=task, status="todo").order_by("id"))


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event
