"""Local wall-clock time to a real instant: the one conversion, with DST gaps and overlaps."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from workspaces.timezones import (
    NonexistentLocalTimeError,
    is_valid_timezone,
    local_span,
    local_to_utc,
    utc_to_local,
)

# the shared autouse fixture clears the (database) cache before every test
pytestmark = pytest.mark.django_db


def test_plain_local_time():
    assert local_to_utc(date(2024, 1, 15), time(10, 30), "Europe/Berlin") == datetime(2024, 1, 15, 9, 30, tzinfo=UTC)
    assert local_to_utc(date(2024, 1, 15), time(10, 30), "UTC") == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def test_time_in_the_spring_forward_gap_does_not_exist():
    # Berlin: 2024-03-31 02:00 jumps to 03:00
    with pytest.raises(NonexistentLocalTimeError):
        local_to_utc(date(2024, 3, 31), time(2, 30), "Europe/Berlin")
    # the minutes around the gap are fine
    assert local_to_utc(date(2024, 3, 31), time(1, 59), "Europe/Berlin") == datetime(2024, 3, 31, 0, 59, tzinfo=UTC)
    assert local_to_utc(date(2024, 3, 31), time(3, 0), "Europe/Berlin") == datetime(2024, 3, 31, 1, 0, tzinfo=UTC)


def test_ambiguous_fall_back_time_is_its_first_occurrence():
    # Berlin: 2024-10-27 03:00 CEST goes back to 02:00 CET; 02:30 happens twice
    instant = local_to_utc(date(2024, 10, 27), time(2, 30), "Europe/Berlin")
    assert instant == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert utc_to_local(instant, "Europe/Berlin").utcoffset() == timedelta(hours=2)


def test_cairo_summer_time_2024_uses_the_current_tz_database():
    # Egypt brought back DST in 2023: summer is +03:00 (an outdated tz database says +02:00)
    instant = local_to_utc(date(2024, 7, 1), time(12, 0), "Africa/Cairo")
    assert instant == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert utc_to_local(instant, "Africa/Cairo").utcoffset() == timedelta(hours=3)
    assert local_to_utc(date(2024, 1, 15), time(12, 0), "Africa/Cairo") == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def test_zones_come_from_the_pinned_tzdata_package_not_the_host():
    assert zoneinfo.TZPATH == ()


def test_span_across_the_gap_is_real_minutes():
    start, end = local_span(date(2024, 3, 31), time(1, 30), 60, "Europe/Berlin")
    assert end - start == timedelta(minutes=60)
    assert utc_to_local(end, "Europe/Berlin").time() == time(3, 30)  # the clock skipped an hour


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("UTC", True),
        ("Africa/Cairo", True),
        ("Asia/Riyadh", True),
        ("Mars/Olympus", False),
        ("utc", False),
        ("", False),
    ],
)
def test_is_valid_timezone(name, valid):
    assert is_valid_timezone(name) is valid
