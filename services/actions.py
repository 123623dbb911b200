"""Write logic of services: keyword-only, typed, each in one transaction.

Uniqueness of name and color per workspace is the database's job (the partial unique indexes
in services/models.py): each write runs in a savepoint and a violation becomes a 409 naming the
field, so two requests racing for the same name get one 201 and one 409, never a 500.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.api.errors import Conflict
from services.models import Service, ServiceScope
from services.rules import CLASHES, normalize_color, normalize_name
from workspaces.errors import refuse_unknown_changes
from workspaces.models import Workspace


class ServiceClash(Conflict):
    """A name or color another live service of the workspace already has."""

    def __init__(self, constraint: str):
        message, code, field = CLASHES[constraint]
        super().__init__(detail=message, code=code)
        self.constraint = constraint
        self.field = field
        self.fields = {field: [str(message)]}


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def _save(service: Service, **kwargs) -> None:
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            service.save(**kwargs)
    except IntegrityError as exc:
        constraint = _constraint_name(exc)
        if constraint in CLASHES:
            raise ServiceClash(constraint) from exc
        raise


def _normalized(fields: dict) -> dict:
    fields = dict(fields)
    if fields.get("name") is not None:
        fields["name"] = normalize_name(fields["name"])
    if fields.get("color") is not None:
        fields["color"] = normalize_color(fields["color"])
    if "description" in fields and fields["description"] is None:
        fields["description"] = ""
    if fields.get("price") is not None and fields["price"] == 0:
        fields["price"] = Decimal("0.00")  # never "-0.00"
    return fields


@transaction.atomic
def service_create(
    *,
    workspace: Workspace,
    name: str,
    description: str | None = "",
    duration_minutes: int | None = None,
    price: Decimal | None = None,
    color: str | None = None,
    scope: str = ServiceScope.SESSIONS,
    is_active: bool = True,
) -> Service:
    fields = _normalized(
        {
            "name": name,
            "description": description,
            "duration_minutes": duration_minutes,
            "price": price,
            "color": color,
            "scope": scope,
            "is_active": is_active,
        }
    )
    service = Service(workspace=workspace, **fields)
    _save(service, force_insert=True)
    return service


_UPDATABLE = {"name", "description", "duration_minutes", "price", "color", "scope", "is_active"}


@transaction.atomic
def service_update(*, service: Service, **fields) -> Service:
    refuse_unknown_changes("service_update", fields, _UPDATABLE)
    for name, value in _normalized(fields).items():
        setattr(service, name, value)
    _save(service)
    return service


@transaction.atomic
def service_delete(*, service: Service) -> None:
    """Soft delete: hidden from the services endpoints, name and color freed, the row kept.

    Sessions that used the service keep pointing at this row and still show its name.
    """
    if service.deleted_at is not None:
        return
    service.deleted_at = timezone.now()
    service.save(update_fields=["deleted_at", "updated_at"])
