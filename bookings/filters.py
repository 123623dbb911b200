"""The list filters every kind of booking shares; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters

from workspaces.filters import DayFilter, ObjectIdFilter


class BookingFilter(django_filters.FilterSet):
    """``clientId``, and ``dateFrom`` / ``dateTo`` as inclusive calendar dates (a date-time counts
    as its date). A kind adds its staff filter under its wire name, its statuses and its own."""

    # wire names are camelCase: errors name the filter as the caller wrote it
    clientId = ObjectIdFilter(field_name="client_id")  # noqa: N815
    dateFrom = DayFilter(field_name="date", lookup_expr="gte")  # noqa: N815
    dateTo = DayFilter(field_name="date", lookup_expr="lte")  # noqa: N815
