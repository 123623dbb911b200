"""Roles and the permissions they carry: the contract's table, declared once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    SPECIALIST = "specialist", _("Specialist")
    ASSISTANT = "assistant", _("Assistant")
    VIEWER = "viewer", _("Viewer")


_ALL = frozenset(Role)
_STAFF = frozenset({Role.OWNER, Role.ADMIN, Role.SPECIALIST, Role.ASSISTANT})
_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
_CLINICIANS = frozenset({Role.OWNER, Role.ADMIN, Role.SPECIALIST})

#: permission name (part of the contract) -> roles that hold it
PERMISSION_ROLES: dict[str, frozenset[str]] = {
    "services.view": _ALL,
    "services.manage": _MANAGERS,
    "clients.view": _ALL,
    "clients.manage": _STAFF,
    "sessions.view": _ALL,
    "sessions.create": _STAFF,
    "sessions.update": _STAFF,
    "sessions.delete": _MANAGERS,
    "nutrition.view": _ALL,
    "nutrition.manage": _CLINICIANS,
    # Not in the contract's table: the member list is what staff pickers are built from, so
    # every active member may read it.
    "members.view": _ALL,
    # Not in the contract's table either (its section "Availability"): everyone reads working
    # hours, time off and free slots; owners and admins edit anyone's working hours and time
    # off and the workspace's booking policy (a member edits their own: workspaces.tenancy.OwnOr).
    "availability.view": _ALL,
    "availability.manage": _MANAGERS,
}


def role_has_permission(role: str, permission: str) -> bool:
    try:
        return role in PERMISSION_ROLES[permission]
    except KeyError:
        raise ValueError(f"unknown permission {permission!r}") from None
