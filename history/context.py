"""Through which door a write comes in: a context variable set per request and per command.

The middleware (:mod:`history.middleware`) sets it from the request path, management commands
from :class:`CommandDoorMixin`; anything else (a shell, a data migration, test setup) is "other".
Every historical row takes its ``door`` from here when it is created (the field's default).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

REASON_MAX_LENGTH = 100


class Door(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", pgettext_lazy("history door", "Admin site")  # not the role "Admin"
    COMMAND = "command", _("Command")
    OTHER = "other", _("Other")


_door: ContextVar[str] = ContextVar("history_door", default=Door.OTHER.value)
_reason: ContextVar[str | None] = ContextVar("history_reason", default=None)


def current_door() -> str:
    """The door of the write in progress (the default of every historical row's ``door``)."""
    return _door.get()


def current_reason() -> str | None:
    return _reason.get()


@contextmanager
def door(value: str, reason: str | None = None) -> Iterator[None]:
    """Record writes inside the block as coming through ``value`` (with an optional reason)."""
    door_token = _door.set(Door(value).value)
    reason_token = _reason.set(reason[:REASON_MAX_LENGTH] if reason else None)
    try:
        yield
    finally:
        _reason.reset(reason_token)
        _door.reset(door_token)


def door_for_path(path: str) -> str:
    if path.startswith(("/api/", "/v1/")):
        return Door.API.value
    if path.startswith(reverse("admin:index")):
        return Door.ADMIN.value
    return Door.OTHER.value


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "?"


class CommandDoorMixin:
    """For management commands: their writes are recorded as door "command", reason "manage.py NAME (os user)"."""

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        with door(Door.COMMAND, reason=f"manage.py {name} ({_os_user()})"):
            return super().execute(*args, **options)
