"""List filters of seed 002 plus ``staffId``; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from config.api import parse_day
from sessions.models import Session, SessionService, SessionStatus
from workspaces.fields import INVALID_ID
from workspaces.ids import is_object_id

MAX_FILTER_IDS = 100

INVALID_DAY = _("Enter a valid ISO 8601 date or date-time, such as 2024-01-20.")
TOO_MANY_IDS = _("At most %(max)s ids are allowed.")


class ObjectIdFormField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if value and not is_object_id(value):
            raise forms.ValidationError(INVALID_ID, code="invalid")
        return value


class ObjectIdListFormField(forms.CharField):
    """``id1,id2``: comma-separated ids, spaces around them ignored, duplicates once."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        ids = [part.strip() for part in value.split(",") if part.strip()]
        if len(ids) > MAX_FILTER_IDS:
            raise forms.ValidationError(TOO_MANY_IDS % {"max": MAX_FILTER_IDS}, code="invalid")
        if not all(is_object_id(pk) for pk in ids):
            raise forms.ValidationError(INVALID_ID, code="invalid")
        return list(dict.fromkeys(ids))


class DayFormField(forms.CharField):
    """An ISO 8601 date or date-time; its date part as written."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_day(value)
        except ValueError:
            raise forms.ValidationError(INVALID_DAY, code="invalid") from None


class ObjectIdFilter(django_filters.CharFilter):
    field_class = ObjectIdFormField


class ObjectIdListFilter(django_filters.Filter):
    field_class = ObjectIdListFormField


class DayFilter(django_filters.Filter):
    field_class = DayFormField


class SessionFilter(django_filters.FilterSet):
    # wire names are camelCase: errors name the filter as the caller wrote it
    clientId = ObjectIdFilter(field_name="client_id")  # noqa: N815
    staffId = ObjectIdFilter(field_name="staff_id")  # noqa: N815
    serviceIds = ObjectIdListFilter(method="filter_services")  # noqa: N815
    dateFrom = DayFilter(field_name="date", lookup_expr="gte")  # noqa: N815
    dateTo = DayFilter(field_name="date", lookup_expr="lte")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)

    class Meta:
        model = Session
        fields = []

    def filter_services(self, queryset, name, value):
        """Sessions with any of the services (an EXISTS, so no row comes back twice)."""
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                SessionService.objects.filter(
                    workspace=OuterRef("workspace"), service_id__in=value, session=OuterRef("pk")
                )
            )
        )
