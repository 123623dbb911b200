"""Row locks a transaction already holds, remembered on the objects read with them.

A write that must lock a row before it checks something (placement locks a booking's staff
member: :mod:`bookings.placement`) may find that an earlier statement of the same transaction
read that row ``FOR UPDATE`` already (a create reads what it refers to, its staff member
among them, in one statement: :mod:`workspaces.fields`). :func:`held` tells it so, and it skips a
round trip. A lock lasts until its transaction ends, or until the savepoint it was taken under is
rolled back: the mark names the transaction (by the token the backend gives each one:
:class:`config.db.base.DatabaseWrapper`), the savepoints open then and how many rollbacks to a
savepoint the transaction had seen; any other state of the connection reads as "not held",
which only costs the lock again.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model

_MARK = "_row_locked_in"


def _position(using: str) -> tuple | None:
    connection = connections[using]
    transaction = getattr(connection, "transaction_token", None)
    if not connection.in_atomic_block or transaction is None:
        return None
    return (transaction, tuple(connection.savepoint_ids), connection.savepoint_rollbacks)


def mark_held(obj: Model, using: str = "default") -> None:
    """``obj`` was just read ``FOR UPDATE`` on ``using`` (outside a transaction the lock ended
    with its statement: nothing is noted)."""
    position = _position(using)
    if position is not None:
        setattr(obj, _MARK, (using, position))


def held(obj: Model | None, using: str = "default") -> bool:
    """Whether the current transaction on ``using`` holds the lock :func:`mark_held` noted on ``obj``."""
    mark = getattr(obj, _MARK, None)
    if mark is None or mark[0] != using:
        return False
    now = _position(using)
    if now is None:
        return False
    (transaction, savepoints, rollbacks), (current, open_now, rollbacks_now) = mark[1], now
    # the same transaction, no rollback to any savepoint since (one made by hand is not among
    # savepoint_ids; any rollback might have released the lock, so none is trusted), and no
    # savepoint open when the lock was taken released since (its locks are kept, but it is
    # simplest to lock again)
    return transaction is current and rollbacks == rollbacks_now and open_now[: len(savepoints)] == savepoints
