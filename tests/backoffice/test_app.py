"""The app itself: imported from its own folder, its table tenant-shaped, its migrations current."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps

from backoffice.models import CalendarFeed
from workspaces.models import WorkspaceScopedModel

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_backoffice_imports_from_its_own_folder_not_from_tests():
    import backoffice

    assert Path(backoffice.__file__).resolve().parent == ROOT / "backoffice"
    assert Path(apps.get_app_config("backoffice").path).resolve() == ROOT / "backoffice"


def test_calendar_feed_is_a_tenant_table():
    # the project-wide tenant checks (tests/test_project.py) then cover its indexes
    assert issubclass(CalendarFeed, WorkspaceScopedModel)


def test_docs_screenshots_are_committed_and_referenced():
    readme = (ROOT / "README.md").read_text()
    for language in ("en", "ar"):
        assert (ROOT / "docs" / f"calendar-week-{language}.png").stat().st_size > 10_000
        assert f"(docs/calendar-week-{language}.png)" in readme
    assert readme.index("## Back office") < readme.index("## Layout")


def test_the_browser_test_skips_without_chromium_but_fails_in_ci(monkeypatch):
    from tests.backoffice import browser

    monkeypatch.setattr(browser, "browser_paths", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium and chromedriver are not installed"):
        browser.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="in CI they must be"):
        browser.require_browser()
