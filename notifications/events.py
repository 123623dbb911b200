"""Webhook events: which recorded models fire which events, and what the events carry.

Every recorded write (history.models) of a registered model is an event: ``<prefix>.created``,
``.updated`` or ``.deleted`` from its historical row's type, unless the model says otherwise
(a service is deleted by marking it, a change that the registration turns into
``service.deleted``). An event's ``data`` is the object in its kind's one read shape, as a
caller holding no permission beyond reading it would see it: a consultation's ``notesPrivate``
is ``null`` (the receiver is treated as not holding ``nutrition.manage``) and is never named in
``changedFields`` either. ``changedFields`` are the read shape's (wire) names of the fields that
differ from the object's previous historical row.

A new recorded model fires events with one line at the bottom (``register(...)``), once its
type names are in :data:`EVENT_TYPES`. An invoice fires ``invoice.issued``, ``.paid`` and
``.voided`` when its status becomes one of them, and nothing on the edits of a draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet

from billing.models import Invoice, InvoiceStatus
from billing.selectors import invoice_queryset
from billing.serializers import InvoiceReadSerializer
from config.api.serializers import RowReadSerializer, to_camel
from nutrition.models import NutritionSession
from nutrition.serializers import NutritionSessionReadSerializer
from services.models import Service
from services.serializers import ServiceReadSerializer
from sessions.models import Session
from sessions.serializers import SessionReadSerializer
from workspaces.models import Client
from workspaces.serializers import ClientReadSerializer

#: every event type of the contract, in its order
EVENT_TYPES = (
    "session.created",
    "session.updated",
    "session.deleted",
    "nutrition_session.created",
    "nutrition_session.updated",
    "nutrition_session.deleted",
    "client.created",
    "client.updated",
    "client.deleted",
    "service.created",
    "service.updated",
    "service.deleted",
    "invoice.issued",
    "invoice.paid",
    "invoice.voided",
)

#: fields of a historical row never listed as changed (bookkeeping)
UNLISTED = frozenset({"id", "workspace", "created_at", "updated_at"})
#: read-shape fields a webhook never carries (its receiver holds no private-notes permission)
PRIVATE = frozenset({"notesPrivate"})
#: what a historical row's type says happened
ACTIONS = {"+": "created", "~": "updated", "-": "deleted"}

#: (historical row, the row before it or None) -> the event's type, or None for no event
EventType = Callable[[Any, Any], "str | None"]


@dataclass(frozen=True)
class WebhookKind:
    model: type[models.Model]
    prefix: str
    read_shape: type
    event_type: EventType | None = None
    #: model field -> wire name, where the shape does not call it ``fieldName`` / ``relationId``
    wire_names: dict[str, str] = field(default_factory=dict)
    #: the objects with what the read shape needs (a shape that is not of rows), else the model's own
    queryset: Callable[[], QuerySet] | None = None

    def type_of(self, record, previous: Callable[[], Any]) -> str | None:
        if self.event_type is not None:
            return self.event_type(record, previous)
        return f"{self.prefix}.{ACTIONS[record.history_type]}"

    def shape_fields(self) -> frozenset[str]:
        return frozenset(self.read_shape().fields) - PRIVATE

    def wire_name(self, name: str) -> str:
        if name in self.wire_names:
            return self.wire_names[name]
        try:
            model_field = self.model._meta.get_field(name)
        except Exception:  # a value kept on the historical rows only (a session's service_ids)
            return to_camel(name)
        return to_camel(name) + ("Id" if isinstance(model_field, models.ForeignKey) else "")

    def changed_fields(self, record, previous) -> list[str]:
        """Wire names of the read shape's fields that differ between ``previous`` and ``record``."""
        if previous is None:
            return []
        pairs = [(f.attname, f.name) for f in record.tracked_fields if f.name not in UNLISTED]
        pairs += [(name, name) for name in ("service_ids",) if hasattr(record, name)]  # kept beside the columns
        shown = self.shape_fields()
        changed = []
        for attname, name in pairs:
            if getattr(record, attname) != getattr(previous, attname):
                wire = self.wire_name(name)
                if wire in shown and wire not in changed:
                    changed.append(wire)
        return changed

    def read(self, *, workspace_id: str, object_id: str) -> dict | None:
        """The object as the API shows it to a caller without private permissions, or None when gone."""
        shape = self.read_shape
        if issubclass(shape, RowReadSerializer):
            row = shape.row_queryset().filter(workspace_id=workspace_id, pk=object_id).first()
        else:
            objects = self.queryset() if self.queryset is not None else self.model._default_manager.all()
            row = objects.filter(workspace_id=workspace_id, pk=object_id).first()
        if row is None:
            return None
        data = dict(shape(row, context={}).data)  # no membership in the context: no private notes
        for name in PRIVATE & set(data):
            data[name] = None
        return data


KINDS: dict[type[models.Model], WebhookKind] = {}


def register(model: type[models.Model], prefix: str, read_shape: type, **options) -> None:
    kind = WebhookKind(model, prefix, read_shape, **options)
    unknown = {f"{prefix}.{action}" for action in ACTIONS.values()} - set(EVENT_TYPES)
    if kind.event_type is None and unknown:
        raise ValueError(f"event types {sorted(unknown)} are not in EVENT_TYPES")
    KINDS[model] = kind


def kind_of(model: type) -> WebhookKind | None:
    return KINDS.get(model)


def _service_event(record, previous: Callable[[], Any]) -> str | None:
    """A service is deleted by marking it (``deleted_at``): that change is its deletion."""
    if record.history_type == "~" and record.deleted_at is not None:
        before = previous()
        return "service.deleted" if before is None or before.deleted_at is None else None
    return f"service.{ACTIONS[record.history_type]}"


#: an invoice's status -> the event of its becoming so
INVOICE_EVENTS = {
    InvoiceStatus.ISSUED: "invoice.issued",
    InvoiceStatus.PAID: "invoice.paid",
    InvoiceStatus.VOID: "invoice.voided",
}


def _invoice_event(record, previous: Callable[[], Any]) -> str | None:
    """An invoice's events are its status changes: issued, paid, voided (a draft's edits are none)."""
    event = INVOICE_EVENTS.get(record.status) if record.history_type != "-" else None
    if event is None:
        return None
    before = previous()
    return event if before is None or before.status != record.status else None


register(Session, "session", SessionReadSerializer)
register(NutritionSession, "nutrition_session", NutritionSessionReadSerializer, wire_names={"staff": "specialistId"})
register(Client, "client", ClientReadSerializer)
register(Service, "service", ServiceReadSerializer, event_type=_service_event)
register(Invoice, "invoice", InvoiceReadSerializer, event_type=_invoice_event, queryset=invoice_queryset)
