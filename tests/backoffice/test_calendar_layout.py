"""Where blocks go on the day grid, computed server-side: real times in the workspace's zone,
right on the days clocks change (23 and 25 hours), overlaps side by side."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.calendar import PX_PER_MINUTE, build_column, readable_text_color, visible_hours
from backoffice.selectors import Entry
from tests.backoffice.conftest import FALL_BACK, SPRING_FORWARD
from workspaces.timezones import UTC, local_to_utc

pytestmark = pytest.mark.django_db  # the shared autouse cache fixture

BERLIN = "Europe/Berlin"


def entry(starts_at: dt.datetime, minutes: int = 60, id: str = "a" * 24) -> Entry:
    now = dt.datetime(2024, 1, 1, tzinfo=UTC)
    return Entry(
        kind="session",
        kind_label="Session",
        id=id,
        workspace_id="b" * 24,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        status="scheduled",
        status_label="Scheduled",
        cancelled=False,
        client_name="Clara",
        detail="Massage",
        color="#3B82F6",
        staff_id=None,
        staff_name="Sami",
        location="",
        created_at=now,
        updated_at=now,
        admin_url_name="admin:appointments_session_change",
    )


def local(day: dt.date, hh_mm: str) -> dt.datetime:
    return local_to_utc(day, dt.time.fromisoformat(hh_mm), BERLIN)


def column_for(day: dt.date, *entries: Entry, hours=None):
    hours = hours or visible_hours(entries, [day], BERLIN)
    return build_column(day=day, tz_name=BERLIN, entries=entries, hours=hours)


def test_an_ordinary_day_places_blocks_at_their_local_time():
    # given a 60-minute session at 10:00 Berlin time on an ordinary winter day (UTC+1)
    day = dt.date(2024, 1, 15)
    column = column_for(day, entry(local(day, "10:00")))
    # then the grid starts at 07:00 and the block is 3 hours down, 60 minutes tall
    assert column.marks[0].label == "07:00"
    (block,) = column.blocks
    assert (block.offset, block.minutes) == (180, 60)
    assert (block.top, block.height) == (180 * PX_PER_MINUTE, 60 * PX_PER_MINUTE)
    assert block.time_label == "10:00–11:00"
    assert column.day_minutes == 1440


def test_after_clocks_go_forward_a_session_is_still_at_its_local_hour_and_60_minutes_tall():
    # given the 23-hour day and a 60-minute session at 10:00 (after the 02:00 -> 03:00 jump)
    column = column_for(SPRING_FORWARD, entry(local(SPRING_FORWARD, "10:00")))
    (block,) = column.blocks
    # then it sits on the column's own 10:00 line, 3 hours below 07:00 as on any other day
    marks = {mark.label: mark.offset for mark in column.marks}
    assert block.offset == marks["10:00"] == 180
    assert block.minutes == 60
    assert block.time_label == "10:00–11:00"
    assert column.day_minutes == 23 * 60


def test_the_23_hour_day_has_no_2_oclock_and_a_session_across_the_jump_is_its_real_length():
    # given a 60-minute session from 01:30 (it ends at 03:30 local: the hour 02:00-03:00 never happens)
    column = column_for(SPRING_FORWARD, entry(local(SPRING_FORWARD, "01:30")), hours=(0, 24))
    labels = [mark.label for mark in column.marks]
    # then the grid skips 02:00 and the column is 23 hours long
    assert labels[:4] == ["00:00", "01:00", "03:00", "04:00"]
    assert "02:00" not in labels
    assert column.minutes == 23 * 60
    (block,) = column.blocks
    assert (block.offset, block.minutes) == (90, 60)
    assert block.time_label == "01:30–03:30"
    # and the 10:00 line is 9 real hours after midnight on this day
    assert {m.label: m.offset for m in column.marks}["10:00"] == 9 * 60


def test_the_grid_widens_to_the_earliest_session_and_starts_at_that_hour():
    # given the same session and the grid fitted to it
    column = column_for(SPRING_FORWARD, entry(local(SPRING_FORWARD, "01:30")))
    # then the grid starts at 01:00, half an hour above the block, and ends at 20:00
    assert [mark.label for mark in column.marks][:2] == ["01:00", "03:00"]
    assert (column.blocks[0].offset, column.blocks[0].minutes) == (30, 60)
    assert column.minutes == 18 * 60  # 01:00 to 20:00 without the hour that did not happen


def test_the_25_hour_day_shows_2_oclock_twice_and_keeps_both_sessions_in_it_apart():
    # given two sessions at 02:30 local, one in each occurrence of that hour (a real hour apart)
    first = local(FALL_BACK, "02:30")  # the first occurrence (summer time)
    second = first + dt.timedelta(hours=1)  # 02:30 again, winter time
    column = column_for(FALL_BACK, entry(first, id="1" * 24), entry(second, id="2" * 24), hours=(0, 24))
    # then the column is 25 hours long, 02:00 appears twice, and the blocks do not overlap
    assert column.day_minutes == column.minutes == 25 * 60
    assert [mark.label for mark in column.marks][:5] == ["00:00", "01:00", "02:00", "02:00", "03:00"]
    tops = sorted(block.offset for block in column.blocks)
    assert tops == [150, 210]
    assert all(block.minutes == 60 and block.lanes == 1 for block in column.blocks)
    assert [b.time_label for b in sorted(column.blocks, key=lambda b: b.offset)] == ["02:30–02:30", "02:30–03:30"]


def test_columns_line_up_at_the_first_visible_hour_whatever_the_day_length():
    # given a week grid from 07:00: the same 10:00 session on the 23-hour, an ordinary and the 25-hour day
    hours = (7, 20)
    tops = []
    for day in (SPRING_FORWARD, dt.date(2024, 6, 2), FALL_BACK):
        (block,) = column_for(day, entry(local(day, "10:00")), hours=hours).blocks
        tops.append((block.offset, block.minutes))
    # then it is drawn at the same place and height on each
    assert tops == [(180, 60)] * 3


def test_a_day_whose_midnight_does_not_exist_starts_at_one_oclock():
    # given Cairo, whose clocks went from 00:00 to 01:00 on 2024-04-26
    day = dt.date(2024, 4, 26)
    at_nine = local_to_utc(day, dt.time(9), "Africa/Cairo")
    column = build_column(day=day, tz_name="Africa/Cairo", entries=[entry(at_nine)], hours=(0, 24))
    # then the column has 23 hours starting at 01:00 and 09:00 is 8 hours down
    assert column.marks[0].label == "01:00"
    assert column.day_minutes == 23 * 60
    assert column.blocks[0].offset == 8 * 60


def test_a_session_past_midnight_is_cut_at_the_column_edges():
    # given a session from 23:00 for two hours
    day = dt.date(2024, 1, 15)
    night = entry(local(day, "23:00"), minutes=120)
    hours = visible_hours([night], [day, day + dt.timedelta(days=1)], BERLIN)
    assert hours == (0, 24)
    today = build_column(day=day, tz_name=BERLIN, entries=[night], hours=hours)
    tomorrow = build_column(day=day + dt.timedelta(days=1), tz_name=BERLIN, entries=[night], hours=hours)
    # then it is the last hour of one column and the first of the next
    assert (today.blocks[0].offset, today.blocks[0].minutes, today.blocks[0].ends_after) == (23 * 60, 60, True)
    assert (tomorrow.blocks[0].offset, tomorrow.blocks[0].minutes, tomorrow.blocks[0].starts_before) == (0, 60, True)


def test_overlapping_blocks_share_the_width_and_others_keep_it_whole():
    day = dt.date(2024, 1, 15)
    a = entry(local(day, "09:00"), 60, id="1" * 24)
    b = entry(local(day, "09:30"), 60, id="2" * 24)
    c = entry(local(day, "09:45"), 30, id="3" * 24)  # overlaps a and b
    d = entry(local(day, "10:15"), 30, id="4" * 24)  # overlaps b only, a and c ended: the first free lane
    e = entry(local(day, "14:00"), 60, id="5" * 24)  # alone
    column = column_for(day, a, b, c, d, e)
    placed = {block.entry.id[0]: (block.lane, block.lanes) for block in column.blocks}
    assert placed == {"1": (0, 3), "2": (1, 3), "3": (2, 3), "4": (0, 3), "5": (0, 1)}
    alone = next(block for block in column.blocks if block.entry.id[0] == "5")
    assert (alone.inline_start, alone.width) == (0, 100)


def test_text_is_readable_on_light_and_dark_colours():
    assert readable_text_color("#FFFF00") == "#000000"
    assert readable_text_color("#1E3A8A") == "#FFFFFF"
