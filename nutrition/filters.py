"""List filters of nutrition consultations; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from config.api import parse_day
from nutrition.models import ConsultationStatus, ConsultationType, NutritionSession
from workspaces.fields import INVALID_ID
from workspaces.ids import is_object_id

INVALID_DAY = _("Enter a valid ISO 8601 date, such as 2024-01-20.")


class ObjectIdFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not is_object_id(value):
            raise forms.ValidationError(INVALID_ID, code="invalid")
        return value


class ObjectIdFilter(django_filters.Filter):
    field_class = ObjectIdFormField


class DayFormField(forms.Field):
    """An ISO 8601 date or date-time; a date-time counts as its date part (as written)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_day(value)
        except ValueError:
            raise forms.ValidationError(INVALID_DAY, code="invalid") from None


class DayFilter(django_filters.Filter):
    field_class = DayFormField


class NutritionSessionFilter(django_filters.FilterSet):
    # wire names: camelCase
    clientId = ObjectIdFilter(field_name="client_id")  # noqa: N815
    specialistId = ObjectIdFilter(field_name="staff_id")  # noqa: N815
    type = django_filters.ChoiceFilter(choices=ConsultationType.choices)
    status = django_filters.ChoiceFilter(choices=ConsultationStatus.choices)
    dateFrom = DayFilter(field_name="date", lookup_expr="gte")  # noqa: N815 - inclusive
    dateTo = DayFilter(field_name="date", lookup_expr="lte")  # noqa: N815 - inclusive

    class Meta:
        model = NutritionSession
        fields = []
