"""The practice's staff in a real browser (headless Chromium), in English and in Arabic: a specialist
signs in, opens the calendar and books a session by clicking a free time; a viewer signs in, sees
the same week and may open a session but book none; a week of many staff stays legible. Screenshots
go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import Session
from tests import factories
from tests.backoffice.browser import ARTIFACTS, admin_login, chromium, full_page_screenshot, require_browser
from tests.backoffice.conftest import PASSWORD
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MONDAY = dt.date(2024, 1, 15)  # Berlin in winter: UTC+1
TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def practice(transactional_db):
    require_browser()
    workspace = factories.WorkspaceFactory(name="Praxis Berlin", timezone="Europe/Berlin")
    specialist = factories.MembershipFactory(
        workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Sami Specialist")
    )
    viewer = factories.MembershipFactory(workspace=workspace, role=Role.VIEWER, user=factories.UserFactory(name="Vera"))
    client = factories.ClientFactory(workspace=workspace, name="Clara Client")
    massage = factories.ServiceFactory(workspace=workspace, name="Massage", color="#3B82F6", duration_minutes=45)
    booked = SessionFactory(
        workspace=workspace,
        client=client,
        staff=specialist,
        date=MONDAY,
        start_time=dt.time(10),
        duration_minutes=60,
        services=[massage],
    )
    return {"workspace": workspace, "specialist": specialist, "viewer": viewer, "booked": booked}


def open_week(driver, base_url: str, language: str) -> None:
    driver.get(f"{base_url}/admin/")
    driver.add_cookie({"name": "django_language", "value": language, "path": "/"})
    driver.get(f"{base_url}/admin/calendar/?date={MONDAY}&view=week")


def click_free_time(driver, staff_id: str, day: dt.date, minutes_from_top: int) -> None:
    """A real click, in ``staff_id``'s column of ``day``, ``minutes_from_top`` below the grid's top."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    track = driver.find_element(By.CSS_SELECTOR, f'.bo-column[data-key="{staff_id}"][data-day="{day}"] .bo-track')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", track)
    height = track.size["height"]
    # (offsets are from the element's centre)
    ActionChains(driver).move_to_element_with_offset(track, 0, minutes_from_top - height / 2 + 1).click().perform()


