"""The admin calendar page: who may open it, what it draws where, filters, languages, queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from nutrition.models import ConsultationStatus
from sessions.models import SessionStatus
from tests import factories
from tests.backoffice.conftest import FALL_BACK, SPRING_FORWARD
from tests.backoffice.grid import parse_grid, text_of
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

URL = "/admin/calendar/"


def week(practice, day: dt.date, **params) -> dict:
    return {"workspace": practice.workspace.pk, "date": day.isoformat(), "view": "week", **params}


def blocks_by_entry(response) -> dict:
    grid = parse_grid(response.content)
    return {block.entry: (column, block) for column in grid.columns for block in column.blocks}


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_admin_login(db):
    response = HttpClient().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_every_member_may_open_it_and_nobody_else(practice):
    http = HttpClient()
    http.force_login(practice.specialist.user)  # a member: no staff flag needed
    assert http.get(URL).status_code == 200
    http.force_login(factories.UserFactory())  # a member of nothing
    assert http.get(URL).status_code == 302


def test_another_workspace_is_not_found_for_a_member_who_is_not_in_it(admin_http, practice):
    other = factories.WorkspaceFactory(name="Elsewhere")
    assert admin_http.get(URL, {"workspace": other.pk}).status_code == 404
    assert admin_http.get(URL, {"workspace": "not-an-id"}).status_code == 404
    # nor one of their own they do not work in now (switched in the header)
    later = factories.WorkspaceFactory(name="Zurich practice")  # after Praxis Berlin by name
    factories.MembershipFactory(workspace=later, user=practice.user)
    assert admin_http.get(URL, {"workspace": later.pk}).status_code == 404
    assert admin_http.get(URL, {"workspace": practice.workspace.pk}).status_code == 200


def test_a_superuser_may_open_any_workspace(practice):
    other = factories.WorkspaceFactory(name="Elsewhere")
    http = HttpClient()
    http.force_login(factories.UserFactory(is_superuser=True))
    assert http.get(URL, {"workspace": other.pk}).status_code == 200
    # and without a membership, the first workspace by name is the default
    assert http.get(URL).status_code == 200


def test_a_member_whose_subscription_expired_is_told_so(practice):
    practice.session(dt.date(2024, 1, 15), "10:00", 60)
    practice.workspace.subscription_expires_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    practice.workspace.save()
    http = HttpClient()
    http.force_login(practice.specialist.user)
    response = http.get(URL, {"date": "2024-01-15"})
    assert response.status_code == 200
    assert b"The subscription of Praxis Berlin has expired" in response.content
    assert "Your workspace’s subscription has expired" in response.content.decode()
    assert b"bo-block" not in response.content and b"Clara Client" not in response.content
    assert http.get(URL, {"workspace": practice.workspace.pk}).status_code == 404


def test_the_admin_index_links_to_the_calendar(admin_http):
    response = admin_http.get("/admin/")
    assert response.status_code == 200
    assert b'href="/admin/calendar/"' in response.content


# --- what is drawn where -----------------------------------------------------------------------


def test_week_view_draws_both_kinds_at_their_local_times_with_colours_and_change_links(admin_http, practice):
    # given a Monday in January (Berlin, UTC+1): a session with Massage first, a consultation
    day = dt.date(2024, 1, 15)
    massage, checkup = practice.services
    session = practice.session(day, "10:00", 90, services=[massage, checkup])
    consultation = practice.consultation(day + dt.timedelta(days=1), "14:30", 45)
    # when the week is opened
    response = admin_http.get(URL, week(practice, day))
    assert response.status_code == 200
    blocks = blocks_by_entry(response)
    # then the session is in Monday's column, 3 hours below 07:00, 90 minutes tall, in Massage's colour
    column, block = blocks[f"session-{session.pk}"]
    assert column.day == "2024-01-15"
    assert (block.top, block.height) == (180, 90)
    assert block.style["background-color"] == "#3B82F6"
    assert block.href == f"/admin/appointments/session/{session.pk}/change/"
    assert "10:00–11:30" in block.title and "Massage, Check-up" in block.title
    # and the consultation on Tuesday at 14:30 in the consultations' own colour, linking to its page
    column, block = blocks[f"consultation-{consultation.pk}"]
    assert column.day == "2024-01-16"
    assert (block.top, block.height) == (450, 45)
    assert block.style["background-color"] == "#475569"
    assert "bo-consultation" in block.classes
    assert block.href == f"/admin/nutrition/nutritionsession/{consultation.pk}/change/"
    # and the week runs Sunday to Saturday, each day with a column per staff member with sessions
    # that week (the specialist; the owner has none), in the same order every day
    columns = parse_grid(response.content).columns
    days = list(dict.fromkeys(column.day for column in columns))
    assert days == [(dt.date(2024, 1, 14) + dt.timedelta(days=i)).isoformat() for i in range(7)]
    assert [column.key for column in columns] == [practice.specialist.pk] * 7
    # the owner's session makes a column for them too, before the specialist's (by name)
    practice.session(day, "08:00", 30, staff=practice.owner)
    columns = parse_grid(admin_http.get(URL, week(practice, day)).content).columns
    assert [column.key for column in columns] == [practice.owner.pk, practice.specialist.pk] * 7


def test_on_the_day_clocks_go_forward_a_60_minute_session_is_60_minutes_tall_at_its_hour(admin_http, practice):
    # given 60-minute sessions at 10:00 on the 23-hour day and on the next (ordinary) day
    on_the_day = practice.session(SPRING_FORWARD, "10:00", 60)
    next_day = practice.session(SPRING_FORWARD + dt.timedelta(days=1), "10:00", 60)
    response = admin_http.get(URL, week(practice, SPRING_FORWARD))
    blocks = blocks_by_entry(response)
    column, block = blocks[f"session-{on_the_day.pk}"]
    ordinary_column, ordinary = blocks[f"session-{next_day.pk}"]
    # then both are drawn 60 px tall, 3 hours below the grid's 07:00 top, level with each other
    assert (block.top, block.height) == (ordinary.top, ordinary.height) == (180, 60)
    # and the short day is marked as such and labels its own hour lines; 10:00 is where the block is
    assert column.day_minutes == 23 * 60 and ordinary_column.day_minutes == 24 * 60
    assert "bo-own-hours" not in column.classes  # its visible hours (07:00-20:00) are ordinary
    assert column.hours[180.0] == ["10:00"]
    assert b"23-hour day" in response.content


def test_a_session_across_the_jump_and_the_hour_that_did_not_happen(admin_http, practice):
    # given a 60-minute session from 01:30 on the 23-hour day (it ends at 03:30 local)
    across = practice.session(SPRING_FORWARD, "01:30", 60)
    params = {
        "workspace": practice.workspace.pk,
        "date": SPRING_FORWARD,
        "view": "day",
        "staff": practice.specialist.pk,
    }
    grid = parse_grid(admin_http.get(URL, params).content)
    (column,) = grid.columns
    (block,) = column.blocks
    # then the grid starts at 01:00, has no 02:00, and the block is its real 60 minutes long
    labels = [label for top in sorted(column.hours) for label in column.hours[top]]
    assert labels[:3] == ["01:00", "03:00", "04:00"]
    assert "02:00" not in labels
    assert block.entry == f"session-{across.pk}"
    assert (block.top, block.height) == (30, 60)
    assert "01:30–03:30" in block.title


def test_on_the_day_clocks_go_back_both_two_oclocks_are_drawn_apart(admin_http, practice):
    # given a session in each occurrence of 02:30 (different staff: not a double booking)
    first = practice.session(FALL_BACK, "02:30", 60)
    again = practice.session(
        FALL_BACK,
        "02:30",
        60,
        staff=practice.owner,
        starts_at=first.starts_at + dt.timedelta(hours=1),
        ends_at=first.ends_at + dt.timedelta(hours=1),
    )
    response = admin_http.get(URL, {"workspace": practice.workspace.pk, "date": FALL_BACK, "view": "week"})
    blocks = blocks_by_entry(response)
    column, one = blocks[f"session-{first.pk}"]
    _column, two = blocks[f"session-{again.pk}"]
    # then the day's hour lines show 02:00 twice (labelled in its first column) and the blocks are
    # an hour apart, 60 tall each
    assert column.day_minutes == 25 * 60
    first = next(c for c in parse_grid(response.content).columns if c.day == FALL_BACK.isoformat())
    assert "bo-own-hours" in first.classes and "bo-own-hours" not in column.classes
    assert [column.hours[top] for top in sorted(column.hours)][:3] == [["02:00"], ["02:00"], ["03:00"]]
    assert (one.top, one.height) == (30, 60)
    assert (two.top, two.height) == (90, 60)
    assert b"25-hour day" in response.content


def test_day_view_has_a_column_per_staff_member_and_overlaps_side_by_side(admin_http, practice):
    day = dt.date(2024, 1, 15)
    mine = practice.session(day, "09:00", 60, staff=practice.owner)
    theirs = practice.session(day, "09:00", 60)
    unassigned = practice.session(day, "11:00", 30, staff=None)
    factories.MembershipFactory(workspace=practice.workspace, role=Role.VIEWER)  # holds no sessions: no column
    response = admin_http.get(URL, {"workspace": practice.workspace.pk, "date": day, "view": "day"})
    grid = parse_grid(response.content)
    columns = {column.key: column for column in grid.columns}
    assert list(columns) == [practice.owner.pk, practice.specialist.pk, "unassigned"]
    assert [b.entry for b in columns[practice.owner.pk].blocks] == [f"session-{mine.pk}"]
    assert [b.entry for b in columns[practice.specialist.pk].blocks] == [f"session-{theirs.pk}"]
    assert [b.entry for b in columns["unassigned"].blocks] == [f"session-{unassigned.pk}"]
    # in the week view too, each in its staff member's column, whole width (legible)
    week_blocks = blocks_by_entry(admin_http.get(URL, week(practice, day)))
    placed = {b.entry: (c.key, b.style["inset-inline-start"], b.style["width"]) for c, b in week_blocks.values()}
    assert placed[f"session-{mine.pk}"] == (practice.owner.pk, "0.0%", "100.0%")
    assert placed[f"session-{theirs.pk}"] == (practice.specialist.pk, "0.0%", "100.0%")


def test_overlapping_blocks_of_one_staff_member_make_their_column_wider(admin_http, practice):
    # given a cancelled 09:00 session and the one booked in its place, for the same specialist
    day = dt.date(2024, 1, 15)
    cancelled = practice.session(day, "09:00", 60, status=SessionStatus.CANCELLED)
    booked = practice.session(day, "09:00", 60)
    response = admin_http.get(URL, week(practice, day))
    column, block = blocks_by_entry(response)[f"session-{booked.pk}"]
    _column, other = blocks_by_entry(response)[f"session-{cancelled.pk}"]
    # then they stand side by side, and the column is two lanes wide (each lane keeps its minimum)
    assert {block.style["width"], other.style["width"]} == {"50.0%"}
    assert "calc(2 * var(--bo-lane-width))" in column.style["min-width"]


def test_staff_filter_shows_only_that_staff_members_sessions(admin_http, practice):
    day = dt.date(2024, 1, 15)
    practice.session(day, "09:00", 60, staff=practice.owner)
    theirs = practice.session(day, "12:00", 60)
    consult = practice.consultation(day, "15:00", 60)
    for view in ("day", "week"):
        response = admin_http.get(URL, {**week(practice, day), "view": view, "staff": practice.specialist.pk})
        assert set(blocks_by_entry(response)) == {f"session-{theirs.pk}", f"consultation-{consult.pk}"}


def test_cancelled_and_no_show_are_drawn_struck_through(admin_http, practice):
    day = dt.date(2024, 1, 15)
    cancelled = practice.session(day, "09:00", status=SessionStatus.CANCELLED)
    no_show = practice.consultation(day, "11:00", status=ConsultationStatus.NO_SHOW)
    blocks = blocks_by_entry(admin_http.get(URL, week(practice, day)))
    assert "bo-cancelled" in blocks[f"session-{cancelled.pk}"][1].classes
    assert "bo-cancelled" in blocks[f"consultation-{no_show.pk}"][1].classes


def test_a_session_without_a_coloured_service_gets_the_neutral_colour(admin_http, practice):
    day = dt.date(2024, 1, 15)
    plain = factories.ServiceFactory(workspace=practice.workspace, name="Plain", color=None)
    session = practice.session(day, "09:00", services=[plain, practice.services[0]])
    blocks = blocks_by_entry(admin_http.get(URL, week(practice, day)))
    assert blocks[f"session-{session.pk}"][1].style["background-color"] == "#94A3B8"


def test_other_workspaces_sessions_never_show(admin_http, practice):
    day = dt.date(2024, 1, 15)
    from tests.sessions.factories import SessionFactory

    elsewhere = SessionFactory(date=day)
    blocks = blocks_by_entry(admin_http.get(URL, week(practice, day)))
    assert f"session-{elsewhere.pk}" not in blocks


def test_defaults_and_bad_filter_values(admin_http, practice):
    # no parameters: the user's first workspace, this week, from today in the workspace's zone
    response = admin_http.get(URL)
    assert response.status_code == 200
    assert response.context["workspace"] == practice.workspace
    assert response.context["view"] == "week"
    # a bad date or view falls back to the default and says so; an unknown staff id too
    response = admin_http.get(URL, {"workspace": practice.workspace.pk, "date": "2024-02-30", "view": "year"})
    assert response.status_code == 200
    assert response.context["view"] == "week"
    assert response.context["form"].errors.keys() == {"date", "view"}
    for far in ("0001-01-01", "9999-12-31"):
        response = admin_http.get(URL, {"workspace": practice.workspace.pk, "date": far})
        assert response.status_code == 200 and "date" in response.context["form"].errors
    response = admin_http.get(URL, {"workspace": practice.workspace.pk, "staff": "0" * 24})
    assert response.status_code == 200 and "staff" in response.context["form"].errors


def test_navigation_links_move_by_a_day_or_a_week(admin_http, practice):
    response = admin_http.get(URL, week(practice, dt.date(2024, 1, 15)))
    links = response.context["links"]
    assert "date=2024-01-22" in links["next"] and "date=2024-01-08" in links["previous"]
    response = admin_http.get(URL, {**week(practice, dt.date(2024, 1, 15)), "view": "day"})
    links = response.context["links"]
    assert "date=2024-01-16" in links["next"] and "date=2024-01-14" in links["previous"]


def test_arabic_renders_right_to_left(admin_http, practice):
    day = dt.date(2024, 1, 15)
    session = practice.session(day, "10:00", 60)
    admin_http.cookies["django_language"] = "ar"
    response = admin_http.get(URL, week(practice, day))
    grid = parse_grid(response.content)
    assert grid.html_attrs["dir"] == "rtl"
    assert grid.html_attrs["lang"] == "ar"
    # numbers in styles are never localised (no Arabic decimal comma in CSS)
    _column, block = blocks_by_entry(response)[f"session-{session.pk}"]
    assert (block.top, block.height) == (180, 60)
    assert block.style["width"] == "100.0%"
    # Django's own Arabic: day names in the column heads
    assert "يناير" in text_of(response.content)


# --- queries -----------------------------------------------------------------------------------


def _count_queries(http, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("view", ["day", "week"])
def test_query_count_does_not_grow_with_sessions(admin_http, practice, django_assert_num_queries, view):
    # Queries: 1 session row, 2 user, 3 the user's memberships with their workspaces (who may
    # enter, where they work and their role: the navigation needs nothing more), 4 the
    # workspace's staff (members + users), 5 sessions with client, staff, user and the services'
    # names and first colour, 6 consultations with client, staff and user, 7 the working hours
    # and 8 the time off of the staff shown (their columns are shaded)
    day = dt.date(2024, 1, 15)
    params = {**week(practice, day), "view": view}
    practice.session(day, "08:00", 30)
    with django_assert_num_queries(8):
        admin_http.get(URL, params)
    for hour in range(9, 18):
        other_staff = factories.MembershipFactory(workspace=practice.workspace)
        practice.session(day, f"{hour:02d}:00", 45, staff=other_staff, services=practice.services)
        practice.consultation(day, f"{hour:02d}:00", 30)
        practice.consultation(day + dt.timedelta(days=1), f"{hour:02d}:00", 30)
    with django_assert_num_queries(8):
        response = admin_http.get(URL, params)
    assert len(blocks_by_entry(response)) == (28 if view == "week" else 19)


# --- a new session from a free time --------------------------------------------------------------


def test_each_column_offers_a_new_session_for_its_staff_member_and_day_to_who_may_create(admin_http, practice):
    day = dt.date(2024, 1, 15)
    practice.session(day, "10:00", 60)  # the specialist's column is in the week
    columns = parse_grid(admin_http.get(URL, week(practice, day)).content).columns
    add = {(c.key, c.day): c.add for c in columns}
    assert add[(practice.specialist.pk, "2024-01-16")] == (
        f"/admin/appointments/session/add/?&staff={practice.specialist.pk}&date=2024-01-16"
    )
    # and the add page it opens (the script adds the time clicked) is prefilled
    page = admin_http.get(f"{add[(practice.specialist.pk, '2024-01-16')]}&start_time=09:15")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert (form["staff"].value(), form["date"].value(), form["start_time"].value()) == (
        practice.specialist.pk,
        "2024-01-16",
        "09:15",
    )
    # a viewer may not create sessions: no column offers it
    viewer = factories.MembershipFactory(workspace=practice.workspace, role=Role.VIEWER)
    http = HttpClient()
    http.force_login(viewer.user)
    assert not any(c.add for c in parse_grid(http.get(URL, week(practice, day)).content).columns)


def test_a_superusers_new_session_names_the_workspace(practice):
    http = HttpClient()
    http.force_login(factories.UserFactory(is_superuser=True))
    columns = parse_grid(http.get(URL, week(practice, dt.date(2024, 1, 15))).content).columns
    assert columns[0].add.startswith(f"/admin/appointments/session/add/?workspace={practice.workspace.pk}&staff=")
