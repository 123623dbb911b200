"""Factories of the nutrition app (tests/factories.py holds the shared ones)."""

from __future__ import annotations

import datetime as dt

import factory

from bookings.time import end_clock
from nutrition.models import ConsultationStatus, ConsultationType, FollowUp, NutritionSession
from tests.factories import ClientFactory, WorkspaceFactory
from workspaces.timezones import local_span


class NutritionSessionFactory(factory.django.DjangoModelFactory):
    """A consultation written straight to the table (no double-booking check: for arranging state).

    End time and real instants are derived the way the actions derive them.
    """

    class Meta:
        model = NutritionSession

    workspace = factory.SubFactory(WorkspaceFactory)
    client = factory.LazyAttribute(lambda o: ClientFactory(workspace=o.workspace))
    staff = None
    type = ConsultationType.ONLINE
    status = ConsultationStatus.SCHEDULED
    date = dt.date(2024, 1, 20)
    start_time = dt.time(10, 0)
    duration_minutes = 60
    topic = factory.Sequence(lambda n: f"Consultation {n}")
    notes_private = "private"
    notes_shared = "shared"
    end_time = factory.LazyAttribute(lambda o: end_clock(o.start_time, o.duration_minutes))
    starts_at = factory.LazyAttribute(
        lambda o: local_span(o.date, o.start_time, o.duration_minutes, o.workspace.timezone)[0]
    )
    ends_at = factory.LazyAttribute(
        lambda o: local_span(o.date, o.start_time, o.duration_minutes, o.workspace.timezone)[1]
    )


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    session = factory.SubFactory(NutritionSessionFactory)
    workspace = factory.SelfAttribute("session.workspace")
    due_date = dt.date(2024, 2, 1)
    note = factory.Sequence(lambda n: f"Check weight {n}")
