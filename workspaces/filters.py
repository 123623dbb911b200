import django_filters

from workspaces.models import Client, Membership
from workspaces.roles import Role
from workspaces.search import search_key


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
