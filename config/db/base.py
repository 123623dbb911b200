"""Django's PostgreSQL backend, with a health check that costs no round trip (and a query log
that lists statements held for a batch, :mod:`config.db.batch`).

Django checks a persistent connection at the start of each request (``CONN_HEALTH_CHECKS``) with
``SELECT 1``: a query of its own on every request. This backend first asks the socket instead: a
healthy idle connection has nothing to read, so it is used at once. Anything waiting on the socket
of an idle connection is the server's goodbye (it shut down or restarted: "terminating connection
due to administrator command", then the end of the stream) or, rarely, a notice; only then is the
server asked with Django's own ``SELECT 1``, and a dead connection is replaced before the request
uses it. So the app recovers from a database restart by itself (scripts/reliability restarts one
twice under load) without paying a query a request for it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base, operations

from config.db.batch import just_held


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        """The statement as made, also when it was held for a batch and not sent by itself
        (:mod:`config.db.batch`): Django's query log lists it."""
        if just_held(sql):
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

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
