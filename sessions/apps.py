from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    """The sessions (appointments) app.

    ``sessions`` would collide with ``django.contrib.sessions``, so the app has its own label
    from its first migration on: tables are ``appointments_*`` and migrations are made with
    ``makemigrations appointments``.
    """

    name = "sessions"
    label = "appointments"
    verbose_name = _("Sessions")
