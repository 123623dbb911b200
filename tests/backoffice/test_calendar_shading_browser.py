"""The shading in a real browser (headless Chromium): under the blocks, where the hours say, in
English and in Arabic; screenshots in tests/artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from availability.models import TimeOff
from tests import factories
from tests.availability.conftest import set_hours
from tests.backoffice.browser import ARTIFACTS, admin_login, chromium, full_page_screenshot, require_browser
from tests.backoffice.conftest import PASSWORD
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role
from workspaces.timezones import local_to_utc

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2024, 1, 15)

#: each shade's place in its column's track, and what the browser shows at a block's centre
LAYOUT_JS = """
const shades = [...document.querySelectorAll('.bo-shade')].map(el => {
  const track = el.closest('.bo-track').getBoundingClientRect();
  const box = el.getBoundingClientRect();
  return {kind: el.classList[1], column: el.closest('.bo-column').dataset.key, top: box.top - track.top,
    height: box.height, width: box.width, trackWidth: track.width,
    background: getComputedStyle(el).backgroundImage};
});
const block = document.querySelector('.bo-block').getBoundingClientRect();
const hit = document.elementFromPoint(block.left + block.width / 2, block.top + block.height / 2);
return {shades, blockOnTop: !!hit.closest('.bo-block'), dir: document.documentElement.dir};
"""


def test_the_day_view_shades_under_the_blocks(live_server, transactional_db):
    require_browser()
    workspace = factories.WorkspaceFactory(name="Praxis Berlin", timezone="Europe/Berlin")
    user = factories.UserFactory(name="Olga Owner", is_staff=True)
    factories.MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)
    specialist = factories.MembershipFactory(
        workspace=workspace, user=factories.UserFactory(name="Sami Specialist"), role=Role.SPECIALIST
    )
    set_hours(specialist, (1, "09:00", "17:00"))
    TimeOff.objects.create(
        workspace=workspace,
        membership=specialist,
        starts_at=local_to_utc(MONDAY, dt.time(14), "Europe/Berlin"),
        ends_at=local_to_utc(MONDAY, dt.time(15), "Europe/Berlin"),
    )
    # a session before the day starts, over the shade
    SessionFactory(workspace=workspace, staff=specialist, date=MONDAY, start_time=dt.time(8), duration_minutes=60)

    with chromium() as driver:
        admin_login(driver, live_server.url, user.email, PASSWORD)
        for language in ("en", "ar"):
            driver.add_cookie({"name": "django_language", "value": language, "path": "/"})
            driver.get(f"{live_server.url}/admin/calendar/?workspace={workspace.pk}&date={MONDAY}&view=day")
            layout = driver.execute_script(LAYOUT_JS)
            shades = [s for s in layout["shades"] if s["column"] == specialist.pk]
            # 07:00 to 09:00, 14:00 to 15:00 (time off) and 17:00 to 20:00, across the column's width
            assert [(s["kind"], round(s["top"]), round(s["height"])) for s in shades] == [
                ("bo-off-hours", 0, 120),
                ("bo-time-off", 420, 60),
                ("bo-off-hours", 600, 180),
            ]
            assert all(abs(s["width"] - s["trackWidth"]) <= 1 and s["background"] != "none" for s in shades)
            # the session at 08:00 is drawn over the shade, and can be clicked
            assert layout["blockOnTop"]
            assert layout["dir"] == ("rtl" if language == "ar" else "ltr")
            full_page_screenshot(driver, ARTIFACTS / f"calendar-shading-{language}.png")
    assert (ARTIFACTS / "calendar-shading-en.png").stat().st_size > 10_000
