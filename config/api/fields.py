"""Strict serializer fields: the wire formats, and JSON scalars that are never coerced."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.formats import format_clock, format_day, format_instant, parse_day


class InstantField(serializers.DateTimeField):
    def to_representation(self, value):
        return None if value is None else format_instant(value)


@extend_schema_field(
    {
        "type": "string",
        "description": "ISO 8601 date or date-time in (its date part as written); out: that date at midnight UTC.",
        "example": "2024-01-20T00:00:00.000Z",
    }
)
class DayField(serializers.Field):
    """``date`` in: ISO 8601 date or date-time, its date part as written; out: midnight UTC."""

    default_error_messages = {"invalid": _("Enter a valid ISO 8601 date, such as 2024-01-20.")}

    def to_internal_value(self, data):
        try:
            return parse_day(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return format_day(value)


_CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class ClockField(serializers.Field):
    """24-hour ``HH:mm`` from 00:00 to 23:59."""

    default_error_messages = {"invalid": _("Enter a time as HH:mm, 24-hour, from 00:00 to 23:59.")}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _CLOCK_RE.match(data):
            self.fail("invalid")
        return dt.time(int(data[:2]), int(data[3:]))

    def to_representation(self, value):
        return format_clock(value)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true`` and ``false``: no "yes", 1 or "true" strings."""

    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


def _reject_non_string(field, data):
    if not isinstance(data, str):
        raise serializers.ValidationError(_("Must be a string."), code="invalid")


class StrictCharField(serializers.CharField):
    """A JSON string: numbers and booleans are not silently turned into text."""

    def to_internal_value(self, data):
        _reject_non_string(self, data)
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        _reject_non_string(self, data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: no strings, no booleans, no 1.5."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            if isinstance(data, float) and data.is_integer():
                data = int(data)
            else:
                self.fail("invalid")
        return super().to_internal_value(data)


NOT_A_NUMBER = _("Must be a JSON number.")


class NumberField(serializers.DecimalField):
    """A JSON number kept as an exact Decimal (strings and booleans refused); ``-0`` is 0.

    The JSON parser hands numbers over as int or float. A float's ``repr`` is the shortest text
    that reads back as the same float, which is the text that was sent for any number of up to
    15 significant digits, so nothing is rounded on the way.
    """

    default_error_messages = {"invalid": NOT_A_NUMBER}

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, Decimal)):
            self.fail("invalid")
        value = super().to_internal_value(repr(data) if isinstance(data, float) else str(data))
        return abs(value) if value == 0 else value


class StrictChoiceField(serializers.ChoiceField):
    """A JSON string that is one of the choices (no ``["sessions"]``, no number coerced into one)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)
