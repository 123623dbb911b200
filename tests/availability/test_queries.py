"""Free slots cost the same SQL queries whatever the number of staff, days and bookings."""

from __future__ import annotations

import datetime as dt

import pytest

from availability.models import TimeOff
from bookings.time import end_clock
from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.availability.conftest import set_hours, today
from workspaces.timezones import local_span

pytestmark = pytest.mark.django_db

# Queries of a free-slot request:
#   1. the caller's membership joined with its workspace and their user (authentication, tenancy)
#   2. the workspace's booking policy
#   3. the staff members (active, with working hours, or the one asked for), each with their
#      name and their week as one array column
#   4. what keeps them busy in the range: their time off, and their active sessions and
#      consultations (one UNION ALL, each part through its workspace-led index)
# and, with serviceIds, one more: the services (their durations).
QUERIES = 4


def busy_workspace(team, *, staff: int, days: int) -> tuple[list, dt.date]:
    """``staff`` members working 08:00-18:00 every day, each with 6 bookings a day of both kinds
    (one of them cancelled) and a half-day off, over ``days`` days from the day after tomorrow."""
    members = [team.staff] + [factories.MembershipFactory(workspace=team.workspace) for _ in range(staff - 1)]
    for member in members:
        set_hours(member, *[(weekday, "08:00", "18:00") for weekday in range(1, 8)])
    first = today("UTC") + dt.timedelta(days=2)
    sessions, consultations, time_off = [], [], []
    for m, member in enumerate(members):
        for d in range(days):
            day = first + dt.timedelta(days=d)
            for n in range(6):
                start = dt.time(8 + n + (m + d) % 3, 15 * (n % 2))
                starts_at, ends_at = local_span(day, start, 45, "UTC")
                common = {
                    "workspace": team.workspace,
                    "client": team.client,
                    "staff": member,
                    "date": day,
                    "start_time": start,
                    "end_time": end_clock(start, 45),
                    "duration_minutes": 45,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                }
                if n % 2:
                    consultations.append(NutritionSession(**common, type="online"))
                else:
                    sessions.append(Session(**common, name="Busy", status="cancelled" if n == 4 else "scheduled"))
            if d % 5 == m % 5:
                time_off.append(
                    TimeOff(
                        workspace=team.workspace,
                        membership=member,
                        starts_at=dt.datetime.combine(day, dt.time(13), dt.UTC),
                        ends_at=dt.datetime.combine(day, dt.time(18), dt.UTC),
                    )
                )
    Session.objects.bulk_create(sessions)
    NutritionSession.objects.bulk_create(consultations)
    TimeOff.objects.bulk_create(time_off)
    return members, first


@pytest.mark.parametrize(("staff", "days"), [(1, 1), (20, 14)])
def test_free_slots_cost_the_same_queries_for_1_or_20_staff_and_1_or_14_days(
    team, django_assert_num_queries, staff, days
):
    members, first = busy_workspace(team, staff=staff, days=days)
    params = {
        "dateFrom": first.isoformat(),
        "dateTo": (first + dt.timedelta(days=days - 1)).isoformat(),
        "durationMinutes": 30,
    }
    with django_assert_num_queries(QUERIES):
        response = team.slots(**params)
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert {slot["staffId"] for slot in slots} == {member.pk for member in members}
    assert len({slot["date"] for slot in slots}) == days
    # one member, and the duration from services: one query more (the services)
    with django_assert_num_queries(QUERIES + 1):
        response = team.slots(**params | {"staffId": members[-1].pk, "serviceIds": team.service.pk})
    assert {slot["staffId"] for slot in response.json()["slots"]} == {members[-1].pk}
