"""List filters of seed 002 plus ``staffId``."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from bookings.filters import BookingFilter
from sessions.models import Session, SessionService, SessionStatus
from workspaces.filters import ObjectIdFilter, ObjectIdListFilter


class SessionFilter(BookingFilter):
    staffId = ObjectIdFilter(field_name="staff_id")  # noqa: N815
    serviceIds = ObjectIdListFilter(method="filter_services")  # noqa: N815
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)

    class Meta:
        model = Session
        fields = []

    def filter_services(self, queryset, name, value):
        """Sessions with any of the services (an EXISTS, so no row comes back twice; ``= ANY`` of
        one array, so the list's compiled shape does not depend on how many are asked for)."""
        if not value:
            return queryset
        return queryset.filter(
            Exists(
                SessionService.objects.filter(
                    workspace=OuterRef("workspace"), service_id__any=value, session=OuterRef("pk")
                )
            )
        )
