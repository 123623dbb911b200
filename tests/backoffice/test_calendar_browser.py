"""The calendar in a real browser (headless Chromium): blocks where they belong, by computed layout,
in English and in Arabic (right to left), with screenshots saved to tests/artifacts/; members
book a session from a free time; many staff stay legible."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests import factories
from tests.backoffice.browser import ARTIFACTS, admin_login, chromium, full_page_screenshot, require_browser
from tests.backoffice.conftest import PASSWORD, SPRING_FORWARD
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: each block's top and height relative to its column's track, and the columns' horizontal order
LAYOUT_JS = """
const blocks = {};
for (const el of document.querySelectorAll('.bo-block')) {
  const track = el.closest('.bo-track').getBoundingClientRect();
  const box = el.getBoundingClientRect();
  blocks[el.dataset.entry] = {top: box.top - track.top, height: box.height, left: box.left - track.left, x: box.left,
    width: box.width, trackWidth: track.width, day: el.closest('.bo-column').dataset.day,
    color: getComputedStyle(el).backgroundColor};
}
const columns = [...document.querySelectorAll('.bo-column')].map(c => ({
  day: c.dataset.day, key: c.dataset.key, left: c.getBoundingClientRect().left}));
const gutter = document.querySelector('.bo-gutter').getBoundingClientRect();
const grid = document.querySelector('.bo-days').getBoundingClientRect();
return {blocks, columns, dir: document.documentElement.dir, lang: document.documentElement.lang,
  gutterLeft: gutter.left, gridLeft: grid.left};
