"""Races, really run at once against PostgreSQL (threads, each with its own connection).

The three the issue names, and where each is shown:

- parallel creates for one staff slot, exactly one wins: tests/sessions/test_booking.py
  (``test_parallel_requests_for_one_slot_book_it_once``, 8 callers), tests/nutrition/test_booking.py
  (the same for consultations) and, across both kinds of session at once, below;
- parallel service creates with one name or one color, exactly one wins:
  tests/services/test_services_race.py, and renames racing to one name below;
- parallel retries with one Idempotency-Key, one row: tests/sessions/test_idempotency.py for
  sessions, and below for every other create (clients, services, consultations, follow-ups).

Against the live gunicorn (several processes), the load test in test_live.py sends each
idempotent create three times at once, hundreds of times.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.conftest import bearer
from workspaces.models import Client
from workspaces.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(calls) -> list:
    """Run the callables at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def team(workspace):
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    return {
        "workspace": workspace,
        "owner": owner,
        "staff": factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST),
        "client": factories.ClientFactory(workspace=workspace),
        "service": factories.ServiceFactory(workspace=workspace, duration_minutes=60),
        "root": f"/api/v1/workspace/{workspace.pk}",
    }


def test_one_staff_slot_raced_by_both_kinds_of_session_is_booked_once(team):
    # given one free hour of one specialist, and 4 general sessions and 4 consultations for it
    root, staff = team["root"], team["staff"]
    callers = [
        bearer(factories.MembershipFactory(workspace=team["workspace"], role=Role.SPECIALIST).user) for _ in range(8)
    ]

    def general(api, n):
        body = {
            "name": f"General {n}",
            "clientId": team["client"].pk,
            "serviceIds": [team["service"].pk],
            "staffId": staff.pk,
            "date": "2031-04-01",
            "startTime": f"10:{n:02d}",
        }
        return api.post(f"{root}/sessions", body, format="json")

    def consultation(api, n):
        body = {
            "clientId": team["client"].pk,
            "specialistId": staff.pk,
            "type": "online",
            "date": "2031-04-01",
            "startTime": f"10:{n:02d}",
            "durationMinutes": 45,
        }
        return api.post(f"{root}/nutrition/sessions", body, format="json")

    # when all eight are sent at once
    responses = at_once(
        [lambda api=api, n=n: (general if n % 2 else consultation)(api, n) for n, api in enumerate(callers)]
    )

    # then exactly one holds the slot; the others are told the specialist is busy
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, statuses
    assert all(r.json()["error"]["code"] == "staff_conflict" for r in responses if r.status_code == 409)
    held = Session.objects.filter(staff=staff).count() + NutritionSession.objects.filter(staff=staff).count()
    assert held == 1


def test_two_renames_to_one_name_at_once_give_one_200_and_one_409(team):
    first = factories.ServiceFactory(workspace=team["workspace"], name="First")
    second = factories.ServiceFactory(workspace=team["workspace"], name="Second")
    apis = [bearer(team["owner"].user) for _ in range(2)]
    responses = at_once(
        [
            lambda api=apis[0]: api.patch(f"{team['root']}/services/{first.pk}", {"name": "Shared"}, format="json"),
            lambda api=apis[1]: api.patch(f"{team['root']}/services/{second.pk}", {"name": " shared "}, format="json"),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    assert Service.objects.filter(workspace=team["workspace"], name__iexact="shared").count() == 1


CREATES = {
    "clients": (lambda t: {"name": "Once"}, "client", Client),
    "services": (lambda t: {"name": "Once", "color": "#123"}, "service", Service),
    "nutrition/sessions": (
        lambda t: {
            "clientId": t["client"].pk,
            "specialistId": t["staff"].pk,
            "type": "online",
            "date": "2031-05-01",
            "startTime": "09:00",
            "notesPrivate": "p",
        },
        "session",
        NutritionSession,
    ),
}


@pytest.mark.parametrize("collection", list(CREATES))
def test_parallel_retries_with_one_idempotency_key_create_one_row(team, collection):
    # given one request, retried 6 times at once with one Idempotency-Key (as a flaky network would)
    body_for, key, model = CREATES[collection]
    body = body_for(team)
    apis = [bearer(team["owner"].user) for _ in range(6)]
    before = model.objects.count()
    # when they all arrive together
    responses = at_once(
        [
            lambda api=api: api.post(f"{team['root']}/{collection}", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
            for api in apis
        ]
    )
    # then every one gets the same 201 and one row exists
    assert [r.status_code for r in responses] == [201] * 6, [r.content for r in responses]
    assert len({r.json()[key]["id"] for r in responses}) == 1
    assert model.objects.count() == before + 1


def test_parallel_retries_of_a_follow_up_with_one_key_add_it_once(team):
    consultation = NutritionSession.objects.get(
        pk=bearer(team["owner"].user)
        .post(
            f"{team['root']}/nutrition/sessions",
            {"clientId": team["client"].pk, "type": "online", "date": "2031-06-01", "startTime": "09:00"},
            format="json",
        )
        .json()["session"]["id"]
    )
    url = f"{team['root']}/nutrition/sessions/{consultation.pk}/follow-ups"
    apis = [bearer(team["owner"].user) for _ in range(6)]
    responses = at_once(
        [
            lambda api=api: api.post(
                url, {"dueDate": "2031-07-01", "note": "n"}, format="json", HTTP_IDEMPOTENCY_KEY="f1"
            )
            for api in apis
        ]
    )
    assert [r.status_code for r in responses] == [201] * 6
    assert len({r.json()["followUp"]["id"] for r in responses}) == 1
    assert FollowUp.objects.filter(session=consultation).count() == 1


def test_parallel_retries_with_one_key_but_different_bodies_create_one_row_and_409_the_rest(team):
    apis = [bearer(team["owner"].user) for _ in range(4)]
    responses = at_once(
        [
            lambda api=api, n=n: api.post(
                f"{team['root']}/clients", {"name": f"Body {n}"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            for n, api in enumerate(apis)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"idempotency_key_reused"}
    assert Client.objects.filter(workspace=team["workspace"], name__startswith="Body ").count() == 1
