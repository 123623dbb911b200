"""Nutrition consultations (seed 000) and their follow-ups."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.booking import StaffBooking
from workspaces.models import WorkspaceScopedModel

#: the default length of a consultation when neither endTime nor durationMinutes is given
DEFAULT_DURATION_MINUTES = 60
MAX_DURATION_MINUTES = 1440
TOPIC_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 10000
MEETING_LINK_MAX_LENGTH = 500
LOCATION_MAX_LENGTH = 300
FOLLOW_UP_NOTE_MAX_LENGTH = 2000

validate_meeting_link = URLValidator(schemes=["http", "https"], message=_("Enter an http or https URL."))


class ConsultationType(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class ConsultationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No show")


#: the lifecycle: from a status to the statuses it may move to (end states move nowhere)
STATUS_MOVES: dict[str, frozenset[str]] = {
    ConsultationStatus.SCHEDULED: frozenset(
        {ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED, ConsultationStatus.NO_SHOW}
    ),
    ConsultationStatus.COMPLETED: frozenset(),
    ConsultationStatus.CANCELLED: frozenset(),
    ConsultationStatus.NO_SHOW: frozenset(),
}


class NutritionSession(WorkspaceScopedModel, StaffBooking):
    """A consultation with a client; ``staff`` is the specialist (``specialistId``).

    ``date``, ``start_time`` and ``end_time`` are the wall-clock values as written; ``starts_at``
    and ``ends_at`` (from :mod:`workspaces.timezones`) are the real instants the double-booking
    check compares. ``end_time`` is ``start_time + duration_minutes`` and may fall on the next day
    when the consultation was given by its duration and runs past midnight.
    """

    INACTIVE_STATUSES = frozenset({ConsultationStatus.CANCELLED.value, ConsultationStatus.NO_SHOW.value})

    # indexed by (workspace, client) below: every index of a tenant table starts with the workspace
    client = models.ForeignKey(
        "workspaces.Client",
        on_delete=models.PROTECT,
        related_name="nutrition_sessions",
        verbose_name=_("client"),
        db_index=False,
    )
    type = models.CharField(_("type"), max_length=20, choices=ConsultationType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.SCHEDULED
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    # blank: in the admin an empty end time or duration is computed from the other (or 60 minutes)
    end_time = models.TimeField(_("end time"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    topic = models.CharField(_("topic"), max_length=TOPIC_MAX_LENGTH, null=True, blank=True)
    notes_private = models.TextField(
        _("private notes"),
        max_length=NOTES_MAX_LENGTH,
        null=True,
        blank=True,
        help_text=_("Seen only by staff allowed to manage consultations."),
    )
    notes_shared = models.TextField(_("shared notes"), max_length=NOTES_MAX_LENGTH, null=True, blank=True)
    meeting_link = models.CharField(
        _("meeting link"),
        max_length=MEETING_LINK_MAX_LENGTH,
        null=True,
        blank=True,
        validators=[validate_meeting_link],
    )
    location = models.CharField(_("location"), max_length=LOCATION_MAX_LENGTH, null=True, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

    class Meta:
        verbose_name = _("nutrition consultation")
        verbose_name_plural = _("nutrition consultations")
        ordering = ["date", "start_time", "id"]
        indexes = [
            models.Index(fields=["workspace", "date", "start_time", "id"], name="nutrition_ws_date_idx"),
            models.Index(fields=["workspace", "client"], name="nutrition_ws_client_idx"),
            # StaffBooking's overlap index, named to fit the 30-character limit
            models.Index(fields=["workspace", "staff", "starts_at"], name="nutrition_ws_staff_idx"),
        ]
        constraints = [
            *StaffBooking.Meta.constraints,
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="nutrition_duration_range",
            ),
            models.CheckConstraint(condition=Q(type__in=ConsultationType.values), name="nutrition_type_valid"),
            models.CheckConstraint(condition=Q(status__in=ConsultationStatus.values), name="nutrition_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.start_time.strftime('%H:%M')}"


class FollowUp(WorkspaceScopedModel):
    """Something to do after a consultation, by a date."""

    # indexed by (workspace, session, due_date) below; reads name the workspace (nutrition.selectors)
    session = models.ForeignKey(
        NutritionSession,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("consultation"),
        db_index=False,
    )
    due_date = models.DateField(_("due date"))
    note = models.TextField(_("note"), max_length=FOLLOW_UP_NOTE_MAX_LENGTH)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["workspace", "session", "due_date", "id"], name="nutrition_followup_ws_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.due_date.isoformat()}: {self.note[:50]}"
