"""Nutrition consultations (seed 000) and their follow-ups."""

from __future__ import annotations

from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from bookings.lifecycle import Lifecycle
from bookings.models import Booking, booking_constraints, booking_indexes
from workspaces.models import WorkspaceScopedModel

TOPIC_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 10000
MEETING_LINK_MAX_LENGTH = 500
LOCATION_MAX_LENGTH = 300
FOLLOW_UP_NOTE_MAX_LENGTH = 2000
#: every consultation on the calendar: one fixed colour (drawn striped, so it never reads as a service)
CONSULTATION_COLOR = "#475569"
CONSULTATION_TITLE = _("Nutrition consultation")

validate_meeting_link = URLValidator(schemes=["http", "https"], message=_("Enter an http or https URL."))


class ConsultationType(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class ConsultationStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No show")


#: scheduled -> completed | cancelled | no_show; the three end states are final; cancelled and
#: no-show consultations hold no slot
CONSULTATION_LIFECYCLE = Lifecycle(
    statuses=ConsultationStatus,
    moves={
        ConsultationStatus.SCHEDULED: {
            ConsultationStatus.COMPLETED,
            ConsultationStatus.CANCELLED,
            ConsultationStatus.NO_SHOW,
        },
    },
    frees_staff={ConsultationStatus.CANCELLED, ConsultationStatus.NO_SHOW},
)


class NutritionSession(Booking):
    """A nutrition consultation (seed 000): a booking with a type, a topic, private and shared
    notes, a meeting link or a location, and follow-ups (its attachments are rows of ``records``).
    ``staff`` is the specialist."""

    lifecycle = CONSULTATION_LIFECYCLE
    kind = "consultation"

    type = models.CharField(_("type"), max_length=20, choices=ConsultationType.choices)
    status = CONSULTATION_LIFECYCLE.status_field()
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

    class Meta:
        verbose_name = _("nutrition consultation")
        verbose_name_plural = _("nutrition consultations")
        ordering = ["date", "start_time", "id"]
        indexes = booking_indexes("nutrition")
        constraints = [
            *booking_constraints("nutrition", CONSULTATION_LIFECYCLE),
            models.CheckConstraint(condition=Q(type__in=ConsultationType.values), name="nutrition_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.start_time.strftime('%H:%M')}"

    @classmethod
    def calendar_annotations(cls) -> dict:
        """The topic (else "Nutrition consultation"), one fixed colour, the meeting link or the location."""
        return {
            "calendar_detail": Coalesce(NullIf(F("topic"), Value("")), Value(str(CONSULTATION_TITLE))),
            "calendar_color": Value(CONSULTATION_COLOR),
            "calendar_location": Coalesce(
                NullIf(F("meeting_link"), Value("")), NullIf(F("location"), Value("")), Value("")
            ),
        }


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
