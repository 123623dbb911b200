"""Django's PostgreSQL backend, with a health check that costs no round trip, the placeholders
of long statements converted once (and a query log that lists statements held for a batch,
:mod:`config.db.batch`).

Django checks a persistent connection at the start of each request (``CONN_HEALTH_CHECKS``) with
``SELECT 1``: a query of its own on every request. This backend first asks the socket instead: a
healthy idle connection has nothing to read, so it is used at once. Anything waiting on the socket
of an idle connection is the server's goodbye (it shut down or restarted: "terminating connection
due to administrator command", then the end of the stream) or, rarely, a notice; only then is the
server asked with Django's own ``SELECT 1``, and a dead connection is replaced before the request
uses it. So the app recovers from a database restart by itself (scripts/reliability restarts one
twice under load) without paying a query a request for it.

A transaction's ``BEGIN`` is sent when it is opened (``atomic``), and its answer read before the
connection's next operation (:class:`Connection`): psycopg sends it with the transaction's first
statement and waits for it, a round trip of its own; sent ahead, it travels while the request's
Python (a create's validation) runs. The server gets the same statements in the same order; a
transaction that makes no statement at all (a create refused by its validation) now sends
``BEGIN`` and ``ROLLBACK`` (or ``COMMIT``) where it sent nothing, and the transaction starts on
the server when it opens, not at its first statement (``now()``, idle-in-transaction time).
"""

from __future__ import annotations

import select
from functools import lru_cache

import psycopg
from django.db.backends.postgresql import base, operations
from psycopg import generators, pq

from config.db.batch import just_held

try:  # (psycopg's own conversion, pinned at 3.3.9; tests/performance/test_db_backend.py uses it)
    from psycopg._queries import (
        MAX_CACHED_STATEMENT_LENGTH,
        MAX_CACHED_STATEMENT_PARAMS,
        PostgresQuery,
        _query2pg_nocache,
    )
except ImportError:  # another psycopg: its stock cursor, which converts long statements every time
    PostgresQuery = None

#: the longest statement (characters) whose placeholders' conversion is kept here, and how many:
#: at most about 256 x 3 x 32 kB in the worst case of every one long and different
MAX_KEPT_LENGTH = 32_768
KEPT_CONVERSIONS = 256


@lru_cache(maxsize=KEPT_CONVERSIONS)
def _converted(query: bytes, encoding: str):
    return _query2pg_nocache(query, encoding)


if PostgresQuery is not None:

    class _Query(PostgresQuery):
        """A statement bound on the server, its ``%s`` placeholders turned into ``$1``, ``$2``...
        psycopg keeps that work only for statements under 4 kB with at most 50 parameters (and does
        so itself for those); the compiled reads (:mod:`config.api.shapes`) and a create's batch of
        writes are longer and come back on every request, and converting them again cost about a
        millisecond a create. Those are kept here, up to :data:`MAX_KEPT_LENGTH` characters."""

        def convert(self, query, vars) -> None:
            if (
                vars is None
                or not isinstance(query, str | bytes)
                or len(query) > MAX_KEPT_LENGTH
                or (len(query) <= MAX_CACHED_STATEMENT_LENGTH and len(vars) <= MAX_CACHED_STATEMENT_PARAMS)
            ):
                return super().convert(query, vars)
            encoding = self._tx.encoding
            self.query, self._want_formats, self._order, self._parts = _converted(
                query.encode(encoding) if isinstance(query, str) else query, encoding
            )
            self.dump(vars)


class ServerBindingCursor(base.ServerBindingCursor):
    if PostgresQuery is not None:
        _query_cls = _Query


# --------------------------------------------------------------------------------------------
# BEGIN sent ahead
# --------------------------------------------------------------------------------------------


class Connection(psycopg.Connection):
    """psycopg's connection, which can send a transaction's ``BEGIN`` ahead (:meth:`begin_ahead`)
    and reads its answer before anything else: every operation of a psycopg connection (a
    statement, a commit, a pipeline, a change of autocommit) runs through :meth:`wait`."""

    begin_pending = False

    def begin_ahead(self) -> None:
        """Send ``BEGIN`` now, without waiting for its answer. Only the plain ``BEGIN`` psycopg
        would send (no isolation level or access mode of its own), and only when it would."""
        if (
            self.autocommit
            or self.pgconn.transaction_status != pq.TransactionStatus.IDLE  # (ACTIVE: one sent already)
            or self.isolation_level is not None
            or self.read_only is not None
            or self.deferrable is not None
        ):
            return
        with self.lock:
            try:
                self.pgconn.send_query(b"BEGIN")
                self.begin_pending = True  # (from here on an answer will come, or an error)
                super().wait(generators.send(self.pgconn))
            except psycopg.Error:  # (a broken connection: its next operation says so)
                return

    def wait(self, gen, *args, **kwargs):
        if self.begin_pending:
            self.begin_pending = False
            super().wait(_begun(self.pgconn))
        return super().wait(gen, *args, **kwargs)


def _begun(pgconn: pq.abc.PGconn):
    """(A generator, as psycopg's own) Read the answer of a ``BEGIN`` sent ahead."""
    results = yield from generators.fetch_many(pgconn)
    for result in results:
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(result, encoding=pgconn._encoding)


class _Psycopg:
    """The driver module as Django's backend sees it, its connections of :class:`Connection`."""

    connect = staticmethod(Connection.connect)

    def __getattr__(self, name: str):
        return getattr(psycopg, name)


class DatabaseOperations(operations.DatabaseOperations):
    compiler_module = "config.db.compiler"

    def last_executed_query(self, cursor, sql, params):
        """The statement as made, also when it was held for a batch and not sent by itself
        (:mod:`config.db.batch`): Django's query log lists it."""
        if just_held(sql):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()
    ops_class = DatabaseOperations
    #: a new object for each transaction begun (``atomic``), and how many rollbacks to a
    #: savepoint it has seen (``atomic`` or ``transaction.savepoint_rollback``): what
    #: :mod:`config.db.locks` notes with a lock, to know it is still held
    transaction_token: object | None = None
    savepoint_rollbacks = 0

    def set_autocommit(self, autocommit: bool, *args, **kwargs) -> None:
        if not autocommit:
            self.transaction_token = object()
        elif getattr(self.connection, "begin_pending", False):
            self._rollback()  # (opened by hand and left without a statement: its BEGIN undone)
        super().set_autocommit(autocommit, *args, **kwargs)
        if not autocommit and isinstance(self.connection, Connection):
            self.connection.begin_ahead()

    def _savepoint_rollback(self, sid) -> None:
        self.savepoint_rollbacks += 1
        super()._savepoint_rollback(sid)

    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            waiting, _writable, _failed = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket itself is gone
            return False
        if not waiting:
            return True
        return super().is_usable()  # something arrived while idle: let the server answer
