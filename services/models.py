from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from workspaces.models import WorkspaceScopedModel


class ServiceScope(models.TextChoices):
    SESSIONS = "sessions", _("Sessions")


class ServiceQuerySet(models.QuerySet):
    def alive(self):
        """Services not deleted: what the services endpoints and new sessions see."""
        return self.filter(deleted_at__isnull=True)


class Service(WorkspaceScopedModel):
    """Something a practice offers; sessions are built from services.

    Deleting a service hides it (``deleted_at``) rather than removing the row, so sessions that
    used it still show its name, and frees its name and color for reuse.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    color = models.CharField(
        _("color"),
        max_length=7,
        null=True,
        blank=True,
        validators=[RegexValidator(r"^#[0-9A-F]{6}$", _("Enter a color as #RRGGBB."))],
    )
    scope = models.CharField(_("scope"), max_length=20, choices=ServiceScope.choices, default=ServiceScope.SESSIONS)
    is_active = models.BooleanField(_("active"), default=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                F("workspace"), Lower(Trim("name")), condition=Q(deleted_at__isnull=True), name="service_ws_name_unique"
            ),
            models.UniqueConstraint(
                fields=["workspace", "color"],
                condition=Q(deleted_at__isnull=True, color__isnull=False),
                name="service_ws_color_unique",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="service_duration_positive"),
        ]
        indexes = [models.Index(fields=["workspace", "id"], name="service_ws_id_idx")]

    def __str__(self) -> str:
        return self.name
