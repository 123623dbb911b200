from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Func, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from bookings.lifecycle import Lifecycle
from bookings.models import FALLBACK_COLOR, Booking, booking_constraints, booking_indexes
from workspaces.models import WorkspaceScopedModel


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in-progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


#: scheduled -> in-progress | completed | cancelled, in-progress -> completed | cancelled; completed
#: and cancelled are final; a cancelled session holds no slot
SESSION_LIFECYCLE = Lifecycle(
    statuses=SessionStatus,
    moves={
        SessionStatus.SCHEDULED: {SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.CANCELLED},
        SessionStatus.IN_PROGRESS: {SessionStatus.COMPLETED, SessionStatus.CANCELLED},
    },
    frees_staff={SessionStatus.CANCELLED},
)


class Session(Booking):
    """An appointment built from services (seeds 001, 002): a booking with a name, its services in
    order (:class:`SessionService`) and custom field values (checked against the workspace's
    definitions, ``records.fields``); its notes and attachments are rows of ``records``."""

    lifecycle = SESSION_LIFECYCLE
    kind = "session"

    name = models.CharField(_("name"), max_length=200)
    services = models.ManyToManyField(
        "services.Service", through="SessionService", related_name="+", verbose_name=_("services")
    )
    status = SESSION_LIFECYCLE.status_field()
    field_values = models.JSONField(_("field values"), default=list, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "id"]
        indexes = booking_indexes("session")
        constraints = booking_constraints("session", SESSION_LIFECYCLE)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def calendar_annotations(cls) -> dict:
        """The services' names (else the session's name) and the first service's colour."""
        links = SessionService.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk"))
        names = ArraySubquery(links.order_by("position", "id").values("service__name"))
        return {
            "calendar_detail": Coalesce(
                NullIf(Func(names, Value(", "), function="array_to_string"), Value("")),
                "name",
                output_field=models.CharField(),
            ),
            "calendar_color": Coalesce(
                Subquery(links.order_by("position", "id").values("service__color")[:1]), Value(FALLBACK_COLOR)
            ),
            "calendar_location": Value(""),
        }


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
