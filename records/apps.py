from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """Session records: notes, attachments (of every kind of booking) and custom field definitions."""

    name = "records"
    verbose_name = _("Session records")

    def ready(self) -> None:
        from records import receivers  # noqa: F401  (a booking's records go with it)
