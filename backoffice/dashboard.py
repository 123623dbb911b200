"""Today's sessions per staff member in the workspaces the back office shows the user (its own
"today"): a member's current workspace, or a superuser's live workspaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from backoffice.selectors import Entry, entries_in_windows
from bookings.models import booking_models
from workspaces.models import Workspace
from workspaces.timezones import local_day_bounds, utc_to_local


@dataclass
class DashboardItem:
    entry: Entry
    time_label: str


@dataclass
class StaffDay:
    staff_id: str | None
    name: str
    counts: dict[str, int] = field(default_factory=dict)  # kind -> bookings holding a slot (not cancelled, no-show)
    items: list[DashboardItem] = field(default_factory=list)
    calendar_url: str = ""


@dataclass
class WorkspaceDay:
    workspace: Workspace
    day: date
    staff: list[StaffDay]
    calendar_url: str

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """Each kind of booking, ``(kind, its plural name)``: a column of counts."""
        return [(kind.kind, kind._meta.verbose_name_plural) for kind in booking_models()]

    def count(self, kind: str) -> int:
        return sum(person.counts.get(kind, 0) for person in self.staff)


def _calendar_url(**params) -> str:
    return reverse("admin:calendar") + "?" + urlencode({k: v for k, v in params.items() if v})


def dashboard_workspaces(access) -> list[Workspace]:
    """A member's current workspace; a superuser's live workspaces (they may open any other)."""
    if access.is_superuser:
        return [membership.workspace for membership in access.live]
    return [access.workspace] if access.workspace is not None else []


def todays_dashboard(workspaces: list[Workspace], *, now: datetime | None = None) -> list[WorkspaceDay]:
    """Today in each of ``workspaces``: one query per kind of booking."""
    now = now or timezone.now()
    windows, days = [], {}
    for workspace in workspaces:
        today = utc_to_local(now, workspace.timezone).date()
        days[workspace.pk] = today
        windows.append((workspace, *local_day_bounds(today, workspace.timezone)))
    entries = entries_in_windows(windows)

    result = []
    for workspace in workspaces:
        today = days[workspace.pk]
        people: dict[str | None, StaffDay] = {}
        for entry in entries:
            if entry.workspace_id != workspace.pk:
                continue
            person = people.get(entry.staff_id)
            if person is None:
                person = people[entry.staff_id] = StaffDay(
                    staff_id=entry.staff_id,
                    name=entry.staff_name,
                    calendar_url=_calendar_url(
                        workspace=workspace.pk, staff=entry.staff_id, date=today.isoformat(), view="day"
                    ),
                    counts=dict.fromkeys((kind.kind for kind in booking_models()), 0),
                )
            if not entry.cancelled:
                person.counts[entry.kind] += 1
            start = utc_to_local(entry.starts_at, workspace.timezone)
            end = utc_to_local(entry.ends_at, workspace.timezone)
            person.items.append(DashboardItem(entry=entry, time_label=f"{start:%H:%M}–{end:%H:%M}"))
        staff = sorted(people.values(), key=lambda p: (p.staff_id is None, p.name.lower()))
        result.append(
            WorkspaceDay(
                workspace=workspace,
                day=today,
                staff=staff,
                calendar_url=_calendar_url(workspace=workspace.pk, date=today.isoformat(), view="day"),
            )
        )
    return result
