from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import NumberField, StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField
from config.api.serializers import ApiModelSerializer
from services import rules
from services.models import Service, ServiceScope


@extend_schema_field(
    {
        "type": "number",
        "format": "decimal",
        "minimum": 0,
        "maximum": float(rules.PRICE_MAX),
        "nullable": True,
        "example": 150.00,
        "description": "A JSON number (not a string) with at most 2 decimal places; returned exactly, e.g. 150.00.",
    }
)
class PriceField(NumberField):
    """Money as a JSON number, kept as an exact Decimal: 0 to 9999999999.99, at most 2 places
    (every allowed price has at most 12 significant digits: nothing is rounded)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", rules.PRICE_MAX_DIGITS)
        kwargs.setdefault("decimal_places", rules.PRICE_DECIMAL_PLACES)
        kwargs.setdefault("min_value", rules.PRICE_MIN)
        kwargs.setdefault("max_value", rules.PRICE_MAX)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        value = super().to_representation(value)
        return Decimal("0.00") if value == 0 else value


@extend_schema_field(
    {"type": "string", "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", "nullable": True, "example": "#3B82F6"}
)
class ColorField(StrictCharField):
    """A hex color of 3 or 6 digits with ``#``, stored and returned as ``#RRGGBB`` upper case."""

    default_error_messages = {"invalid_color": rules.COLOR_INVALID}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return rules.normalize_color(value)
        except ValueError:
            self.fail("invalid_color")


@extend_schema_field({"type": "string", "pattern": "^#[0-9A-F]{6}$", "nullable": True, "example": "#3B82F6"})
class StoredColorField(serializers.CharField):
    """A stored color: always ``#RRGGBB`` in upper case, or null."""


class ServiceReadSerializer(ApiModelSerializer):
    """A service as every services endpoint returns it (``scope`` always included)."""

    workspace_id = serializers.CharField(read_only=True)
    price = PriceField(read_only=True, allow_null=True)
    color = StoredColorField(read_only=True, allow_null=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "workspace_id",
            "name",
            "description",
            "duration_minutes",
            "price",
            "color",
            "scope",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ServiceWriteSerializer(ApiModelSerializer):
    read_shape = ServiceReadSerializer
    """Only the writable fields: id, workspace and timestamps are the server's.

    On POST ``name`` is required and the rest take their defaults; on PATCH every field is
    optional. ``null`` clears the optional fields (description, durationMinutes, price, color).
    """

    name = StrictCharField(min_length=1, max_length=rules.NAME_MAX_LENGTH, trim_whitespace=True)
    description = StrictCharField(
        max_length=rules.DESCRIPTION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
    )
    duration_minutes = StrictIntegerField(
        min_value=rules.DURATION_MIN, max_value=rules.DURATION_MAX, required=False, allow_null=True
    )
    price = PriceField(required=False, allow_null=True)
    color = ColorField(required=False, allow_null=True)
    scope = StrictChoiceField(choices=ServiceScope.choices, required=False)
    is_active = StrictBooleanField(required=False)

    class Meta:
        model = Service
        fields = ["name", "description", "duration_minutes", "price", "color", "scope", "is_active"]
        validators = []  # uniqueness is the database's (services.actions), not a racy Python check

    def validate(self, attrs):
        if "description" in attrs and attrs["description"] is None:
            attrs["description"] = ""
        return attrs
