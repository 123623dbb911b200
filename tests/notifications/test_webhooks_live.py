"""Webhooks end to end: a real worker process delivering to a real HTTP receiver on loopback."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import override_settings
from standardwebhooks import Webhook

from tests.notifications.helpers import future_day, make_world
from tests.notifications.servers import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)  # the receiver listens on loopback
def test_a_receiver_failing_three_times_gets_the_event_four_times_signed_with_one_id(receiver, start_worker):
    # given an endpoint for session.created whose receiver answers 500 three times, then 200
    world = make_world()
    created = world.api.post(
        world.path("webhooks"), {"url": receiver.url, "events": ["session.created"]}, format="json"
    )
    assert created.status_code == 201, created.content
    endpoint = created.json()["webhook"]
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    receiver.script = [500, 500, 500]
    start_worker()  # retries after 1, 2 and 4 s (tests.notifications.servers.FAST)

    # when a session is booked through the API
    booked = world.api.post(
        world.path("sessions"),
        {
            "name": "Webhook booking",
            "clientId": world.client.pk,
            "serviceIds": [world.service.pk],
            "staffId": world.staff.pk,
            "date": future_day().isoformat(),
            "startTime": "10:00",
        },
        format="json",
    )
    assert booked.status_code == 201
    session = booked.json()["session"]

    # then the receiver gets it four times, with one webhook-id, each signature verifying
    requests = wait_until(lambda: len(receiver.received()) >= 4 and receiver.received(), 60)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1  # the same body every time
    verifier = Webhook(secret)
    for request in requests:
        assert verifier.verify(request.body, request.headers) is not None
        assert request.headers["webhook-signature"].startswith("v1,")
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(requests)]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[2] >= 3.9  # exponential backoff
    body = json.loads(requests[0].body)
    assert body["type"] == "session.created" and body["id"] == requests[0].headers["webhook-id"]
    assert body["workspaceId"] == world.workspace.pk and body["changedFields"] == []
    assert body["timestamp"].endswith("Z")
    # the object as the API shows it, services included (written after the session's own row)
    assert body["data"] == world.api.get(world.path(f"sessions/{session['id']}")).json()["session"]
    assert body["data"]["serviceIds"] == [world.service.pk]

    # and the delivery log lists each attempt with its status and time
    log = world.api.get(world.path(f"webhooks/{endpoint['id']}/deliveries")).json()["deliveries"]
    (delivery,) = log
    assert delivery["status"] == "succeeded" and delivery["attemptCount"] == 4
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    assert all(a["attemptedAt"].endswith("Z") for a in delivery["attempts"])
    assert delivery["eventId"] == body["id"] and delivery["nextAttemptAt"] is None

    # and a manual retry sends it once more, with the same id and a fresh signature
    retried = world.api.post(world.path(f"webhooks/{endpoint['id']}/deliveries/{delivery['id']}/retry"))
    assert retried.status_code == 202, retried.content
    fifth = wait_until(lambda: len(receiver.received()) >= 5 and receiver.received()[4], 30)
    assert fifth.headers["webhook-id"] == body["id"] and verifier.verify(fifth.body, fifth.headers)


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)
def test_updates_and_deletes_carry_changed_fields_and_no_private_notes(receiver, start_worker):
    world = make_world()
    events = ["nutrition_session.created", "nutrition_session.updated", "nutrition_session.deleted"]
    created = world.api.post(world.path("webhooks"), {"url": receiver.url, "events": events}, format="json")
    secret = created.json()["webhook"]["secret"]
    start_worker()

    # when a consultation with private notes is booked, moved and deleted
    consultation = world.api.post(
        world.path("nutrition/sessions"),
        {
            "clientId": world.client.pk,
            "specialistId": world.staff.pk,
            "type": "in_person",
            "date": future_day().isoformat(),
            "startTime": "12:00",
            "notesPrivate": "secret diagnosis",
            "notesShared": "drink water",
        },
        format="json",
    ).json()["session"]
    path = world.path(f"nutrition/sessions/{consultation['id']}")
    # (each event delivered before the next write: an event's data is read at its first delivery,
    # and a consultation deleted by then has only its ids to give)
    wait_until(lambda: len(receiver.received()) >= 1, 60)
    assert world.api.patch(path, {"startTime": "13:00", "notesPrivate": "more"}, format="json").status_code == 200
    wait_until(lambda: len(receiver.received()) >= 2, 60)
    assert world.api.delete(path).status_code == 204

    # then three events, in order, none of them carrying the private notes
    requests = wait_until(lambda: len(receiver.received()) >= 3 and receiver.received(), 60)
    bodies = sorted((json.loads(r.body) for r in requests), key=lambda b: b["timestamp"])
    assert [b["type"] for b in bodies] == events
    for request in requests:
        assert b"secret diagnosis" not in request.body and b'"more"' not in request.body
        Webhook(secret).verify(request.body, request.headers)
    assert all(b["data"]["notesPrivate"] is None for b in bodies)
    assert bodies[1]["changedFields"] == ["startTime", "endTime"]  # never notesPrivate
    assert bodies[2]["data"]["id"] == consultation["id"] and bodies[2]["data"]["startTime"] == "13:00"
    assert bodies[2]["data"]["notesShared"] == "drink water"
