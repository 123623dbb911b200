"""Every list of the back office fits a 1400-pixel-wide window without a cut column, for a
superuser (who also sees the workspace column) and for a practice's owner, in English and in
Arabic (headless Chromium; screenshots in tests/artifacts/)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.admin_scope.objects import make_tenant
from tests.backoffice.browser import ARTIFACTS, admin_login, chromium, full_page_screenshot, require_browser
from tests.backoffice.conftest import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTH = 1400
#: the list's table and the page: how wide they are and how much of them shows
MEASURE_JS = """
const results = document.querySelector('#changelist .results');
const cells = [...document.querySelectorAll('#result_list td, #result_list th')];
return {
  page: document.documentElement.scrollWidth,
  resultsScroll: results ? results.scrollWidth : 0,
  resultsShown: results ? results.clientWidth : 0,
  rows: document.querySelectorAll('#result_list tbody tr').length,
  clipped: cells.filter(c => c.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                          || c.getBoundingClientRect().left < -1).length,
};
"""


@pytest.fixture
def lists(transactional_db):
    require_browser()
    tenant = make_tenant("Al-Noor Physiotherapy and Nutrition Clinic", "Longnamedpractice")
    root = tenant.members["owner"].user.__class__.objects.create_superuser(email="root@example.com", password=PASSWORD)
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    return tenant, root, urls


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_list_fits_1400_pixels_without_a_cut_column(live_server, lists, language):
    tenant, root, urls = lists
    checked = 0
    for who, email in (("superuser", root.email), ("owner", tenant.members["owner"].user.email)):
        with chromium(width=WIDTH, height=900) as driver:
            admin_login(driver, live_server.url, email, PASSWORD)
            driver.add_cookie({"name": "django_language", "value": language, "path": "/"})
            for url in urls:
                driver.get(live_server.url + url)
                size = driver.execute_script(MEASURE_JS)
                if not size["rows"]:
                    continue  # (a list this member may not see, or an empty one)
                name = url.strip("/").replace("/", "-")
                full_page_screenshot(driver, ARTIFACTS / f"list-{who}-{language}-{name}.png")
                assert size["page"] <= WIDTH, (who, url, size)
                assert size["resultsScroll"] <= size["resultsShown"], (who, url, size)
                assert size["clipped"] == 0, (who, url, size)
                checked += 1
    assert checked >= len(urls) + 5  # every list as a superuser, and most as an owner
