"""Two requests racing for the same name or color: the database decides, one 201 and one 409."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from services.models import Service
from tests.conftest import bearer
from tests.services.test_services_api import services_url

ROUNDS = 5


def _race(owner, workspace, bodies: list[dict]) -> list:
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)
    clients = [bearer(owner.user) for _ in bodies]  # one client (and one connection) a thread

    def post(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(services_url(workspace), bodies[index], format="json")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_the_same_name_at_once_give_one_201_and_one_409(owner, workspace):
    for round_ in range(ROUNDS):
        # given two requests for the same name (differing only in case and spaces), sent at once
        bodies = [{"name": f"Massage {round_}"}, {"name": f"  MASSAGE {round_} "}]
        # when they race
        responses = _race(owner, workspace, bodies)
        # then exactly one wins and the other is told the name is taken
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "service_name_taken"
        assert Service.objects.filter(workspace=workspace, name__iexact=f"massage {round_}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_second_insert_waits_for_the_first_and_then_gets_409(owner, workspace, monkeypatch):
    # given the first request to insert holds its transaction open a moment after its INSERT,
    # so the other one surely reaches the unique index while that row is still uncommitted
    from services import actions

    original_save = actions._save
    first = threading.Lock()

    def slow_first_save(service, **kwargs):
        original_save(service, **kwargs)
        if first.acquire(blocking=False):
            time.sleep(0.5)

    monkeypatch.setattr(actions, "_save", slow_first_save)
    # when two requests for the same name race
    responses = _race(owner, workspace, [{"name": "Cupping"}, {"name": "cupping"}])
    # then the database made the second wait, and answered it 409
    assert sorted(r.status_code for r in responses) == [201, 409], [r.content for r in responses]
    assert Service.objects.filter(workspace=workspace).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_the_same_color_at_once_give_one_201_and_one_409(owner, workspace):
    for round_ in range(ROUNDS):
        color = f"#00000{round_}"
        responses = _race(
            owner, workspace, [{"name": f"A{round_}", "color": color}, {"name": f"B{round_}", "color": color}]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "service_color_taken"
        assert Service.objects.filter(workspace=workspace, color=color).count() == 1
