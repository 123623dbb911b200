"""Fixtures of the availability tests: a practice with a specialist, URL helpers, and dates to come.

Free slots never start in the past, so every date here is counted from today (the workspace's),
and the clock-change days are the next ones of their zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from availability import actions
from availability.models import BookingPolicy
from tests import factories
from tests.conftest import bearer
from workspaces.roles import Role
from workspaces.timezones import local_day_bounds, utc_to_local


def root(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}"


def hours_url(workspace, member) -> str:
    return f"{root(workspace)}/members/{member.pk}/working-hours"


def time_off_url(workspace, member) -> str:
    return f"{root(workspace)}/members/{member.pk}/time-off"


def availability_url(workspace) -> str:
    return f"{root(workspace)}/availability"


def policy_url(workspace) -> str:
    return f"{root(workspace)}/booking-policy"


def today(tz_name: str) -> dt.date:
    return utc_to_local(timezone.now(), tz_name).date()


def next_weekday(tz_name: str, isoweekday: int, *, after_days: int = 2) -> dt.date:
    """The first date with that ISO weekday at least ``after_days`` days after today (in the zone)."""
    day = today(tz_name) + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(isoweekday - day.isoweekday()) % 7)


def clock_change_days(tz_name: str, *, within: int = 366) -> list[dt.date]:
    """The zone's coming days of other than 24 hours (clocks going forward or back), from tomorrow."""
    start = today(tz_name) + dt.timedelta(days=1)
    found = []
    for n in range(within):
        day = start + dt.timedelta(days=n)
        first, last = local_day_bounds(day, tz_name)
        if last - first != dt.timedelta(days=1):
            found.append(day)
    return found


def next_clock_change(tz_name: str, *, forward: bool) -> dt.date:
    for day in clock_change_days(tz_name):
        first, last = local_day_bounds(day, tz_name)
        if (last - first < dt.timedelta(days=1)) == forward:
            return day
    raise LookupError(f"{tz_name} changes no clocks in the coming year")


def week(*intervals: tuple[int, str, str]) -> list[dict]:
    return [{"weekday": weekday, "start": start, "end": end} for weekday, start, end in intervals]


def every_day(start: str, end: str) -> list[dict]:
    return week(*[(weekday, start, end) for weekday in range(1, 8)])


def minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def set_hours(member, *intervals: tuple[int, str, str]) -> None:
    actions.working_hours_set(
        membership=member, intervals=[(weekday, minutes(start), minutes(end)) for weekday, start, end in intervals]
    )


def set_policy(workspace, **values) -> BookingPolicy:
    return actions.booking_policy_update(workspace=workspace, **values)


@dataclass
class Team:
    workspace: object
    owner: object  # Membership
    api: object  # the owner's API client
    staff: object  # Membership (specialist)
    client: object
    service: object  # 60 minutes
    short_service: object  # 30 minutes

    def slots(self, **params):
        return self.api.get(availability_url(self.workspace), params)

    def book(self, *, day: dt.date, start: str, minutes: int = 60, staff=None, kind: str = "session", api=None):
        staff = staff or self.staff
        api = api or self.api
        if kind == "session":
            body = {
                "name": "Booked",
                "clientId": self.client.pk,
                "serviceIds": [self.service.pk],
                "staffId": staff.pk,
                "date": day.isoformat(),
                "startTime": start,
                "durationMinutes": minutes,
            }
            return api.post(f"{root(self.workspace)}/sessions", body, format="json")
        body = {
            "clientId": self.client.pk,
            "specialistId": staff.pk,
            "type": "online",
            "date": day.isoformat(),
            "startTime": start,
            "durationMinutes": minutes,
        }
        return api.post(f"{root(self.workspace)}/nutrition/sessions", body, format="json")


def make_team(tz_name: str = "UTC") -> Team:
    workspace = factories.WorkspaceFactory(name="Availability practice", timezone=tz_name)
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER, user=factories.UserFactory(name="Olga"))
    staff = factories.MembershipFactory(
        workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name="Dr. Sami")
    )
    return Team(
        workspace=workspace,
        owner=owner,
        api=bearer(owner.user),
        staff=staff,
        client=factories.ClientFactory(workspace=workspace),
        service=factories.ServiceFactory(workspace=workspace, duration_minutes=60),
        short_service=factories.ServiceFactory(workspace=workspace, duration_minutes=30),
    )


@pytest.fixture
def team(db) -> Team:
    return make_team()
