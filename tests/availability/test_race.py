"""Two clients book the same free slot at the same moment: one gets it (201), the other a 409."""

from __future__ import annotations

import pytest

from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.availability.conftest import make_team, next_weekday, set_hours, set_policy
from tests.conftest import bearer
from tests.reliability.test_races import at_once
from workspaces.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("kinds", [("session", "session"), ("session", "consultation")])
def test_two_clients_booking_one_returned_slot_at_once_get_one_201_and_one_409(kinds):
    # given a specialist with working hours, enforced, and the free slots they offer
    team = make_team("Europe/Berlin")
    set_hours(team.staff, (3, "09:00", "12:00"))
    set_policy(team.workspace, enforce_working_hours=True)
    day = next_weekday("Europe/Berlin", 3)
    slots = team.slots(dateFrom=day.isoformat(), dateTo=day.isoformat(), durationMinutes=60).json()["slots"]
    slot = slots[len(slots) // 2]
    callers = [bearer(factories.MembershipFactory(workspace=team.workspace, role=Role.ASSISTANT).user) for _ in kinds]
    if "consultation" in kinds:
        callers[1] = team.api  # consultations need nutrition.manage

    # when two clients book that slot at the same moment (each in its own thread and connection)
    responses = at_once(
        [
            lambda api=api, kind=kind: team.book(
                day=day, start=slot["startTime"], minutes=60, staff=team.staff, kind=kind, api=api
            )
            for api, kind in zip(callers, kinds, strict=True)
        ]
    )

    # then exactly one holds it; the other is told the staff member is busy
    assert sorted(r.status_code for r in responses) == [201, 409], [r.content for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["error"]["code"] == "staff_conflict"
    held = Session.objects.filter(staff=team.staff).count() + NutritionSession.objects.filter(staff=team.staff).count()
    assert held == 1
    # and the slot is no longer offered
    again = team.slots(dateFrom=day.isoformat(), dateTo=day.isoformat(), durationMinutes=60).json()["slots"]
    assert slot not in again
