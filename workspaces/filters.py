"""List filters of the tenant core, and the filter fields every list shares.

A malformed value is a 400 naming the filter (the tenancy base turns form errors into one).
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from config.api.formats import parse_day
from workspaces.fields import INVALID_ID
from workspaces.ids import is_object_id
from workspaces.models import Client, Membership
from workspaces.roles import Role
from workspaces.search import search_key

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


class ClientFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Client
        fields = []

    def filter_search(self, queryset, name, value):
        """Name, email or phone containing the text, Arabic letter variants and diacritics aside.

        One ``LIKE`` on ``search_text`` (the three fields folded by workspaces.search), with
        the query folded the same way: "احمد" finds "أحمد", "محمد" finds "مُحَمَّد".
        """
        key = search_key(value)
        if not key:
            return queryset
        return queryset.filter(search_text__contains=key)


class MemberFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    # exactly "true" or "false": a BooleanFilter would silently ignore "maybe" instead of a 400
    isActive = django_filters.ChoiceFilter(  # noqa: N815 - wire name
        choices=[("true", "true"), ("false", "false")], method="filter_is_active"
    )

    class Meta:
        model = Membership
        fields = []

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")