def choose(driver, field: str, text: str) -> None:
    """Pick ``text`` in the autocomplete (select2) of ``field``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.CSS_SELECTOR, f".field-{field} .select2-selection").click()
    search = WebDriverWait(driver, 20).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, ".select2-container--open .select2-search__field"))
    )
    search.send_keys(text)
    option = WebDriverWait(driver, 20).until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//li[contains(@class, 'select2-results__option') and contains(., '{text}')]")
        )
    )
    option.click()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_specialist_books_a_session_from_a_free_time(live_server, practice, language):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    specialist = practice["specialist"]
    with chromium() as driver:
        admin_login(driver, live_server.url, specialist.user.email, PASSWORD)
        open_week(driver, live_server.url, language)
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        full_page_screenshot(driver, ARTIFACTS / f"members-specialist-week-{language}.png")

        # when they click Tuesday at 14:30 in their own column (the grid starts at 07:00: 450 minutes down)
        click_free_time(driver, specialist.pk, TUESDAY, 450)
        WebDriverWait(driver, 30).until(lambda d: "/admin/appointments/session/add/" in d.current_url)

        # then the add page has the staff member, the day and the time already
        assert driver.find_element(By.NAME, "date").get_attribute("value") == TUESDAY.isoformat()
        assert driver.find_element(By.NAME, "start_time").get_attribute("value") == "14:30"
        staff = driver.find_element(By.CSS_SELECTOR, "select[name=staff] option[selected]")
        assert staff.get_attribute("value") == specialist.pk
        workspace = driver.find_element(By.CSS_SELECTOR, "select[name=workspace]")
        assert workspace.get_attribute("disabled") is not None  # theirs, fixed
        driver.find_element(By.NAME, "name").send_keys("Booked from the calendar")
        choose(driver, "client", "Clara")
        choose(driver, "service_list", "Massage")
        full_page_screenshot(driver, ARTIFACTS / f"members-specialist-new-session-{language}.png")
        driver.find_element(By.NAME, "_save").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/admin/appointments/session/"))

    # and the session is theirs, that day, at that time, 45 minutes (the service's)
    session = Session.objects.get(name="Booked from the calendar")
    assert (session.staff_id, session.date, session.start_time, session.duration_minutes) == (
        specialist.pk,
        TUESDAY,
        dt.time(14, 30),
        45,
    )
    assert session.workspace_id == practice["workspace"].pk
    Session.objects.filter(pk=session.pk).delete()  # (the next language books the same time)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_viewer_sees_the_week_opens_a_session_and_books_none(live_server, practice, language):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    viewer, specialist, booked = practice["viewer"], practice["specialist"], practice["booked"]
    with chromium() as driver:
        admin_login(driver, live_server.url, viewer.user.email, PASSWORD)
        open_week(driver, live_server.url, language)
        full_page_screenshot(driver, ARTIFACTS / f"members-viewer-week-{language}.png")
        calendar = driver.current_url
        assert not driver.find_elements(By.CSS_SELECTOR, ".bo-track[data-add]")

        # a click on a free time does nothing
        click_free_time(driver, specialist.pk, TUESDAY, 450)
        assert driver.current_url == calendar

        # a click on a block opens its session (to view)
        driver.find_element(By.CSS_SELECTOR, f'[data-entry="session-{booked.pk}"]').click()
        WebDriverWait(driver, 30).until(lambda d: f"/admin/appointments/session/{booked.pk}/change/" in d.current_url)
        assert not driver.find_elements(By.NAME, "_save")  # read-only
        full_page_screenshot(driver, ARTIFACTS / f"members-viewer-session-{language}.png")
    assert Session.objects.count() == 1


LEGIBILITY_JS = """
const cut = [];
for (const block of document.querySelectorAll('.bo-block')) {
  for (const line of block.querySelectorAll('.bo-time, .bo-client')) {
    if (line.scrollWidth > line.clientWidth + 1) cut.push(block.dataset.entry + ' ' + line.className);
  }
}
const heads = [...document.querySelectorAll('.bo-head[dir=auto]')].map(h => ({
  text: h.textContent.trim(), direction: getComputedStyle(h).direction}));
const frame = document.getElementById('bo-frame');
return {cut, heads, scrolls: frame.scrollWidth > frame.clientWidth, pageWidth: document.documentElement.scrollWidth};
"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_week_of_many_staff_stays_legible(live_server, practice, language):
    # given ten staff members, each with a session at the same hour every day of the week
    workspace = practice["workspace"]
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER, user=factories.UserFactory(name="Olga"))
    client = factories.ClientFactory(workspace=workspace, name="Maximilian Client")
    for n in range(10):
        name = f"Staff Member Number {n}" if n % 2 else f"عضو الطاقم رقم {n}"
        member = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=name))
        for day in range(7):
            SessionFactory(
                workspace=workspace,
                client=client,
                staff=member,
                date=MONDAY - dt.timedelta(days=1) + dt.timedelta(days=day),
                start_time=dt.time(9),
                duration_minutes=60,
            )
    with chromium() as driver:
        admin_login(driver, live_server.url, owner.user.email, PASSWORD)
        open_week(driver, live_server.url, language)
        layout = driver.execute_script(LEGIBILITY_JS)
        full_page_screenshot(driver, ARTIFACTS / f"members-many-staff-{language}.png")
    # then no block's time or client is cut, the grid scrolls sideways inside its frame (the
    # page keeps its width), and Latin names read left to right in Arabic (cut at their end)
    assert not layout["cut"], layout["cut"][:5]
    assert layout["scrolls"] and layout["pageWidth"] <= 1400
    latin = [head for head in layout["heads"] if head["text"].startswith("Staff Member")]
    arabic = [head for head in layout["heads"] if head["text"].startswith("عضو")]
    assert latin and {head["direction"] for head in latin} == {"ltr"}
    assert arabic and {head["direction"] for head in arabic} == {"rtl"}
