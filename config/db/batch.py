"""Writes sent together: the INSERTs of a write held back and sent as one statement.

A booking is written as several rows (the booking, its history row, its service links, the job
that notifies) in as many INSERTs, each a round trip. Inside :func:`batched_writes`, an INSERT
that returns nothing is held back instead of sent; the held statements go as one (data-modifying
``WITH`` parts of a single statement) when the block ends, or before any other statement runs,
so a read in the block still sees every write before it. Held statements run in the order they
were made, in the same transaction, with the same constraints (checked at the end of the statement,
or at commit for deferred ones). An error of a held INSERT is raised where the batch is sent.

:func:`hold` adds a statement made elsewhere (an UPDATE, a function call whose answer nobody
reads) to the current batch, or runs it at once when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

_INSERT = re.compile(r"^\s*INSERT\s+INTO\s", re.IGNORECASE)
_RETURNING = re.compile(r"\sRETURNING\s", re.IGNORECASE)


class _Batch:
    def __init__(self, using: str):
        self.using = using
        self.held: list[tuple[str, Sequence, bool]] = []  # (sql, params, read: a SELECT of a call)
        self.sending = False
        self.last_held: str | None = None
        self.next_held: bool | None = None  # hold()'s next statement, and whether it is a read

    def wrapper(self, execute, sql, params, many, context):
        if self.next_held is not None:  # (from hold(): whatever it is)
            read, self.next_held = self.next_held, None
            self.held.append((sql, params or (), read))
            self.last_held = sql
            return None
        if not self.sending and not many and _INSERT.match(sql) and not _RETURNING.search(sql):
            self.held.append((sql, params or (), False))
            self.last_held = sql
            return None
        self.send()
        return execute(sql, params, many, context)

    def send(self) -> None:
        if not self.held or self.sending:
            return
        held, self.held = self.held, []
        if len(held) == 1 and not held[0][2]:
            sql, params = held[0][0], held[0][1]
        else:
            parts, params, reads = [], [], []
            for index, (part, part_params, read) in enumerate(held):
                parts.append(f"_w{index} AS ({part}\n)")  # (a line of its own: a part may end in a comment)
                params.extend(part_params)
                if read:
                    reads.append(f"(SELECT count(*) FROM _w{index})")
            sql = f"WITH {', '.join(parts)} SELECT {' + '.join(reads) or '0'}"
        # Sent on the driver's cursor: Django's query log (and the query-count tests) list each held
        # statement as made, the server gets this one (tests/performance/test_statements.py counts those)
        connection = connections[self.using]
        self.sending = True
        try:
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            self.sending = False


_current: ContextVar[_Batch | None] = ContextVar("write_batch", default=None)


@contextmanager
def batched_writes(using: str = "default") -> Iterator[None]:
    """Hold back the block's INSERTs and send them as one statement (see the module)."""
    if _current.get() is not None:  # already inside one: the outer block sends
        yield
        return
    if not connections[using].in_atomic_block:  # (a commit is no statement: it would not send them first)
        raise RuntimeError("batched_writes() runs inside transaction.atomic()")
    batch = _Batch(using)
    token = _current.set(batch)
    try:
        with connections[using].execute_wrapper(batch.wrapper):
            yield
            batch.send()
    finally:
        _current.reset(token)


def just_held(sql: str) -> bool:
    """Whether ``sql`` is the statement the current batch has just held back (not sent yet)."""
    batch = _current.get()
    return batch is not None and batch.last_held is sql


def hold(sql: str, params: Sequence = (), *, using: str = "default", read: bool = False) -> None:
    """Run ``sql`` with the current batch (as one of its parts), or at once without one.

    ``read``: a SELECT (a function called for what it does, such as a job queue's), which a
    ``WITH`` part runs only when the statement reads it: the batch's statement then counts its rows.
    """
    batch = _current.get()
    if batch is not None and batch.using == using:
        batch.next_held = read
    sql = sql.strip().removesuffix(";")  # (a part of a WITH)
    with connections[using].cursor() as cursor:  # (held, with a batch: logged as made, sent with the others)
        cursor.execute(sql, params)
