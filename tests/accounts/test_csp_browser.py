"""The Content-Security-Policy in a real browser (headless Chromium): the admin, its calendar,
a change form with its widgets and the API docs (Swagger UI) work under it, and the console
reports no violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.backoffice.browser import admin_login, chromium
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password


def violations(driver) -> list[str]:
    """What the console said about the policy since the last call (Chromium logs every refusal)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]
    ]


def wait_for(driver, css: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements("css selector", css))


def test_the_admin_calendar_and_the_api_docs_work_under_the_policy(live_server):
    # given a practice with sessions of both kinds today, and its owner signed in (a superuser:
    # who sees which admin page is not what this test is about)
    workspace = factories.WorkspaceFactory(name="CSP Clinic", timezone="Africa/Cairo")
    owner = factories.MembershipFactory(
        workspace=workspace,
        role=Role.OWNER,
        user=factories.UserFactory(email="owner@csp.example", is_staff=True, is_superuser=True),
    )
    client = factories.ClientFactory(workspace=workspace, name="Clara")
    service = factories.ServiceFactory(workspace=workspace, name="Massage", color="#3B82F6")
    today = timezone.localdate()
    session = SessionFactory(
        workspace=workspace,
        client=client,
        staff=owner,
        date=today,
        start_time=dt.time(10, 0),
        duration_minutes=60,
        services=[service],
    )
    NutritionSessionFactory(
        workspace=workspace, client=client, staff=owner, date=today, start_time=dt.time(13, 0), duration_minutes=45
    )

    with chromium() as driver:
        admin_login(driver, live_server.url, "owner@csp.example", PASSWORD)
        assert violations(driver) == []

        # the calendar: blocks laid out by their (inline) positions and colours
        driver.get(f"{live_server.url}/admin/calendar/?workspace={workspace.pk}&date={today}&view=day")
        blocks = wait_for(driver, ".bo-block")
        assert len(blocks) == 2
        assert blocks[0].size["height"] > 20  # its style attribute applied
        assert violations(driver) == []

        # a change form, with the admin's own scripts (autocomplete pickers, select2)
        driver.get(f"{live_server.url}/admin/appointments/session/{session.pk}/change/")
        wait_for(driver, "#session_form")
        wait_for(driver, ".select2-container")  # made by the admin's JavaScript
        assert violations(driver) == []

        # the language switcher's script (a file, no inline handler) still switches the language
        from selenium.webdriver.support.ui import Select

        Select(driver.find_element("id", "language-switcher-select")).select_by_value("ar")
        wait_for(driver, "html[dir=rtl]")
        assert violations(driver) == []

        # the API docs: Swagger UI renders every operation from the schema, scripts all from files
        driver.get(f"{live_server.url}/api/docs")
        operations = wait_for(driver, ".opblock")
        assert len(operations) > 20
        assert driver.find_elements("css selector", ".swagger-ui .info .title")
        assert violations(driver) == []
