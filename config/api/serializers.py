"""camelCase on the wire, snake_case in Python, converted here once; the serializer bases."""

from __future__ import annotations

import re

from django.db import models
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


class CamelCaseMixin:
    """camelCase on the wire, snake_case in Python: fields are renamed here, once.

    ``validate_<snake_name>`` methods keep working (DRF looks them up by the wire name).
    """

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


class ApiSerializer(CamelCaseMixin, serializers.Serializer):
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
