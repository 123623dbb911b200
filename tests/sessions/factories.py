"""Factories of the sessions app (tests/factories.py holds the shared ones)."""

from __future__ import annotations

import datetime as dt

import factory

from bookings.time import end_clock
from sessions.models import Session, SessionService, SessionStatus
from tests.factories import ClientFactory, WorkspaceFactory
from workspaces.timezones import local_span


class SessionFactory(factory.django.DjangoModelFactory):
    """A session written straight to the table (no double-booking check: for arranging state).

    ``services=[...]`` links services in that order. Instants and endTime are derived the same
    way the actions derive them.
    """

    class Meta:
        model = Session
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    client = factory.LazyAttribute(lambda o: ClientFactory(workspace=o.workspace))
    staff = None
    name = factory.Sequence(lambda n: f"Session {n}")
    date = dt.date(2024, 1, 20)
    start_time = dt.time(10, 0)
    duration_minutes = 60
    status = SessionStatus.SCHEDULED
    end_time = factory.LazyAttribute(lambda o: end_clock(o.start_time, o.duration_minutes))
    starts_at = factory.LazyAttribute(
        lambda o: local_span(o.date, o.start_time, o.duration_minutes, o.workspace.timezone)[0]
    )
    ends_at = factory.LazyAttribute(
        lambda o: local_span(o.date, o.start_time, o.duration_minutes, o.workspace.timezone)[1]
    )

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        SessionService.objects.bulk_create(
            SessionService(workspace_id=self.workspace_id, session=self, service=service, position=i)
            for i, service in enumerate(extracted)
        )
