"""config.db's backend: INSERT texts kept per shape, placeholder conversions kept for long
statements, simple-history's manager class made once, each the same rows as Django's own; and a
transaction's BEGIN sent ahead, the same statements in the same order."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from django.db import DataError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from config.db import base, compiler
from config.db.wire import server_statements
from services.models import Service
from sessions.models import Session, SessionService
from tests import factories
from tests.sessions.factories import SessionFactory
from workspaces.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _insert_texts(queries, table: str) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith(f'INSERT INTO "{table}"')]


def _django_refuses(monkeypatch):
    def refused(self):
        raise AssertionError("Django wrote an INSERT of a kept shape")

    monkeypatch.setattr(compiler.DjangoInsertCompiler, "as_sql", refused)


def test_an_insert_of_a_kept_shape_writes_what_django_writes(workspace, monkeypatch):
    # given one service saved, its INSERT's text kept for its shape
    Service.objects.create(workspace=workspace, name="First", duration_minutes=30, price=Decimal("10.00"))
    key = next(key for key in compiler._kept if key[0] is Service and key[2])
    assert compiler._kept[key].startswith('INSERT INTO "services_service"')
    # when another is saved (other values: the same shape), with auto_now timestamps to fill in
    _django_refuses(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        second = Service.objects.create(
            workspace=workspace, name="Second", duration_minutes=45, price=Decimal("12.50"), color="#112233"
        )
    # then its values, the ones Django works out on save included, are the row's
    (text,) = _insert_texts(queries.captured_queries, "services_service")
    assert "'Second'" in text
    row = Service.objects.values("name", "duration_minutes", "price", "color", "created_at").get(pk=second.pk)
    assert row == {
        "name": "Second",
        "duration_minutes": 45,
        "price": Decimal("12.50"),
        "color": "#112233",
        "created_at": second.created_at,
    }
    assert second.created_at is not None and second.updated_at >= second.created_at


def test_several_rows_go_as_one_unnest_of_a_kept_text_and_arrive_in_order(workspace, monkeypatch):
    session = SessionFactory(workspace=workspace, services=[])
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]

    def link(chosen):
        SessionService.objects.filter(session=session).delete()
        SessionService.objects.bulk_create(
            SessionService(workspace=workspace, session=session, service=service, position=n)
            for n, service in enumerate(chosen)
        )
        return list(
            SessionService.objects.filter(session=session).order_by("position").values_list("service_id", flat=True)
        )

    assert link(services[:2]) == [s.pk for s in services[:2]]  # (made by Django, then kept)
    _django_refuses(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        assert link(services[::-1]) == [s.pk for s in services[::-1]]  # (three rows: the kept text)
    (text,) = _insert_texts(queries.captured_queries, "appointments_sessionservice")
    assert "UNNEST(" in text


def test_an_expression_among_the_values_goes_to_django(workspace):
    user = factories.UserFactory()
    # given the shape kept
    IdempotencyRecord.objects.create(workspace=workspace, user=user, key="plain", path="/p", request_hash="h")
    # when a value is an expression (SQL of its own), then Django writes that INSERT, and it holds
    record = IdempotencyRecord.objects.create(
        workspace=workspace, user=user, key=Upper(Value("shouted")), path="/p", request_hash="h"
    )
    record.refresh_from_db()
    assert record.key == "SHOUTED"


def test_a_long_statement_is_converted_once_and_answers_as_it_did():
    # given a statement longer than psycopg keeps (over 4 kB, over 50 parameters)
    values = list(range(120))
    sql = "SELECT " + " + ".join(["%s::int"] * len(values)) + " /* " + "x" * 4096 + " */"
    base._converted.cache_clear()
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql, values)
            assert cursor.fetchone()[0] == sum(values)
    # then its placeholders were converted once and reused
    info = base._converted.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    # and a short one is left to psycopg, which keeps those itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::int + %s::int", [1, 2])
        assert cursor.fetchone()[0] == 3
    assert base._converted.cache_info().currsize == 1


def test_the_history_manager_class_is_made_once_and_still_reads_one_objects_rows(workspace):
    first, second = SessionFactory(workspace=workspace), SessionFactory(workspace=workspace)
    assert type(Session.history) is type(first.history) is type(second.history)
    assert list(first.history.values_list("id", flat=True)) == [first.pk]
    assert Session.history.filter(workspace=workspace).count() == 2


# --------------------------------------------------------------------------------------------
# BEGIN sent ahead (config.db.base.begin_ahead)
# --------------------------------------------------------------------------------------------


def _pending_begin() -> bool:
    return connection.connection.begin_pending


@pytest.mark.django_db(transaction=True)
def test_a_transactions_begin_is_sent_when_it_opens_and_read_with_its_first_statement():
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with server_statements(connection) as sent, transaction.atomic():
        # sent, its answer not read yet
        assert _pending_begin() and pgconn.transaction_status == pq.TransactionStatus.ACTIVE
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
        assert not _pending_begin() and pgconn.transaction_status == pq.TransactionStatus.INTRANS
    # the server got what psycopg would have sent, in the same order
    assert sent == ['"BEGIN"', '"SELECT $1::int + 1"', '"COMMIT"']
    assert pgconn.transaction_status == pq.TransactionStatus.IDLE and connection.get_autocommit()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_makes_no_statement_or_fails_leaves_the_connection_as_it_was(workspace):
    with transaction.atomic():
        pass
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        raise ZeroDivisionError
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    connection.set_autocommit(False)  # (opened and closed by hand, nothing in between)
    connection.set_autocommit(True)
    assert connection.connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
    assert Service.objects.filter(workspace=workspace).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_server_side_cursor_may_be_a_transactions_first_statement(workspace):
    made = [factories.ServiceFactory(workspace=workspace).pk for _ in range(3)]
    with transaction.atomic():
        assert _pending_begin()
        read = [service.pk for service in Service.objects.filter(workspace=workspace).order_by("pk").iterator(2)]
    assert read == sorted(made)


@pytest.mark.django_db(transaction=True)
def test_whatever_comes_first_in_the_transaction_reads_the_begin_first(workspace):
    # executemany (a pipeline), psycopg's own transaction block, a raw cursor, a commit
    with transaction.atomic(), connection.cursor() as cursor:
        assert _pending_begin()
        cursor.executemany("SELECT %s::int", [(1,), (2,)])
    with transaction.atomic(), connection.connection.transaction(), connection.connection.cursor() as raw:
        raw.execute("SELECT 1")
    with transaction.atomic():
        assert _pending_begin()
    assert not _pending_begin() and connection.connection.pgconn.transaction_status == pq.TransactionStatus.IDLE


@pytest.mark.django_db(transaction=True)
def test_a_connection_of_its_own_isolation_level_begins_as_psycopg_begins_it():
    connection.ensure_connection()
    raw = connection.connection
    raw.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            assert not _pending_begin()  # (not the plain BEGIN: psycopg's own)
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone() == ("serializable",)
    finally:
        raw.isolation_level = None
