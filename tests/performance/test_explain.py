"""The week view reads through a workspace-led index, so its cost follows the workspace, not the table.

The query is the one the list endpoint really runs (captured from a request), explained with
sequential scans disabled: on tables this small the planner would rightly read the whole heap,
and the question here is which index it can use, not whether it wants one yet.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.nutrition.conftest import nutrition_url
from tests.sessions.conftest import sessions_url
from tests.sessions.factories import SessionFactory
from workspaces.timezones import local_span

pytestmark = pytest.mark.django_db

WEEK = {"dateFrom": "2024-01-15", "dateTo": "2024-01-21"}


def captured_query(client, url, params, table: str) -> str:
    """The SQL of the request's query that reads ``table``'s rows."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    matching = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert len(matching) == 1, queries.captured_queries
    return matching[0]


def scans_of(plan: dict, table: str) -> list[dict]:
    """Every plan node that reads ``table`` (a bitmap heap scan with its index scan below it)."""
    found = []
    if plan.get("Relation Name") == table:
        found.append(plan)
    for child in plan.get("Plans", []):
        if plan.get("Relation Name") == table and child["Node Type"] == "Bitmap Index Scan":
            found.append(child)
        found += scans_of(child, table)
    return found


def leading_column(index_name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]"
            " WHERE x.indexrelid = %s::regclass",
            [index_name],
        )
        return cursor.fetchone()[0]


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    return (orjson.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def assert_workspace_led_index_scan(plan: dict, table: str) -> list[str]:
    scans = scans_of(plan, table)
    assert scans, plan
    indexes = []
    for node in scans:
        assert node["Node Type"] in {"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"}, node
        if "Index Name" in node:
            assert leading_column(node["Index Name"]) == "workspace_id", node
            assert "workspace_id" in node.get("Index Cond", ""), node  # used for the workspace, not read whole
            indexes.append(node["Index Name"])
    assert indexes, plan
    return indexes


def fill_weeks(workspace, other_workspace):
    staff = factories.MembershipFactory(workspace=workspace)
    for ws in (workspace, other_workspace):
        client = factories.ClientFactory(workspace=ws)
        services = [factories.ServiceFactory(workspace=ws) for _ in range(2)]
        for i in range(40):
            SessionFactory(
                workspace=ws,
                client=client,
                staff=staff if ws == workspace else None,
                services=services,
                date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
                start_time=dt.time(9 + i % 8),
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Session._meta.db_table}")


def test_session_week_view_reads_a_workspace_led_index(workspace, other_workspace, owner):
    # given sessions over several weeks in two workspaces
    fill_weeks(workspace, other_workspace)

    # when the week view's query is explained
    sql = captured_query(owner, sessions_url(workspace), WEEK, Session._meta.db_table)
    indexes = assert_workspace_led_index_scan(explain(sql), Session._meta.db_table)

    # then the sessions are found through an index that starts with the workspace, used for it
    assert indexes


def test_session_week_view_uses_the_calendar_index_once_a_workspace_is_busy(workspace, other_workspace, owner):
    # given a workspace whose sessions span many weeks
    client = factories.ClientFactory(workspace=workspace)
    service = factories.ServiceFactory(workspace=workspace)
    for i in range(400):
        SessionFactory(
            workspace=workspace,
            client=client,
            services=[service],
            date=dt.date(2024, 1, 1) + dt.timedelta(days=i // 4),
            start_time=dt.time(8 + i % 4),
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Session._meta.db_table}")

    # when its week view is explained, then it is a range scan of (workspace, date, start, id)
    sql = captured_query(owner, sessions_url(workspace), WEEK, Session._meta.db_table)
    plan = explain(sql)
    assert assert_workspace_led_index_scan(plan, Session._meta.db_table) == ["session_ws_date_idx"]
    (scan,) = [node for node in scans_of(plan, Session._meta.db_table) if "Index Cond" in node]
    assert "date >=" in scan["Index Cond"] and "date <=" in scan["Index Cond"]


def test_nutrition_week_view_reads_a_workspace_led_index(workspace, other_workspace, owner):
    client = factories.ClientFactory(workspace=workspace)
    for i in range(200):
        day, start = dt.date(2024, 1, 1) + dt.timedelta(days=i // 4), dt.time(8 + i % 4)
        starts_at, ends_at = local_span(day, start, 30, "UTC")
        NutritionSession.objects.create(
            workspace=workspace,
            client=client,
            type="online",
            date=day,
            start_time=start,
            end_time=dt.time(8 + i % 4, 30),
            duration_minutes=30,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {NutritionSession._meta.db_table}")
    sql = captured_query(owner, nutrition_url(workspace), WEEK, NutritionSession._meta.db_table)
    plan = explain(sql)
    assert assert_workspace_led_index_scan(plan, NutritionSession._meta.db_table) == ["nutrition_ws_date_idx"]
