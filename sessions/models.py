from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.booking import StaffBooking
from workspaces.models import WorkspaceScopedModel

MAX_DURATION = 1440


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in-progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Session(WorkspaceScopedModel, StaffBooking):
    """An appointment: a client, one or more services, a date and a start time.

    ``date``/``start_time`` are the calendar date and wall-clock time as written; ``starts_at``
    and ``ends_at`` (from :class:`StaffBooking`) are the real instants in the workspace's time
    zone, computed by the actions through ``workspaces.timezones.local_span``.
    """

    INACTIVE_STATUSES = frozenset({SessionStatus.CANCELLED.value})

    name = models.CharField(_("name"), max_length=200)
    # no index of its own: session_ws_client_idx (workspace, client) serves lookups by client
    client = models.ForeignKey(
        "workspaces.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client"), db_index=False
    )
    services = models.ManyToManyField(
        "services.Service", through="SessionService", related_name="+", verbose_name=_("services")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    field_values = models.JSONField(_("field values"), default=list, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    invoice = models.JSONField(_("invoice"), null=True, blank=True)

    class Meta(StaffBooking.Meta):
        abstract = False
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "id"]
        indexes = [
            *StaffBooking.Meta.indexes,
            models.Index(fields=["workspace", "date", "start_time", "id"], name="session_ws_date_idx"),
            models.Index(fields=["workspace", "client"], name="session_ws_client_idx"),
        ]
        constraints = [
            *StaffBooking.Meta.constraints,
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION),
                name="session_duration_range",
            ),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_status_valid"),
            # what SessionService's (workspace, session) foreign key refers to
            models.UniqueConstraint(fields=["workspace", "id"], name="session_ws_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SessionService(WorkspaceScopedModel):
    """A service of a session, in the order the request gave it (``position``).

    Every index here starts with the workspace, and so does every lookup: the link to the
    session is a composite foreign key ``(workspace_id, session_id) -> session (workspace_id,
    id)`` with ``ON DELETE CASCADE``, made in migration 0002 (Django cannot declare one). So a
    link can never point into another workspace, and deleting a session removes its links
    through the ``session_service_unique`` index, with no index on ``session_id`` alone. For the
    ORM the field below is a plain relation without a constraint of its own (``DO_NOTHING``:
    the database cascades).
    """

    session = models.ForeignKey(
        Session,
        on_delete=models.DO_NOTHING,
        related_name="session_services",
        db_constraint=False,
        db_index=False,
    )
    # no index of its own: session_service_ws_svc_idx (workspace, service, session) covers it
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("session service")
        verbose_name_plural = _("session services")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "session", "service"], name="session_service_unique"),
        ]
        indexes = [
            models.Index(fields=["workspace", "service", "session"], name="session_service_ws_svc_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.service_id}"
