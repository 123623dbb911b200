"""Figures the reliability tests measure, printed and saved at the end of the run (see conftest)."""

from __future__ import annotations

FIGURES: dict[str, object] = {}


def record(name: str, value: object) -> None:
    FIGURES[name] = value
