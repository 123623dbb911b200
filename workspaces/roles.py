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
_BILLING = frozenset({Role.OWNER, Role.ADMIN, Role.ASSISTANT})

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
    "billing.view": _ALL,
    "billing.manage": _BILLING,  # draft, edit, issue, void, record payments, billing settings
    # session records (notes, attachments): private ones are read only with records.private
    "records.private": _CLINICIANS,
    # Not in the contract's table: who may change or delete anyone's notes and attachments (the
    # contract: "only its author or an owner/admin"); everyone else, only their own.
    "records.manage": _MANAGERS,
    "webhooks.manage": _MANAGERS,
    # Not in the contract's table: the member list is what staff pickers are built from, so
    # every active member may read it.
    "members.view": _ALL,
    # Accounts (contract, second part): every member reads the workspace's settings; owners and
    # admins change them.
    "workspace.view": _ALL,
    "workspace.manage": _MANAGERS,
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
