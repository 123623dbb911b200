"""camelCase on the wire, snake_case in Python, converted here once; the serializer bases."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import (
    InstantField,
    StrictBooleanField,
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
)


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def to_snake(name: str) -> str:
    return _CAMEL_RE.sub("_", name).lower()


UNKNOWN_FIELD = _("Unknown field.")


class CamelCaseMixin:
    """camelCase on the wire, snake_case in Python: fields are renamed here, once.

    ``validate_<snake_name>`` methods keep working (DRF looks them up by the wire name).

    A body field the serializer does not know is refused (400 ``unknown_field`` naming it), so a
    typo such as ``staffID`` never writes a session without its staff member; the fields of
    ``read_shape`` (what the server returns: ids, timestamps, looked-up names) are accepted and
    ignored, so a client may send back an object it read.
    """

    #: the read serializer of what this one writes: its fields may come back in a body, ignored
    read_shape: type[serializers.Serializer] | None = None

    @classmethod
    def known_fields(cls) -> frozenset[str]:
        if "_known_fields" not in cls.__dict__:
            returned = set(cls.read_shape().fields) if cls.read_shape is not None else set()
            cls._known_fields = frozenset(returned | set(cls().fields))
        return cls._known_fields

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            known = self.known_fields() | set(self.fields)  # (a subclass may shape its fields per instance)
            unknown = [key for key in data if key not in known]
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD] for key in unknown}, code="unknown_field")
        return super().to_internal_value(data)

    def get_fields(self):
        renamed = {}
        for name, field in super().get_fields().items():
            camel = to_camel(name)
            if camel != name and field.source is None:
                field.source = name
            renamed[camel] = field
        return renamed

    def __getattr__(self, name: str):
        if name.startswith("validate_"):
            wire = name[len("validate_") :]
            snake = to_snake(wire)
            if snake != wire:
                return getattr(self, "validate_" + snake)
        raise AttributeError(name)


#: fields holding other fields (bound to them as they are made): copied deep, as DRF copies all
_NESTING = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, serializers.ManyRelatedField)


class ShallowFieldsMixin:
    """A serializer's fields, each copied from its class's declared one. DRF makes every field again
    from its arguments (a deep copy: about 20 microseconds a field, on every request); a field
    holding no other field stays unbound until the serializer binds its copy, so a shallow copy
    (with its own validators and messages) is the same field for a fraction of that. A list of
    such a serializer (``many=True``) is copied the same way, with a copy of its item serializer
    whose parent it is; other fields holding others are still copied deep."""

    def get_fields(self):
        return {name: _field_copy(field) for name, field in self._declared_fields.items()}


def _field_copy(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.ListSerializer) and isinstance(field.child, ShallowFieldsMixin):
        copied = _copied(field)
        copied.child = _copied(field.child)  # (named and sourced as DRF bound the original: "")
        copied.child.parent = copied
        return copied
    if isinstance(field, _NESTING):
        return copy.deepcopy(field)
    return _copied(field)


def _copied(field: serializers.Field) -> serializers.Field:
    """``field``, copied shallow, with lists and dicts of its own that a caller might change (and,
    for a serializer, the fields it makes when asked, not its original's)."""
    copied = copy.copy(field)
    if "_validators" in copied.__dict__:
        copied._validators = list(copied._validators)
    copied.error_messages = dict(copied.error_messages)
    copied.__dict__.pop("fields", None)
    return copied


class ApiSerializer(CamelCaseMixin, ShallowFieldsMixin, serializers.Serializer):
    pass


class ApiModelSerializer(CamelCaseMixin, serializers.ModelSerializer):
    def build_standard_field(self, field_name, model_field):

        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.DateTimeField):
            field_class = InstantField
        elif isinstance(model_field, models.BooleanField):
            field_class = StrictBooleanField
        elif field_class is serializers.IntegerField:
            field_class = StrictIntegerField
        elif field_class is serializers.CharField:
            field_class = StrictCharField
        elif field_class is serializers.EmailField:
            field_class = StrictEmailField
        return field_class, kwargs


class RowReadSerializer(ApiSerializer):
    """The one read shape of a kind of object, filled from plain rows PostgreSQL has formatted.

    Lists, details and create answers all read through it: :meth:`rows` turns a queryset of the
    objects into one query of rows holding every value already as the wire writes it (dates,
    times, instants, JSON arrays), and :meth:`to_representation` maps a row to the object, key for
    key; the declared (read-only) fields describe it in the schema. No model, no query per row.
    """

    @classmethod
    def rows(cls, queryset):
        raise NotImplementedError

    def get_fields(self):
        """The declared fields in ``Meta.fields``' order (a base class may declare some of them)."""
        fields = super().get_fields()
        order = [to_camel(name) for name in getattr(self.Meta, "fields", ())]
        if not order:
            return fields
        if set(order) != set(fields):
            raise TypeError(f"{type(self).__name__}.Meta.fields must list every declared field once")
        return {name: fields[name] for name in order}

    @classmethod
    def row_options(cls, membership) -> dict:
        """What the rows depend on besides the objects, for this caller (``rows(queryset, **options)``):
        what a role may read, when that shapes the rows (a session's private notes). None by default."""
        return {}

    @classmethod
    def row_queryset(cls, **options):
        """``rows`` of every object of the model, built once per set of options (filter it per request)."""
        if "_row_querysets" not in cls.__dict__:
            cls._row_querysets = {}
        key = tuple(sorted(options.items()))
        if key not in cls._row_querysets:
            cls._row_querysets[key] = cls.rows(cls.Meta.model._default_manager.all(), **options)
        return cls._row_querysets[key]

    def to_representation(self, row):
        raise NotImplementedError
