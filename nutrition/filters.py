"""List filters of nutrition consultations (seed 000)."""

from __future__ import annotations

import django_filters

from bookings.filters import BookingFilter
from nutrition.models import ConsultationStatus, ConsultationType, NutritionSession
from workspaces.filters import ObjectIdFilter


class NutritionSessionFilter(BookingFilter):
    specialistId = ObjectIdFilter(field_name="staff_id")  # noqa: N815
    type = django_filters.ChoiceFilter(choices=ConsultationType.choices)
    status = django_filters.ChoiceFilter(choices=ConsultationStatus.choices)

    class Meta:
        model = NutritionSession
        fields = []
