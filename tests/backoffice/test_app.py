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


def test_docs_screenshot_is_committed_and_referenced():
    assert (ROOT / "docs" / "calendar.png").stat().st_size > 10_000
    readme = (ROOT / "README.md").read_text()
    assert "![Admin calendar](docs/calendar.png)" in readme
    assert readme.index("## Back office") < readme.index("## Layout")
