"""The wire formats computed by PostgreSQL (config.api InstantText, DayText, ClockText) equal Python's."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db.models import DateField, DateTimeField, TimeField, Value

from config.api.formats import ClockText, DayText, InstantText, format_clock, format_day, format_instant
from tests import factories
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db

INSTANTS = [
    dt.datetime(2024, 1, 15, 10, 30, 0, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 15, 10, 30, 0, 999999, tzinfo=dt.UTC),  # truncated, not rounded up
    dt.datetime(2024, 2, 29, 23, 59, 59, 999500, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 31, 2, 30, 0, 1000, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")),  # shown in UTC
    dt.datetime(2024, 12, 31, 23, 0, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Asia/Riyadh")),
    dt.datetime(1000, 1, 3, 0, 0, 0, 5000, tzinfo=dt.UTC),
    # (instants are the server's clock times, createdAt/updatedAt: none is before the year 1000,
    # where strftime stops padding the year to four digits and to_char does not)
]
DAYS = [dt.date(2024, 1, 20), dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(9999, 12, 31)]
CLOCKS = [dt.time(0, 0), dt.time(9, 5), dt.time(9, 5, 30), dt.time(23, 59, 59, 999999)]


def in_sql(expression):
    workspace = Workspace.objects.first() or factories.WorkspaceFactory()
    return Workspace.objects.filter(pk=workspace.pk).values_list(expression, flat=True).get()


@pytest.mark.parametrize("value", INSTANTS)
def test_instant_text_is_format_instant(value):
    assert in_sql(InstantText(Value(value, output_field=DateTimeField()))) == format_instant(value)


@pytest.mark.parametrize("value", DAYS)
def test_day_text_is_format_day(value):
    assert in_sql(DayText(Value(value, output_field=DateField()))) == format_day(value)


@pytest.mark.parametrize("value", CLOCKS)
def test_clock_text_is_format_clock(value):
    assert in_sql(ClockText(Value(value, output_field=TimeField()))) == format_clock(value)
