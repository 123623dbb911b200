"""seed_demo's big-load path: indexes and foreign keys dropped for the COPY, then rebuilt as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from demo import seed as demo
from nutrition.models import FollowUp, NutritionSession
from sessions.models import Session, SessionService

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [model._meta.db_table for model in (Session, SessionService, NutritionSession, FollowUp)]


def structures() -> set[tuple]:
    """Every index and constraint of the session tables, as PostgreSQL would recreate it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[])"
            " UNION ALL SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = ANY(%s::regclass[])",
            [TABLES, TABLES],
        )
        return set(cursor.fetchall())


def snapshot() -> list[tuple]:
    return [
        list(Session.objects.order_by("id").values_list("id", "client_id", "staff_id", "starts_at", "status")),
        list(SessionService.objects.order_by("id").values_list("id", "session_id", "service_id", "position")),
        list(NutritionSession.objects.order_by("id").values_list("id", "client_id", "starts_at", "topic")),
        list(FollowUp.objects.order_by("id").values_list("id", "session_id", "due_date", "note")),
    ]


def clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE workspaces_workspace, workspaces_user, workspaces_membership, workspaces_client,"
            " services_service, appointments_session, appointments_sessionservice,"
            " nutrition_nutritionsession, nutrition_followup CASCADE"
        )


def test_a_big_load_rebuilds_every_index_and_foreign_key_and_loads_the_same_rows(monkeypatch):
    # given the structures as the migrations made them, and the rows a small (row by row) load gives
    before = structures()
    assert any(kind == "constraint" and "FOREIGN KEY" in definition for kind, _name, definition in before)
    anchor = dt.date(2025, 3, 20)
    demo.demo_seed(workspaces=2, sessions_per_workspace=120, seed=9, anchor=anchor, allow_production=True)
    expected = snapshot()
    clear()

    # when the same seed is loaded as a big load (the threshold lowered), watching the stages
    monkeypatch.setattr(demo, "REBUILD_FROM_ROWS", 10)
    monkeypatch.setattr(demo, "CHUNK_ROWS", 50)  # several COPY chunks
    stages: list[str] = []
    result = demo.demo_seed(
        workspaces=2, sessions_per_workspace=120, seed=9, anchor=anchor, stage=stages.append, allow_production=True
    )

    # then the rows are the same, and every index and constraint is back, defined as before
    assert result.sessions + result.consultations == 240
    assert snapshot() == expected
    assert structures() == before
    assert stages == ["indexes", "foreign keys", "statistics"]
    clear()


def test_a_load_into_tables_already_bigger_than_it_keeps_its_indexes(monkeypatch):
    # given tables that already hold more sessions than the next load brings
    monkeypatch.setattr(demo, "REBUILD_FROM_ROWS", 10)
    demo.demo_seed(workspaces=1, sessions_per_workspace=200, seed=21, allow_production=True)
    stages: list[str] = []

    # when a smaller load follows
    demo.demo_seed(workspaces=1, sessions_per_workspace=50, seed=22, stage=stages.append, allow_production=True)

    # then nothing was dropped or rebuilt
    assert stages == []
    clear()


def test_copy_text_escapes_what_the_format_reserves():
    assert demo._escape("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert demo._escape("جلسة") == "جلسة"
