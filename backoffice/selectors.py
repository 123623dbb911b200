"""What the calendar, the dashboard and the feeds read: both kinds of session as one shape.

One query per kind for a range of instants, with the client, the staff member's name and the
services' names and first colour loaded in the same query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from bookings.models import FALLBACK_COLOR, Booking, booking_models
from bookings.time import MAX_SPAN
from workspaces.models import Membership, Workspace

UNASSIGNED = _("Unassigned")

COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class Entry:
    """A booking of any kind, as the calendar, the dashboard and the feeds show it."""

    kind: str
    kind_label: str  # the kind's name, capitalised ("Session", "Nutrition consultation")
    id: str
    workspace_id: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    cancelled: bool  # holds no slot (cancelled, no-show)
    client_name: str
    detail: str  # services (sessions) or topic (consultations)
    color: str
    staff_id: str | None
    staff_name: str
    location: str
    created_at: datetime
    updated_at: datetime
    admin_url_name: str

    @property
    def summary(self) -> str:
        return f"{self.client_name} · {self.detail}" if self.detail else self.client_name

    @property
    def admin_url(self) -> str:
        return reverse(self.admin_url_name, args=[self.id])


def _color(value: str | None) -> str:
    # only ever #RRGGBB reaches a style attribute, whatever a bulk load put in the table
    return value.upper() if value and COLOR_RE.match(value) else FALLBACK_COLOR


def _staff_name(membership: Membership | None) -> str:
    if membership is None:
        return str(UNASSIGNED)
    return membership.user.get_full_name()


def kind_entries(
    kind: type[Booking], *, workspace_filter: Q, start: datetime, end: datetime, staff_id: str | None = None
) -> list[Entry]:
    """Bookings of ``kind`` overlapping [start, end): one query, with what the kind shows on the calendar."""
    # starts_at > start - MAX_SPAN bounds the scan: no booking is longer than MAX_SPAN
    queryset = kind.objects.filter(
        workspace_filter, starts_at__gt=start - MAX_SPAN, starts_at__lt=end, ends_at__gt=start
    )
    if staff_id is not None:
        queryset = queryset.filter(staff_id=staff_id)
    queryset = (
        queryset.select_related("client", "staff__user")
        .only(
            "id",
            "workspace_id",
            "starts_at",
            "ends_at",
            "status",
            "staff_id",
            "created_at",
            "updated_at",
            "client__name",
            "staff__user__name",
            "staff__user__email",
        )
        .annotate(**kind.calendar_annotations())
        .order_by("starts_at", "id")
    )
    admin_url_name = f"admin:{kind._meta.app_label}_{kind._meta.model_name}_change"
    return [
        Entry(
            kind=kind.kind,
            kind_label=capfirst(kind._meta.verbose_name),
            id=row.id,
            workspace_id=row.workspace_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            status_label=str(row.get_status_display()),
            cancelled=not kind.lifecycle.holds_staff(row.status),
            client_name=row.client.name,
            detail=row.calendar_detail,
            color=_color(row.calendar_color),
            staff_id=row.staff_id,
            staff_name=_staff_name(row.staff),
            location=row.calendar_location,
            created_at=row.created_at,
            updated_at=row.updated_at,
            admin_url_name=admin_url_name,
        )
        for row in queryset
    ]


def entries(*, workspace_filter: Q, start: datetime, end: datetime, staff_id: str | None = None) -> list[Entry]:
    """Every kind's bookings overlapping [start, end), by start: one query a kind."""
    found = [
        entry
        for kind in booking_models()
        for entry in kind_entries(kind, workspace_filter=workspace_filter, start=start, end=end, staff_id=staff_id)
    ]
    return sorted(found, key=lambda entry: (entry.starts_at, entry.id))


def entries_between(
    *, workspace: Workspace, start: datetime, end: datetime, staff_id: str | None = None
) -> list[Entry]:
    """Every kind's bookings in one workspace overlapping [start, end), by start."""
    return entries(workspace_filter=Q(workspace_id=workspace.pk), start=start, end=end, staff_id=staff_id)


def entries_in_windows(windows: Iterable[tuple[Workspace, datetime, datetime]]) -> list[Entry]:
    """Every kind's bookings over several workspaces, each with its own window (its own local day)."""
    where = Q()
    widest: tuple[datetime, datetime] | None = None
    for workspace, start, end in windows:
        where |= Q(workspace_id=workspace.pk, starts_at__lt=end, ends_at__gt=start)
        widest = (min(widest[0], start), max(widest[1], end)) if widest else (start, end)
    if widest is None:
        return []
    return entries(workspace_filter=where, start=widest[0], end=widest[1])


def calendar_staff(workspace: Workspace) -> list[Membership]:
    """The workspace's members, active first, by name: the staff filter and the day view's columns."""
    return list(
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("-is_active", "user__name", "user__email", "id")
    )


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """What a feed holds: 90 days back, 365 ahead."""
    return now - timedelta(days=90), now + timedelta(days=365)
