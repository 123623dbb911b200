"""List filters of nutrition consultations; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters

from nutrition.models import ConsultationStatus, ConsultationType, NutritionSession
from workspaces.filters import DayFilter, ObjectIdFilter


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
