"""The statements the server receives, counted on the wire (libpq's trace of the protocol).

Django's query log lists the statements as the code makes them; a batch (config.db.batch) sends
several as one. What PostgreSQL receives, round trip by round trip, is read here from libpq's own
trace of the connection: every ``Query`` message (psycopg's client-side binding) and every
``Parse`` (a prepared one), ``BEGIN`` and ``COMMIT`` included. The tests lock counts with it and
the benchmark (``bench``) reports them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import pq


@contextmanager
def server_statements(connection) -> Iterator[list[str]]:
    """Inside the block, the statements ``connection`` (Django's) sends, as the server gets them."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    statements: list[str] = []
    with tempfile.TemporaryFile() as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield statements
        finally:
            pgconn.untrace()
            trace.seek(0)
            messages: list[str] = []
            for line in trace.read().decode(errors="replace").splitlines():
                if line.startswith(("F\t", "B\t")):
                    messages.append(line)
                elif messages:  # (a statement written on several lines)
                    messages[-1] += "\n" + line
            for message in messages:
                fields = message.split("\t", 3)
                if len(fields) == 4 and fields[0] == "F" and fields[2] in ("Query", "Parse"):
                    statements.append(fields[3].strip())
