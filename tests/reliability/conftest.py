"""The reliability suite: fast checks run with every ``scripts/test``; the end-to-end ones
(fuzzing, load, database restart, each against a live gunicorn) are marked ``e2e`` and run by
``scripts/reliability`` (``RELIABILITY_E2E=1``), a bounded step of its own in CI.

Figures the tests measure are collected with ``tests.reliability.figures.record`` and written, at the end of the
run, to ``RELIABILITY_REPORT`` (default ``.data/reliability.json``) and the terminal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.reliability.figures import FIGURES


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: starts a live stack (gunicorn, PostgreSQL); run by scripts/reliability")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RELIABILITY_E2E") == "1":
        return
    skip = pytest.mark.skip(reason="end-to-end: run by scripts/reliability (RELIABILITY_E2E=1)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    path = Path(
        os.environ.get("RELIABILITY_REPORT", Path(__file__).resolve().parents[2] / ".data" / "reliability.json")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(previous | FIGURES, indent=2, sort_keys=True))
    terminalreporter.write_sep("-", "reliability figures")
    for name, value in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name}: {value}")
