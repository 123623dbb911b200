"""The one place where a workspace's local date and time become a real instant.

Calendars, overlap checks and exports all use what this returns; SQL never converts.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache

UTC = zoneinfo.ZoneInfo("UTC")


class NonexistentLocalTimeError(ValueError):
    """The wall-clock time is skipped on that date (clocks go forward)."""


@cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


@lru_cache(maxsize=1024)
def get_zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of ``day`` at ``at`` in ``tz_name``.

    An ambiguous time (clocks going back) is its first occurrence (fold=0); a time in the gap
    when clocks go forward raises :class:`NonexistentLocalTimeError`.
    """
    zone = get_zone(tz_name)
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTimeError(f"{day.isoformat()} {at.strftime('%H:%M')} does not exist in {tz_name}")
    return instant


def local_span(day: date, start: time, minutes: int, tz_name: str) -> tuple[datetime, datetime]:
    """Start and end instants of a span of ``minutes`` that starts at local ``day`` ``start``."""
    starts_at = local_to_utc(day, start, tz_name)
    return starts_at, starts_at + timedelta(minutes=minutes)


def utc_to_local(instant: datetime, tz_name: str) -> datetime:
    return instant.astimezone(get_zone(tz_name))


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The first instant of local ``day`` and of the day after: 23, 24 or 25 hours apart.

    Midnight itself may be skipped (zones whose clocks go forward at 00:00): fold=0 maps a
    skipped wall-clock time with the offset in force before the change, which is exactly the
    instant the day starts.
    """
    zone = get_zone(tz_name)

    def first_instant(of: date) -> datetime:
        return datetime.combine(of, time(0)).replace(tzinfo=zone, fold=0).astimezone(UTC)

    return first_instant(day), first_instant(day + timedelta(days=1))


def local_boundary(day: date, minute: int, tz_name: str) -> datetime:
    """The instant ``minute`` minutes past local midnight of ``day`` marks as the edge of a span of
    wall-clock time (working hours): 1440 is the next day's first instant; an ambiguous time (clocks
    going back) is its first occurrence, as for bookings; a time the clocks skip (going forward) is
    the instant they jumped, the first one that exists after it.
    """
    if minute >= 24 * 60:
        return local_day_bounds(day, tz_name)[1]
    at = time(minute // 60, minute % 60)
    try:
        return local_to_utc(day, at, tz_name)
    except NonexistentLocalTimeError:
        pass
    zone = get_zone(tz_name)
    wall = datetime.combine(day, at)
    # fold=1 reads the skipped time with the offset after the jump (an instant before it), fold=0
    # with the offset before (an instant after it): the jump lies between, found to the second
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) // 2
        if middle.astimezone(zone).replace(tzinfo=None) > wall:
            after = middle
        else:
            before = middle
    return after


def local_grid(day: date, step_minutes: int, tz_name: str) -> list[tuple[int, datetime]]:
    """The wall-clock times of local ``day`` every ``step_minutes`` from midnight that exist, each
    with its instant: ``[(minutes past midnight, instant)]``, in order. A time the clocks skip is
    left out; an ambiguous one is its first occurrence (what a booking at that time means).
    """
    start, end = local_day_bounds(day, tz_name)
    zone = get_zone(tz_name)
    minutes = range(0, 24 * 60, step_minutes)
    if end - start == timedelta(days=1) and zone.utcoffset(start) == zone.utcoffset(end - timedelta(seconds=1)):
        # a day without a clock change: every time exists once, at its distance from midnight
        return [(minute, start + timedelta(minutes=minute)) for minute in minutes]
    grid = []
    for minute in minutes:
        try:
            grid.append((minute, local_to_utc(day, time(minute // 60, minute % 60), tz_name)))
        except NonexistentLocalTimeError:
            continue
    return grid
