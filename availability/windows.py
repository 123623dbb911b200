"""The arithmetic of working time, on the real time line: no database, one time-zone conversion.

Working hours are wall-clock intervals of a weekday; here they become real intervals, through
:mod:`workspaces.timezones` (the one conversion), in whole seconds since the epoch:
``[start, end)``. Intervals that touch or overlap are merged, across midnight too, so a shift
from 22:00 to 24:00 and the next day's from 00:00 to 06:00 hold a booking from 23:30 to 00:30.
The free slots and the check of a booking against working hours (``availability.rules``) both
stand on these functions.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

from workspaces.timezones import local_boundary

Interval = tuple[int, int]


def seconds(instant: datetime, *, up: bool = False) -> int:
    """An instant as whole seconds since the epoch (rounded down, or ``up`` for the end of a span)."""
    value = instant.timestamp()
    return math.ceil(value) if up else math.floor(value)


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals``, in order, those that touch or overlap made one."""
    result: list[list[int]] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return [(start, end) for start, end in result]


def working_intervals(hours: Iterable[tuple[int, int, int]], days: Iterable[date], tz_name: str) -> list[Interval]:
    """A member's real working time on the local ``days``: each ``(weekday, start minute, end minute)``
    of their week placed on each day of that weekday, merged."""
    by_weekday: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in hours:
        by_weekday.setdefault(weekday, []).append((start, end))
    intervals = []
    for day in days:
        for start, end in by_weekday.get(day.isoweekday(), ()):
            first = seconds(local_boundary(day, start, tz_name))
            last = seconds(local_boundary(day, end, tz_name))
            if last > first:  # (an interval wholly inside a skipped hour is no time at all)
                intervals.append((first, last))
    return merged(intervals)


def without(intervals: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``intervals`` (merged, in order) less every ``busy`` interval."""
    free: list[Interval] = []
    blocks = merged(busy)
    i = 0
    for start, end in intervals:
        while i < len(blocks) and blocks[i][1] <= start:
            i += 1
        j, cursor = i, start
        while j < len(blocks) and blocks[j][0] < end:
            if blocks[j][0] > cursor:
                free.append((cursor, blocks[j][0]))
            cursor = max(cursor, blocks[j][1])
            j += 1
        if cursor < end:
            free.append((cursor, end))
    return free


def holds(intervals: Sequence[Interval], start: int, end: int) -> bool:
    """Whether one of ``intervals`` (merged) holds all of ``[start, end)``."""
    return any(first <= start and end <= last for first, last in intervals)


def overlaps(intervals: Iterable[Interval], start: int, end: int) -> bool:
    return any(first < end and start < last for first, last in intervals)


def fitting_starts(grid: Sequence[int], free: Sequence[Interval], length: int) -> Iterator[int]:
    """The indexes of ``grid`` (start seconds, in order) whose ``[start, start + length)`` lies inside
    one of the ``free`` intervals (merged, in order): found from each interval, not by trying every
    start."""
    for first, last in free:
        index = bisect.bisect_left(grid, first)
        while index < len(grid) and grid[index] + length <= last:
            yield index
            index += 1


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def overlapping_weekly(
    intervals: Iterable[tuple[int, int, int]],
) -> tuple[tuple[int, int, int], tuple[int, int, int]] | None:
    """Two of a week's ``(weekday, start, end)`` intervals that overlap (touching is fine), or None."""
    ordered = sorted(intervals)
    for before, after in itertools.pairwise(ordered):
        if before[0] == after[0] and after[1] < before[2]:
            return before, after
    return None
