"""Double booking, shared by every kind of session (general sessions, nutrition consultations).

A staff member cannot hold two sessions, of any kind, whose real times overlap, unless one of
them is in an inactive status (cancelled, no_show). Every kind of session is a concrete
subclass of :class:`StaffBooking`, storing its real start and end instants.

Holding under concurrency: before checking, the transaction locks the staff member's
membership row (``SELECT ... FOR UPDATE``). That row always exists, so two requests for one free
slot serialise on it, and the second one's check (a new snapshot under READ COMMITTED) sees the
first one's committed session. No contrib extension (btree_gist) is needed, so the embedded
PostgreSQL works too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.api.errors import BadRequest, Conflict
from workspaces.timezones import NonexistentLocalTimeError, local_span

#: the longest session: bounds the overlap search so it stays an index range scan
MAX_SPAN = timedelta(minutes=1440)
#: how close to date.min / date.max a session may be placed
EDGE = timedelta(days=3)

STAFF_CONFLICT = _("The staff member already has a session at that time.")
DATE_OUT_OF_RANGE = _("This date is out of the supported range.")
NONEXISTENT_LOCAL_TIME = _("This start time does not exist on that date in the workspace's time zone.")


class StaffBooking(models.Model):
    """Mixed into each kind of session: who holds it and its real start and end instants."""

    #: statuses in which a session holds no slot
    INACTIVE_STATUSES: frozenset[str] = frozenset()

    staff = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,  # covered by the (workspace, staff, starts_at) index below
    )
    starts_at = models.DateTimeField(_("starts at"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), editable=False)

    class Meta:
        abstract = True
        indexes = [
            models.Index(fields=["workspace", "staff", "starts_at"], name="%(app_label)s_%(class)s_staff_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="%(app_label)s_%(class)s_ends_after_start"
            ),
        ]


def booking_span(*, day: date, start_time: time, duration_minutes: int, tz_name: str) -> tuple[datetime, datetime]:
    """The real start and end of a session of any kind, or a 400.

    A date this close to the ends of the calendar cannot be placed in time (any zone, any overlap
    window): 400 on ``date``. A local time skipped by a clock change: 400 on ``startTime``.
    """
    if not date.min + EDGE <= day <= date.max - EDGE:
        raise BadRequest(DATE_OUT_OF_RANGE, code="invalid", field="date")
    try:
        return local_span(day, start_time, duration_minutes, tz_name)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 late in the day
        raise BadRequest(DATE_OUT_OF_RANGE, code="invalid", field="date") from None
    except NonexistentLocalTimeError:
        raise BadRequest(NONEXISTENT_LOCAL_TIME, code="nonexistent_local_time", field="startTime") from None


def booking_models() -> list[type[StaffBooking]]:
    return [model for model in apps.get_models() if issubclass(model, StaffBooking)]


def booking_ensure_staff_free(
    *,
    model: type[StaffBooking],
    workspace_id: str,
    staff_id: str | None,
    starts_at: datetime,
    ends_at: datetime,
    status: str,
    exclude_pk: str | None = None,
) -> None:
    """Lock the staff member and refuse (409 ``staff_conflict``) an overlap with any session.

    Call inside the transaction that then writes the session of kind ``model`` with ``status``
    (an inactive status holds no slot, so never conflicts). ``exclude_pk`` is the session being
    moved, which cannot conflict with itself.
    """
    from workspaces.models import Membership

    if staff_id is None or status in model.INACTIVE_STATUSES:
        return
    list(Membership.objects.select_for_update().filter(pk=staff_id).values_list("pk", flat=True))
    overlaps = []
    for other in booking_models():
        overlapping = other.objects.filter(
            workspace_id=workspace_id,
            staff_id=staff_id,
            starts_at__gt=starts_at - MAX_SPAN,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        ).exclude(status__in=other.INACTIVE_STATUSES)
        if exclude_pk is not None and other is model:
            overlapping = overlapping.exclude(pk=exclude_pk)
        overlaps.append(overlapping.values("pk"))
    # every kind of session in one query (UNION ALL, each through its (workspace, staff, starts_at) index)
    if overlaps[0].union(*overlaps[1:], all=True).exists():
        raise Conflict(STAFF_CONFLICT, code="staff_conflict")
