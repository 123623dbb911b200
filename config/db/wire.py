"""The statements the server receives, counted on the wire (libpq's trace of the protocol).

Django's query log lists the statements as the code makes them; a batch (config.db.batch) sends
several as one. What PostgreSQL receives is read here from libpq's own trace of the connection:
every statement run, ``BEGIN`` and ``COMMIT`` included, whether sent as text (a ``Query``
message) or bound to parameters on the server (``Execute`` of a ``Parse`` statement, or of one
prepared earlier on the connection, whose text psycopg's cache of prepared statements gives). The
tests lock counts with it and the benchmark (``bench``) reports them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import pq

#: a Parse message as traced: the statement's name, its text (quoted), its parameters' types
PARSE = re.compile(r'\s*"([^"]*)" (".*") \d+(?: \S+)*\s*$', re.DOTALL)
#: a Bind message: the portal's name, then the statement's
BIND = re.compile(r'\s*"[^"]*" "([^"]*)"')


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
            statements.extend(_statements(messages, connection.connection))


def _statements(messages: list[str], psycopg_connection) -> list[str]:
    """The text of each statement run, in order, from the traced messages."""
    # statements prepared before the trace began: psycopg's cache maps their texts to their names
    named = {name.decode(): f'"{key[0].decode()}"' for key, name in psycopg_connection._prepared._names.items()}
    statements, bound = [], ""
    for message in messages:
        fields = message.split("\t", 3)
        if len(fields) < 4 or fields[0] != "F":  # (what the client sent, with a body)
            continue
        kind, rest = fields[2], fields[3]
        if kind == "Query":
            statements.append(rest.strip())
        elif kind == "Parse" and (parsed := PARSE.match(rest)):
            named[parsed[1]] = parsed[2]
        elif kind == "Bind" and (binding := BIND.match(rest)):
            bound = named.get(binding[1], binding[1])
        elif kind == "Execute":
            statements.append(bound)
    return statements
