from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    """The booking core: what every kind of session is, and how one is placed in time."""

    name = "bookings"
    verbose_name = _("Bookings")
