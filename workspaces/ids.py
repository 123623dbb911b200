"""Time-ordered 24-hex identifiers, shaped like MongoDB ObjectIds.

4 bytes of seconds since the epoch, 5 random bytes drawn once per process, 3 bytes of a
counter that starts at a random value: sortable by creation time, unique without a round trip
to the database, and the same shape the published API pages show.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time

from django.db import models
from django.utils.translation import gettext_lazy as _

OBJECT_ID_RE = re.compile(r"^[0-9a-f]{24}$")
#: the label of every id column (admin forms and lists); not written into migrations
ID_LABEL = _("ID")

_lock = threading.Lock()
_state = {"pid": None, "random": b"", "counter": 0}


def new_object_id(timestamp: float | None = None) -> str:
    with _lock:
        pid = os.getpid()
        if _state["pid"] != pid:  # a forked worker must not share its parent's random part
            _state.update(pid=pid, random=secrets.token_bytes(5), counter=secrets.randbelow(1 << 24))
        _state["counter"] = (_state["counter"] + 1) & 0xFFFFFF
        counter = _state["counter"]
        random_part = _state["random"]
    seconds = int(time.time() if timestamp is None else timestamp) & 0xFFFFFFFF
    return (seconds.to_bytes(4, "big") + random_part + counter.to_bytes(3, "big")).hex()


def is_object_id(value: object) -> bool:
    return isinstance(value, str) and OBJECT_ID_RE.match(value) is not None


class ObjectIdField(models.CharField):
    """A 24-hex id column (primary key or reference) with the id generator as default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("verbose_name", ID_LABEL)
        if kwargs.get("primary_key"):
            kwargs.setdefault("default", new_object_id)
            kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def db_type(self, connection):
        # The same column type as varchar(24), spelled so that Django's PostgreSQL backend does
        # not add a second "varchar_pattern_ops" (LIKE) index beside the primary key and every
        # foreign key to it: ids are only ever compared whole, and every other index of a tenant
        # table starts with its workspace.
        if connection.vendor == "postgresql":
            return "character varying(24)"
        return super().db_type(connection)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        if kwargs.get("verbose_name") is ID_LABEL:
            kwargs.pop("verbose_name")
        return name, path, args, kwargs