"""


@pytest.fixture
def week_with_a_dst_change(transactional_db):
    require_browser()  # skip before building anything when there is no browser
    workspace = factories.WorkspaceFactory(name="Praxis Berlin", timezone="Europe/Berlin")
    user = factories.UserFactory(name="Olga Owner")  # a member: no staff flag
    owner = factories.MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    specialist = factories.MembershipFactory(
        workspace=workspace, user=factories.UserFactory(name="Sami Specialist"), role=Role.SPECIALIST
    )
    client = factories.ClientFactory(workspace=workspace, name="Clara Client")
    massage = factories.ServiceFactory(workspace=workspace, name="Massage", color="#3B82F6")
    checkup = factories.ServiceFactory(workspace=workspace, name="Check-up", color="#F59E0B")

    def session(day, hour, minute, minutes, staff, services):
        return SessionFactory(
            workspace=workspace,
            client=client,
            staff=staff,
            date=day,
            start_time=dt.time(hour, minute),
            duration_minutes=minutes,
            services=services,
        )

    monday = SPRING_FORWARD + dt.timedelta(days=1)
    items = {
        # on the 23-hour day, after the clocks went forward: 60 minutes at 10:00
        "dst": session(SPRING_FORWARD, 10, 0, 60, specialist, [massage]),
        # the same on an ordinary day, and an overlapping one beside it
        "ordinary": session(monday, 10, 0, 60, specialist, [checkup, massage]),
        "beside": session(monday, 10, 30, 90, owner, [massage]),
        "consultation": NutritionSessionFactory(
            workspace=workspace,
            client=client,
            staff=specialist,
            date=monday + dt.timedelta(days=1),
            start_time=dt.time(8, 15),
            duration_minutes=45,
            topic="Meal plan review",
        ),
    }
    return workspace, user, items


def open_week(driver, live_server, workspace, *, language: str):
    driver.get(f"{live_server.url}/admin/")
    driver.add_cookie({"name": "django_language", "value": language, "path": "/"})
    driver.get(f"{live_server.url}/admin/calendar/?workspace={workspace.pk}&date={SPRING_FORWARD}&view=week")
    return driver.execute_script(LAYOUT_JS)


def assert_placed(layout, items):
    blocks = layout["blocks"]
    dst = blocks[f"session-{items['dst'].pk}"]
    ordinary = blocks[f"session-{items['ordinary'].pk}"]
    beside = blocks[f"session-{items['beside'].pk}"]
    consultation = blocks[f"consultation-{items['consultation'].pk}"]
    # the grid starts at 07:00 (nothing earlier): 10:00 is 180 px down, 60 minutes are 60 px,
    # on the 23-hour day exactly as on an ordinary one
    assert dst["day"] == "2024-03-31"
    assert (round(dst["top"]), round(dst["height"])) == (180, 60)
    assert (round(ordinary["top"]), round(ordinary["height"])) == (180, 60)
    assert (round(beside["top"]), round(beside["height"])) == (210, 90)
    assert (round(consultation["top"]), round(consultation["height"])) == (75, 45)
    # colours: the first service's, and the consultations' own
    assert dst["color"] == "rgb(59, 130, 246)"
    assert ordinary["color"] == "rgb(245, 158, 11)"
    assert consultation["color"] == "rgb(71, 85, 105)"
    # overlapping blocks of two staff members: each in its staff member's column, whole width
    assert abs(ordinary["width"] - ordinary["trackWidth"]) <= 1
    assert abs(beside["width"] - beside["trackWidth"]) <= 1
    return ordinary, beside


def test_week_view_in_english_and_in_arabic(live_server, week_with_a_dst_change):
    workspace, user, items = week_with_a_dst_change
    with chromium() as driver:
        admin_login(driver, live_server.url, user.email, PASSWORD)

        layout = open_week(driver, live_server, workspace, language="en")
        assert (layout["dir"], layout["lang"]) == ("ltr", "en")
        ordinary, beside = assert_placed(layout, items)
        # left to right: Sunday's columns first, on the left; the hours on the left of the grid;
        # within a day the owner's column, then the specialist's
        lefts = [column["left"] for column in layout["columns"]]
        assert lefts == sorted(lefts)
        assert layout["gutterLeft"] < layout["gridLeft"]
        assert beside["x"] < ordinary["x"]
        full_page_screenshot(driver, ARTIFACTS / "calendar-week-en.png")

        layout = open_week(driver, live_server, workspace, language="ar")
        assert (layout["dir"], layout["lang"]) == ("rtl", "ar")
        ordinary, beside = assert_placed(layout, items)
        # right to left: Sunday's columns first, on the right; the hours on the right; the owner's
        # column on the right of the specialist's
        lefts = [column["left"] for column in layout["columns"]]
        assert lefts == sorted(lefts, reverse=True)
        assert layout["gutterLeft"] > layout["gridLeft"]
        assert beside["x"] > ordinary["x"]
        assert driver.find_element("css selector", "html").get_attribute("dir") == "rtl"
        full_page_screenshot(driver, ARTIFACTS / "calendar-week-ar.png")

    assert (ARTIFACTS / "calendar-week-en.png").stat().st_size > 10_000
    assert (ARTIFACTS / "calendar-week-ar.png").stat().st_size > 10_000


@pytest.mark.skipif(
    not os.environ.get("UPDATE_DOCS_SCREENSHOT"),
    reason="writes docs/calendar-week-en.png and -ar.png from demo data: run with UPDATE_DOCS_SCREENSHOT=1",
)
def test_docs_screenshots_of_the_all_staff_week_with_demo_data(live_server, transactional_db):
    require_browser()
    from demo.seed import DEMO_PASSWORD, demo_seed

    anchor = dt.date(2026, 4, 22)  # the week Cairo moves its clocks forward (Friday 24 April at 00:00)
    demo_seed(
        workspaces=1,
        sessions_per_workspace=200,
        seed=1,
        anchor=anchor,
        allow_production=True,  # the test server runs with DEBUG off
    )
    with chromium(width=1400, height=1000) as driver:
        # the first practice's owner (a member, as the practice's staff sign in)
        admin_login(driver, live_server.url, "owner0.w0.s1@demo.example", DEMO_PASSWORD)
        for language in ("en", "ar"):
            driver.add_cookie({"name": "django_language", "value": language, "path": "/"})
            driver.get(f"{live_server.url}/admin/calendar/?date={anchor}&view=week")
            assert driver.find_elements("css selector", ".bo-block")
            # the whole week, however wide: the window as wide as the grid
            width = driver.execute_script(
                "return Math.ceil(document.getElementById('bo-grid').scrollWidth"
                " + 2 * document.getElementById('bo-frame').getBoundingClientRect().left + 40)"
            )
            driver.set_window_size(max(width, 1400), 1000)
            driver.get(f"{live_server.url}/admin/calendar/?date={anchor}&view=week")
            full_page_screenshot(driver, DOCS / f"calendar-week-{language}.png")
            driver.set_window_size(1400, 1000)
