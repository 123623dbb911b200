"""Double booking: one specialist, one time, across nutrition consultations and general sessions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from nutrition.models import NutritionSession
from tests import factories
from tests.conftest import bearer
from tests.nutrition.conftest import body_for, consultation_url, nutrition_url
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def book(world, **overrides):
    body = body_for(world, **({"specialistId": world.specialist.pk, "date": "2024-03-05"} | overrides))
    return world.api.post(nutrition_url(world.workspace), body, format="json")


def assert_conflict(response) -> None:
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "staff_conflict"


# -- between consultations --------------------------------------------------------------------


def test_overlapping_consultation_of_the_same_specialist_is_409(world):
    assert book(world, startTime="10:00", durationMinutes=60).status_code == 201
    # overlapping the start, the end, inside, around
    for start, minutes in [("09:30", 31), ("10:59", 30), ("10:15", 10), ("09:00", 180)]:
        assert_conflict(book(world, startTime=start, durationMinutes=minutes))
    assert NutritionSession.objects.count() == 1


def test_back_to_back_is_fine(world):
    assert book(world, startTime="10:00", endTime="10:30").status_code == 201
    assert book(world, startTime="10:30", endTime="11:00").status_code == 201
    assert book(world, startTime="09:00", endTime="10:00").status_code == 201


def test_another_specialist_or_none_never_conflicts(world, workspace):
    assert book(world, startTime="10:00").status_code == 201
    other = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    assert book(world, startTime="10:00", specialistId=other.pk).status_code == 201
    assert (
        world.api.post(
            nutrition_url(workspace), body_for(world, date="2024-03-05", startTime="10:00"), format="json"
        ).status_code
        == 201
    )
    assert (
        world.api.post(
            nutrition_url(workspace), body_for(world, date="2024-03-05", startTime="10:00"), format="json"
        ).status_code
        == 201
    )


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_a_cancelled_or_no_show_consultation_holds_no_slot(world, status):
    # given a consultation 10:00-11:00 that is then cancelled (or a no-show)
    first = book(world, startTime="10:00").json()["session"]
    assert (
        world.api.patch(consultation_url(world.workspace, first["id"]), {"status": status}, format="json").status_code
        == 200
    )
    # then the slot is free again
    assert book(world, startTime="10:00").status_code == 201


def test_a_completed_consultation_still_holds_its_slot(world):
    first = book(world, startTime="10:00").json()["session"]
    world.api.patch(consultation_url(world.workspace, first["id"]), {"status": "completed"}, format="json")
    assert_conflict(book(world, startTime="10:30"))


def test_moving_into_an_overlap_is_409_and_moving_within_its_own_slot_is_fine(world):
    book(world, startTime="10:00")
    second = book(world, startTime="12:00").json()["session"]
    url = consultation_url(world.workspace, second["id"])
    assert_conflict(world.api.patch(url, {"startTime": "10:30"}, format="json"))
    assert_conflict(world.api.patch(url, {"durationMinutes": 180, "startTime": "09:00"}, format="json"))
    assert world.api.get(url).json()["session"]["startTime"] == "12:00"
    # overlapping only itself is no conflict
    assert world.api.patch(url, {"startTime": "12:30"}, format="json").status_code == 200
    assert world.api.patch(url, {"durationMinutes": 120}, format="json").status_code == 200


def test_assigning_a_busy_specialist_later_is_409(world):
    book(world, startTime="10:00")
    unassigned = world.api.post(
        nutrition_url(world.workspace), body_for(world, date="2024-03-05", startTime="10:15"), format="json"
    ).json()["session"]
    response = world.api.patch(
        consultation_url(world.workspace, unassigned["id"]), {"specialistId": world.specialist.pk}, format="json"
    )
    assert_conflict(response)


def test_overlap_is_judged_on_real_instants_across_midnight(world):
    assert book(world, date="2024-03-05", startTime="23:30", durationMinutes=90).status_code == 201
    # 00:30 the next day falls inside 23:30 + 90 minutes
    assert_conflict(book(world, date="2024-03-06", startTime="00:30"))
    assert book(world, date="2024-03-06", startTime="01:00").status_code == 201


# -- a race for one slot ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_creates_for_one_slot_exactly_one_wins(workspace):
    # given a specialist and eight owners' clients ready to book the same slot at once
    specialist = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    client = factories.ClientFactory(workspace=workspace)
    callers = [bearer(factories.MembershipFactory(workspace=workspace, role=Role.OWNER).user) for _ in range(8)]
    body = {
        "clientId": client.pk,
        "specialistId": specialist.pk,
        "type": "online",
        "date": "2024-03-05",
        "startTime": "10:00",
    }
    barrier = threading.Barrier(len(callers))
    statuses: list[int] = []
    codes: list[str] = []

    def attempt(api):
        try:
            barrier.wait()
            response = api.post(nutrition_url(workspace), body, format="json")
            statuses.append(response.status_code)
            if response.status_code != 201:
                codes.append(response.json()["error"]["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(api,)) for api in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then exactly one wins and every other is a staff_conflict
    assert sorted(statuses) == [201] + [409] * (len(callers) - 1)
    assert set(codes) == {"staff_conflict"}
    assert NutritionSession.objects.filter(staff=specialist).count() == 1


# -- across both session kinds (last: needs the sessions app's API) ----------------------------


def general_session(world, **overrides):
    """A general session through its own API: POST /v1/workspace/{id}/sessions."""
    service = factories.ServiceFactory(workspace=world.workspace, duration_minutes=60)
    body = {
        "name": "Massage",
        "clientId": world.client.pk,
        "serviceIds": [service.pk],
        "staffId": world.specialist.pk,
        "date": "2024-03-05T00:00:00Z",
        "startTime": "10:00",
    } | overrides
    return world.api.post(f"/v1/workspace/{world.workspace.pk}/sessions", body, format="json")


def test_a_consultation_over_a_general_session_of_the_same_specialist_is_409(world):
    # given a general session 10:00-11:00 for the specialist
    assert general_session(world).status_code == 201
    # when a consultation for them at 10:30 is booked, or one is moved there
    assert_conflict(book(world, startTime="10:30"))
    later = book(world, startTime="11:00").json()["session"]
    assert_conflict(
        world.api.patch(consultation_url(world.workspace, later["id"]), {"startTime": "10:45"}, format="json")
    )
    assert NutritionSession.objects.count() == 1


def test_a_general_session_over_a_consultation_of_the_same_specialist_is_409(world):
    assert book(world, startTime="10:00", durationMinutes=30).status_code == 201
    assert_conflict(general_session(world, startTime="10:15"))
    assert general_session(world, startTime="10:30").status_code == 201


def test_a_cancelled_general_session_or_consultation_frees_the_slot_for_the_other_kind(world):
    general = general_session(world).json()["session"]
    world.api.patch(
        f"/v1/workspace/{world.workspace.pk}/sessions/{general['id']}", {"status": "cancelled"}, format="json"
    )
    consultation = book(world, startTime="10:00")
    assert consultation.status_code == 201
    world.api.patch(
        consultation_url(world.workspace, consultation.json()["session"]["id"]), {"status": "no_show"}, format="json"
    )
    assert general_session(world).status_code == 201
