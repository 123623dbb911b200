import django_filters
from django.utils.translation import gettext_lazy as _

from services.models import Service, ServiceScope

BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]
IS_ACTIVE_INVALID = _("Must be true or false.")
SCOPE_INVALID = _("Must be sessions.")


class ServiceFilter(django_filters.FilterSet):
    """``isActive`` (exactly ``true`` or ``false``) and ``scope`` (``sessions``); anything else is a 400.

    An empty value (``?isActive=``) means the filter is not applied.
    """

    isActive = django_filters.ChoiceFilter(  # noqa: N815 - wire name
        choices=BOOLEAN_CHOICES,
        method="filter_is_active",
        error_messages={"invalid_choice": IS_ACTIVE_INVALID},
    )
    scope = django_filters.ChoiceFilter(choices=ServiceScope.choices, error_messages={"invalid_choice": SCOPE_INVALID})

    class Meta:
        model = Service
        fields = []

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")
