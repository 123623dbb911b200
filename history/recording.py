"""What a historical row holds besides its object's own columns.

Every recorded model is recorded when it is saved or deleted, whatever the door (simple-history's
signals), and everything that follows every recorded write hangs from the one signal that ends
it, ``post_create_historical_record``. Some objects are more than their row: a session is also
its services, in order, written in other rows. Its actions say what they are, around the save or
the delete that records it::

    with recorded_with(session, service_ids=[...]):
        session.save()

and the historical row written for that object inside the block carries those values (a row
written outside such a block, by a shell or a fixture, reads them from the database instead:
:mod:`history.models`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_pending: ContextVar[tuple[tuple[type, Any], dict[str, Any]] | None] = ContextVar("history_values", default=None)


@contextmanager
def recorded_with(instance, **values: Any) -> Iterator[None]:
    """Inside the block, the historical row written for ``instance`` carries ``values``."""
    token = _pending.set(((type(instance), instance.pk), values))
    try:
        yield
    finally:
        _pending.reset(token)


def values_for(instance) -> dict[str, Any] | None:
    """The values an enclosing :func:`recorded_with` gives ``instance``'s historical row, if any."""
    pending = _pending.get()
    if pending is None or pending[0] != (type(instance), instance.pk):
        return None
    return pending[1]


@receiver(pre_create_historical_record)
def _fill_values(sender, instance, history_instance, **kwargs) -> None:
    for name, value in (values_for(instance) or {}).items():
        setattr(history_instance, name, value)
