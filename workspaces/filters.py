import django_filters
from django.db.models import Q

from workspaces.models import Client, Membership
from workspaces.roles import Role


class ClientFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Client
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value) | Q(phone__icontains=value))


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
