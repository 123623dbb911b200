"""Laying sessions out on a day grid, in a workspace's local time, right across DST changes.

A column is one local day. Its vertical axis is *real elapsed time* from the column's first
visible local hour, so a block's top is where its start instant falls and its height is its
real duration: a 60-minute session is 60 minutes tall even on the day clocks change, and a day
of 23 or 25 hours is a column 23 or 25 hours long, whose hour lines carry their local labels
(``01:00`` twice when clocks go back, no ``02:00`` when they go forward). Every conversion goes
through :mod:`workspaces.timezones`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from availability.windows import merged, seconds, without, working_intervals
from backoffice.selectors import Entry
from workspaces.timezones import UTC, local_day_bounds, utc_to_local

#: vertical scale of the grid
PX_PER_MINUTE = 1
#: hours always shown (local wall clock), widened to fit the sessions of the range
DEFAULT_FIRST_HOUR = 7
DEFAULT_LAST_HOUR = 20
MARK_STEP = timedelta(minutes=15)  # every real UTC offset is a multiple of 15 minutes


@dataclass(frozen=True)
class HourMark:
    offset: int  # minutes from the column's top
    label: str

    @property
    def top(self) -> float:
        return self.offset * PX_PER_MINUTE


@dataclass
class Block:
    entry: Entry
    offset: int  # minutes from the column's top
    minutes: int  # drawn length (the real duration, cut at the column's edges)
    starts_before: bool
    ends_after: bool
    local_start: datetime
    local_end: datetime
    lane: int = 0
    lanes: int = 1

    @property
    def top(self) -> float:
        return self.offset * PX_PER_MINUTE

    @property
    def height(self) -> float:
        return self.minutes * PX_PER_MINUTE

    @property
    def inline_start(self) -> float:
        return round(100 * self.lane / self.lanes, 4)

    @property
    def width(self) -> float:
        return round(100 / self.lanes, 4)

    @property
    def time_label(self) -> str:
        return f"{self.local_start:%H:%M}–{self.local_end:%H:%M}"

    @property
    def short_time_label(self) -> str:
        """What a block shows: start and end, or the start only when it is short (30 minutes or
        less: one line of text), so that the time is never cut."""
        return f"{self.local_start:%H:%M}" if self.minutes <= 30 else self.time_label

    @property
    def text_color(self) -> str:
        return readable_text_color(self.entry.color)


@dataclass(frozen=True)
class Shade:
    """A stretch of a staff member's column shaded: outside their working hours, or their time off."""

    kind: str  # OFF_HOURS or TIME_OFF
    offset: int  # minutes from the column's top
    minutes: int

    @property
    def top(self) -> float:
        return self.offset * PX_PER_MINUTE

    @property
    def height(self) -> float:
        return self.minutes * PX_PER_MINUTE


OFF_HOURS, TIME_OFF = "off-hours", "time-off"


@dataclass
class Column:
    day: date
    key: str  # what the column stands for: the day, or a staff member's id in the day view
    title: str
    day_minutes: int  # real length of the local day: 1380, 1440 or 1500 around DST changes
    minutes: int  # visible length
    marks: list[HourMark]
    blocks: list[Block] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    own_hours: bool = False  # labels its own hour lines (its hours differ from the grid's labels)
    link: str = ""
    staff_id: str = ""  # the staff member the column is for ("" for unassigned)
    add_url: str = ""  # a new session here: the add page, with the staff member and the date

    @property
    def height(self) -> float:
        return self.minutes * PX_PER_MINUTE

    @property
    def lanes(self) -> int:
        """How many blocks stand side by side at most: the column is that many lanes wide, each
        wide enough to keep a block's time and client legible."""
        return max((block.lanes for block in self.blocks), default=1)

    @property
    def irregular(self) -> bool:
        return self.day_minutes != 1440


@dataclass
class DayGroup:
    """One day of the grid: a column per staff member (or a single one), under the day's head."""

    day: date
    title: str
    columns: list[Column]
    link: str = ""

    @property
    def day_minutes(self) -> int:
        return self.columns[0].day_minutes

    @property
    def lanes(self) -> int:
        return sum(column.lanes for column in self.columns)


