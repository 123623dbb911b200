from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AvailabilityConfig(AppConfig):
    """Working hours, time off, the workspace's booking policy and free slots."""

    name = "availability"
    verbose_name = _("Availability")
