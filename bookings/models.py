"""What every kind of session is: a client's booking with a staff member at a real time.

A kind (``sessions.Session``, ``nutrition.NutritionSession``) is a concrete subclass of
:class:`Booking` that declares its ``lifecycle`` (``bookings.lifecycle``), its ``status`` field
from it, its indexes through :func:`booking_indexes` and what is its own (services, field values;
type, topic, notes and follow-ups). Every kind is placed in time by ``bookings.placement``: the
one place where the end time, the real instants and the double-booking check are worked out.
"""

from __future__ import annotations

from typing import ClassVar

from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from bookings.lifecycle import Lifecycle
from bookings.time import MAX_DURATION_MINUTES
from workspaces.models import WorkspaceScopedModel

#: a booking whose kind gives no colour of its own on the calendar
FALLBACK_COLOR = "#94A3B8"


class Booking(WorkspaceScopedModel):
    """A client, a staff member (or none), a local date and start time, a duration and a status.

    ``date``, ``start_time`` and ``end_time`` are wall-clock values in the workspace's time zone,
    as written; ``starts_at`` and ``ends_at`` the real instants they mean, which calendars and the
    double-booking check compare. ``end_time`` is ``start_time + duration_minutes`` on the clock
    (it may fall on the next day).
    """

    #: the kind's lifecycle (statuses, moves, which statuses free the staff member)
    lifecycle: ClassVar[Lifecycle]
    #: the kind's name in calendar UIDs and the dashboard ("session", "consultation")
    kind: ClassVar[str]

    client = models.ForeignKey(
        "workspaces.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client"), db_index=False
    )
    staff = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,  # covered by the (workspace, staff, starts_at) index
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    starts_at = models.DateTimeField(_("starts at"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), editable=False)

    class Meta:
        abstract = True

    # -- on the calendar ------------------------------------------------------------------------

    @classmethod
    def calendar_annotations(cls) -> dict:
        """Expressions giving each row's ``calendar_detail``, ``calendar_color`` and ``calendar_location``
        (what the back office's calendar, dashboard and feeds show besides the client and times)."""
        return {
            "calendar_detail": Value(str(cls._meta.verbose_name)),
            "calendar_color": Value(FALLBACK_COLOR),
            "calendar_location": Value(""),
        }


def booking_indexes(prefix: str) -> list[models.Index]:
    """Every kind's indexes, each led by the workspace: the calendar's (date, start, id), the
    client's bookings, and the staff member's, which the double-booking check reads."""
    return [
        models.Index(fields=["workspace", "date", "start_time", "id"], name=f"{prefix}_ws_date_idx"),
        models.Index(fields=["workspace", "client"], name=f"{prefix}_ws_client_idx"),
        models.Index(fields=["workspace", "staff", "starts_at"], name=f"{prefix}_ws_staff_idx"),
    ]


def booking_constraints(prefix: str, lifecycle: Lifecycle) -> list[models.BaseConstraint]:
    """Every kind's constraints: a real span, a duration in range, a status of its lifecycle, and
    (workspace, id) unique, what the rows of a booking's parts refer to (a composite foreign key
    led by the workspace: a session's services, notes and attachments)."""
    return [
        models.UniqueConstraint(fields=["workspace", "id"], name=f"{prefix}_ws_id_unique"),
        models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name=f"{prefix}_ends_after_start"),
        models.CheckConstraint(
            condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_DURATION_MINUTES),
            name=f"{prefix}_duration_range",
        ),
        lifecycle.status_constraint(f"{prefix}_status_valid"),
    ]


def booking_models() -> list[type[Booking]]:
    """Every kind of booking (the concrete subclasses of :class:`Booking`)."""
    return [model for model in apps.get_models() if issubclass(model, Booking)]