def readable_text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (#RRGGBB)."""
    try:
        r, g, b = (int(background[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "#000000"

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#000000" if luminance > 0.179 else "#FFFFFF"


def _minutes(delta: timedelta) -> int:
    return round(delta.total_seconds() / 60)


def local_hour_marks(day: date, tz_name: str) -> tuple[datetime, datetime, list[tuple[datetime, datetime]]]:
    """The day's bounds and each local full hour in it: (instant, local time), in real order."""
    start, end = local_day_bounds(day, tz_name)
    marks = []
    instant = start
    while instant < end:
        local = utc_to_local(instant, tz_name)
        if local.minute == 0:
            marks.append((instant, local))
        instant += MARK_STEP
    return start, end, marks


def visible_hours(entries: Iterable[Entry], days: list[date], tz_name: str) -> tuple[int, int]:
    """The wall-clock hours [first, last) to show: the defaults, widened to fit every entry."""
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    shown = set(days)
    for entry in entries:
        local_start = utc_to_local(entry.starts_at, tz_name)
        local_end = utc_to_local(entry.ends_at, tz_name)
        if local_end.date() == local_start.date():
            first = min(first, local_start.hour)
            last = max(last, local_end.hour + (1 if local_end.minute or local_end.second else 0))
            continue
        # past midnight: the evening's column runs to the end, the morning's from the start
        if local_start.date() in shown:
            first, last = min(first, local_start.hour), 24
        if local_end.time() != time(0) and any(local_start.date() < day <= local_end.date() for day in shown):
            first = 0
    return first, min(last, 24)


def build_column(
    *,
    day: date,
    tz_name: str,
    entries: Iterable[Entry],
    hours: tuple[int, int],
    key: str = "",
    title: str = "",
    shaded: Iterable[tuple[str, datetime, datetime]] = (),
) -> Column:
    """One local day's column: its hour lines, its blocks laid out in lanes, and the ``shaded``
    spans (``(kind, start, end)``, from :func:`shaded_spans`) that fall in it."""
    day_start, day_end, marks = local_hour_marks(day, tz_name)
    first_hour, last_hour = hours
    # the column runs from the first mark at or after first_hour to the first at or after
    # last_hour (or to the day's end): wall-clock hours, so columns line up wherever the
    # clocks did not change in between
    top = next((instant for instant, local in marks if local.hour >= first_hour), day_start)
    bottom = day_end
    if last_hour < 24:
        bottom = next((instant for instant, local in marks if instant > top and local.hour >= last_hour), day_end)
    column = Column(
        day=day,
        key=key or day.isoformat(),
        title=title,
        day_minutes=_minutes(day_end - day_start),
        minutes=_minutes(bottom - top),
        marks=[
            HourMark(offset=_minutes(instant - top), label=f"{local:%H:%M}")
            for instant, local in marks
            if top <= instant < bottom
        ],
    )
    for entry in entries:
        if entry.ends_at <= top or entry.starts_at >= bottom:
            continue
        shown_start, shown_end = max(entry.starts_at, top), min(entry.ends_at, bottom)
        column.blocks.append(
            Block(
                entry=entry,
                offset=_minutes(shown_start - top),
                minutes=max(_minutes(shown_end - shown_start), 1),
                starts_before=entry.starts_at < top,
                ends_after=entry.ends_at > bottom,
                local_start=utc_to_local(entry.starts_at, tz_name),
                local_end=utc_to_local(entry.ends_at, tz_name),
            )
        )
    for kind, start, end in shaded:
        if end > top and start < bottom:
            offset = _minutes(max(start, top) - top)
            column.shades.append(Shade(kind, offset, _minutes(min(end, bottom) - top) - offset))
    assign_lanes(column.blocks)
    return column


def shaded_spans(
    *,
    days: list[date],
    tz_name: str,
    weeks: dict[str, list[tuple[int, int, int]]],
    time_off: dict[str, list[tuple[datetime, datetime]]],
) -> dict[tuple[str, date], list[tuple[str, datetime, datetime]]]:
    """What to shade in each staff member's column of each local day: ``{(member id, day): [(kind,
    start, end)]}``, instants in order. Outside their working hours (``OFF_HOURS``: only for a
    member who has working hours) and their time off (``TIME_OFF``), as the free slots count them
    (:mod:`availability.windows`, on real instants: a working day across a clock change is as long
    as it really is)."""
    shaded: dict[tuple[str, date], list[tuple[str, datetime, datetime]]] = {}
    around = [days[0] - timedelta(days=1), *days, days[-1] + timedelta(days=1)]
    for member_id in set(weeks) | set(time_off):
        working = working_intervals(weeks[member_id], around, tz_name) if weeks.get(member_id) else None
        leave = merged((seconds(start), seconds(end, up=True)) for start, end in time_off.get(member_id, ()))
        for day in days:
            first, last = (seconds(instant) for instant in local_day_bounds(day, tz_name))
            spans = [
                (TIME_OFF, max(start, first), min(end, last)) for start, end in leave if start < last and end > first
            ]
            if working is not None:
                spans += [(OFF_HOURS, start, end) for start, end in without([(first, last)], [*working, *leave])]
            shaded[(member_id, day)] = [
                (kind, _instant(start), _instant(end)) for kind, start, end in sorted(spans, key=lambda s: s[1])
            ]
    return shaded


def _instant(second: int) -> datetime:
    return datetime.fromtimestamp(second, UTC)


def assign_lanes(blocks: list[Block]) -> None:
    """Side by side where blocks overlap: each cluster of overlapping blocks shares its lanes."""
    blocks.sort(key=lambda block: (block.offset, -block.minutes, block.entry.id))
    cluster: list[Block] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for member in cluster:
            member.lanes = len(lane_ends)

    for block in blocks:
        if cluster and block.offset >= cluster_end:
            close()
            cluster, lane_ends = [], []
        free = next((i for i, end in enumerate(lane_ends) if end <= block.offset), None)
        if free is None:
            lane_ends.append(block.offset + block.minutes)
            block.lane = len(lane_ends) - 1
        else:
            lane_ends[free] = block.offset + block.minutes
            block.lane = free
        cluster.append(block)
        cluster_end = (
            max(cluster_end, block.offset + block.minutes) if len(cluster) > 1 else block.offset + block.minutes
        )
    if cluster:
        close()
