"""List filters of seed 002 plus ``staffId``; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef

from sessions.models import Session, SessionService, SessionStatus
from workspaces.filters import DayFilter, ObjectIdFilter, ObjectIdListFilter


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
