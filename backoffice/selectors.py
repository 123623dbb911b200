"""What the calendar, the dashboard and the feeds read: both kinds of session as one shape.

One query per kind for a range of instants, with the client, the staff member's name and the
services' names and first colour loaded in the same query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nutrition.models import ConsultationStatus, NutritionSession
from sessions.models import Session, SessionService, SessionStatus
from workspaces.booking import MAX_SPAN
from workspaces.models import Membership, Workspace

SESSION = "session"
CONSULTATION = "consultation"

#: a session whose first service has no colour
SESSION_FALLBACK_COLOR = "#94A3B8"
#: every nutrition consultation: one fixed colour (drawn striped, so it never reads as a service)
CONSULTATION_COLOR = "#475569"

CONSULTATION_TITLE = _("Nutrition consultation")
UNASSIGNED = _("Unassigned")

COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")

CANCELLED_STATUSES = frozenset({SessionStatus.CANCELLED.value, ConsultationStatus.NO_SHOW.value})


@dataclass(frozen=True)
class Entry:
    """A session of either kind, as the calendar, the dashboard and the feeds show it."""

    kind: str
    id: str
    workspace_id: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    client_name: str
    detail: str  # services (sessions) or topic (consultations)
    color: str
    staff_id: str | None
    staff_name: str
    location: str
    created_at: datetime
    updated_at: datetime

    @property
    def cancelled(self) -> bool:
        return self.status in CANCELLED_STATUSES

    @property
    def summary(self) -> str:
        return f"{self.client_name} · {self.detail}" if self.detail else self.client_name

    @property
    def admin_url(self) -> str:
        name = (
            "admin:appointments_session_change" if self.kind == SESSION else "admin:nutrition_nutritionsession_change"
        )
        return reverse(name, args=[self.id])


def _color(value: str | None) -> str:
    # only ever #RRGGBB reaches a style attribute, whatever a bulk load put in the table
    return value.upper() if value and COLOR_RE.match(value) else SESSION_FALLBACK_COLOR


def _staff_name(membership: Membership | None) -> str:
    if membership is None:
        return str(UNASSIGNED)
    return membership.user.name or membership.user.email


def _ranged(queryset, *, start: datetime, end: datetime):
    # starts_at > start - MAX_SPAN bounds the scan: no session is longer than MAX_SPAN
    return queryset.filter(starts_at__gt=start - MAX_SPAN, starts_at__lt=end, ends_at__gt=start)


def session_entries(*, workspace_filter: Q, start: datetime, end: datetime, staff_id: str | None = None) -> list[Entry]:
    """Sessions overlapping [start, end): one query, services' names and first colour included."""
    links = SessionService.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk")).order_by(
        "position", "id"
    )
    queryset = _ranged(Session.objects.filter(workspace_filter), start=start, end=end)
    if staff_id is not None:
        queryset = queryset.filter(staff_id=staff_id)
    queryset = (
        queryset.select_related("client", "staff__user")
        .defer("field_values", "attachments", "notes", "invoice", "client__notes")
        .annotate(
            service_names=ArraySubquery(links.values("service__name")),
            first_color=Subquery(links.values("service__color")[:1]),
        )
        .order_by("starts_at", "id")
    )
    return [
        Entry(
            kind=SESSION,
            id=row.id,
            workspace_id=row.workspace_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            status_label=str(row.get_status_display()),
            client_name=row.client.name,
            detail=", ".join(row.service_names) or row.name,
            color=_color(row.first_color),
            staff_id=row.staff_id,
            staff_name=_staff_name(row.staff),
            location="",
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in queryset
    ]


def consultation_entries(
    *, workspace_filter: Q, start: datetime, end: datetime, staff_id: str | None = None
) -> list[Entry]:
    """Nutrition consultations overlapping [start, end): one query."""
    queryset = _ranged(NutritionSession.objects.filter(workspace_filter), start=start, end=end)
    if staff_id is not None:
        queryset = queryset.filter(staff_id=staff_id)
    queryset = (
        queryset.select_related("client", "staff__user")
        .defer("notes_private", "notes_shared", "attachments", "client__notes")
        .order_by("starts_at", "id")
    )
    return [
        Entry(
            kind=CONSULTATION,
            id=row.id,
            workspace_id=row.workspace_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            status=row.status,
            status_label=str(row.get_status_display()),
            client_name=row.client.name,
            detail=row.topic or str(CONSULTATION_TITLE),
            color=CONSULTATION_COLOR,
            staff_id=row.staff_id,
            staff_name=_staff_name(row.staff),
            location=row.meeting_link or row.location or "",
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in queryset
    ]


def entries_between(
    *, workspace: Workspace, start: datetime, end: datetime, staff_id: str | None = None
) -> list[Entry]:
    """Both kinds in one workspace overlapping [start, end), by start: two queries."""
    where = Q(workspace_id=workspace.pk)
    found = session_entries(workspace_filter=where, start=start, end=end, staff_id=staff_id)
    found += consultation_entries(workspace_filter=where, start=start, end=end, staff_id=staff_id)
    return sorted(found, key=lambda entry: (entry.starts_at, entry.id))


def entries_in_windows(windows: Iterable[tuple[Workspace, datetime, datetime]]) -> list[Entry]:
    """Both kinds over several workspaces, each with its own window (its own local day): two queries."""
    where = Q()
    widest: tuple[datetime, datetime] | None = None
    for workspace, start, end in windows:
        where |= Q(workspace_id=workspace.pk, starts_at__lt=end, ends_at__gt=start)
        widest = (min(widest[0], start), max(widest[1], end)) if widest else (start, end)
    if widest is None:
        return []
    found = session_entries(workspace_filter=where, start=widest[0], end=widest[1])
    found += consultation_entries(workspace_filter=where, start=widest[0], end=widest[1])
    return sorted(found, key=lambda entry: (entry.starts_at, entry.id))


def calendar_workspaces(user) -> list[Workspace]:
    """The workspaces whose calendar ``user`` may open from the admin: where an active member."""
    memberships = (
        Membership.objects.filter(user=user, is_active=True, workspace__is_active=True)
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    )
    return [membership.workspace for membership in memberships]


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
