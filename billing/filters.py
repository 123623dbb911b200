"""The invoice list's filters; a malformed value is a 400 naming the filter."""

from __future__ import annotations

import django_filters

from billing.models import Invoice, InvoiceStatus
from workspaces.filters import DayFilter, ObjectIdFilter


class InvoiceFilter(django_filters.FilterSet):
    # wire names are camelCase: errors name the filter as the caller wrote it
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    clientId = ObjectIdFilter(field_name="client_id")  # noqa: N815
    # the invoice's date in the workspace's calendar: when issued (a draft: when drafted)
    dateFrom = DayFilter(field_name="date", lookup_expr="gte")  # noqa: N815
    dateTo = DayFilter(field_name="date", lookup_expr="lte")  # noqa: N815

    class Meta:
        model = Invoice
        fields = []
