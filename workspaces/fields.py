"""Writable references to other objects, resolved only inside the current workspace.

Fields check the id's shape while the body is validated (400 naming the field); the lookup
itself runs after every field is valid (:class:`ScopedReferencesMixin`), one query for all, and
an id that is not in this workspace is a 404 that names the field, whatever other workspace it
may belong to.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.errors import ReferenceNotFound
from config.api.shapes import Slot
from config.db.locks import mark_held
from config.db.together import fetch_together
from workspaces.ids import is_object_id

INVALID_ID = _("Not a valid id: expected 24 lowercase hexadecimal characters.")


@extend_schema_field({"type": "string", "pattern": "^[0-9a-f]{24}$", "example": "507f1f77bcf86cd799439011"})
class ScopedIdField(serializers.Field):
    """An id of an object of this workspace; resolved to the object by the serializer."""

    default_error_messages = {"invalid": INVALID_ID}

    def __init__(
        self, *, queryset: Callable[[object], QuerySet], not_found: str, locked_on_create: bool = False, **kwargs
    ):
        self.queryset_for = queryset  # workspace -> queryset of the allowed objects
        self.not_found = not_found
        # read FOR UPDATE when the write creates (the row the write then locks anyway: a booking's
        # staff member, which placement finds held, config.db.locks)
        self.locked_on_create = locked_on_create
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not is_object_id(data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value if isinstance(value, str) else getattr(value, "pk", None)


@extend_schema_field({"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{24}$"}, "maxItems": 100})
class ScopedIdListField(ScopedIdField):
    """A list of ids; duplicates count once and the order of first appearance is kept."""

    default_error_messages = {
        "invalid": INVALID_ID,
        "not_a_list": _("Expected a list of ids."),
        "empty": _("At least one is required."),
        "too_many": _("At most %(max)s are allowed."),
    }

    def __init__(self, *, allow_empty: bool = False, max_items: int = 100, **kwargs):
        self.allow_empty = allow_empty
        self.max_items = max_items
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        if len(data) > self.max_items:
            raise serializers.ValidationError(self.error_messages["too_many"] % {"max": self.max_items})
        if not data and not self.allow_empty:
            self.fail("empty")
        for item in data:
            if not is_object_id(item):
                self.fail("invalid")
        return list(dict.fromkeys(data))

    def to_representation(self, value):
        return list(value)


class ScopedReferencesMixin:
    """Resolves every :class:`ScopedIdField` in ``self.context['workspace']`` once all fields are valid.

    One query for all of them (:func:`config.db.together.fetch_together`), which also reads what
    :meth:`read_with_references` names (the serializer finds it in ``self.read_along``): what the
    write needs to know besides the objects it refers to. On a create, a field ``locked_on_create``
    reads its object ``FOR UPDATE`` in that query and marks it held (:mod:`config.db.locks`).
    """

    def read_with_references(self, workspace_id) -> dict[str, QuerySet]:
        """Other querysets to read in the references' query (name -> queryset), of the workspace
        ``workspace_id`` (a :class:`~config.api.shapes.Slot`: the query is compiled once)."""
        return {}

    def validate(self, attrs):
        attrs = super().validate(attrs)
        fields, values = [], {"workspace": self.context["workspace"].pk}
        creating = self.instance is None
        for wire_name, field in self.fields.items():
            if not isinstance(field, ScopedIdField) or field.read_only or attrs.get(field.source) is None:
                continue
            fields.append((wire_name, field, isinstance(field, ScopedIdListField)))
            values[wire_name] = attrs[field.source]
        locked = [wire_name for wire_name, field, many in fields if creating and field.locked_on_create and not many]

        def build() -> dict[str, QuerySet]:
            workspace = Slot("workspace")
            parts = {
                wire_name: (
                    field.queryset_for(workspace).filter(pk__any=Slot(wire_name))
                    if many
                    else field.queryset_for(workspace).filter(pk=Slot(wire_name))[:1]
                )
                for wire_name, field, many in fields
            }
            for wire_name in locked:
                parts[wire_name] = parts[wire_name].select_for_update(of=("self",))
            also = self.read_with_references(workspace)
            return parts | {f"also:{name}": queryset for name, queryset in also.items()}

        # compiled once for each serializer, the references given and what else it reads
        key = ("references", type(self), tuple(wire_name for wire_name, _field, _many in fields), creating)
        found = fetch_together(key, build, values)
        for wire_name in locked:
            for obj in found[wire_name]:
                mark_held(obj)
        self.read_along = {name.removeprefix("also:"): objs for name, objs in found.items() if name.startswith("also:")}
        for wire_name, field, many in fields:  # the first one not found, in the fields' order, is the 404
            objects = {obj.pk: obj for obj in found[wire_name]}
            value = attrs[field.source]
            if many:
                if any(pk not in objects for pk in value):
                    raise ReferenceNotFound(wire_name, field.not_found)
                attrs[field.source] = [objects[pk] for pk in value]
            else:
                if value not in objects:
                    raise ReferenceNotFound(wire_name, field.not_found)
                attrs[field.source] = objects[value]
        return attrs


def client_queryset(workspace) -> QuerySet:
    from workspaces.models import Client

    return Client.objects.filter(workspace=workspace)


def staff_queryset(workspace) -> QuerySet:
    from workspaces.models import Membership

    return Membership.objects.filter(workspace=workspace, is_active=True).select_related("user")


def ClientIdField(**kwargs) -> ScopedIdField:  # noqa: N802 - a field factory reads like a class
    return ScopedIdField(queryset=client_queryset, not_found=_("Client not found."), **kwargs)


def StaffIdField(**kwargs) -> ScopedIdField:  # noqa: N802
    """A booking's staff member: locked as it is read on a create, as placement locks it."""
    return ScopedIdField(
        queryset=staff_queryset, not_found=_("Staff member not found."), locked_on_create=True, **kwargs
    )
