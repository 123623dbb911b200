"""Property-level authorization (OWASP API3): fields a client may not set, a field it may not read.

Server-owned fields (id, workspaceId, createdAt, updatedAt and looked-up names such as
clientName, serviceNames, staffName) sent on a create or a PATCH are ignored. ``notesPrivate``
never reaches a caller without ``nutrition.manage``: not in a list, a page, an object, an
error, an idempotent replay, nor in the schema's examples.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.conftest import bearer
from tests.reliability.world import build_world
from workspaces.models import Client
from workspaces.roles import PERMISSION_ROLES, Role

pytestmark = pytest.mark.django_db

FORGED_ID = "aaaaaaaaaaaaaaaaaaaaaaaa"
OLD = "2001-01-01T00:00:00.000Z"


def forged(other_workspace_id: str, collection: str = "") -> dict:
    """Every server-owned field the endpoint returns (so a client may send it back), with values a
    client must not be able to set. (A field the endpoint does not return is a 400 unknown_field.)"""
    fields = {
        "id": FORGED_ID,
        "workspaceId": other_workspace_id,
        "createdAt": OLD,
        "updatedAt": OLD,
    }
    if collection == "sessions":  # computed or owned by the server for sessions only
        fields |= {
            "clientName": "Forged client",
            "serviceNames": ["Forged service"],
            "staffName": "Forged staff",
            "endTime": "23:59",
            "attachments": [{"url": "https://evil.example/x"}],
            "notes": [{"text": "forged"}],
            "invoice": {"total": 0},
        }
    if collection == "nutrition/sessions":
        fields |= {"attachments": [{"url": "https://evil.example/x"}]}
    return fields


def assert_server_owned(item: dict, world, before: dict | None = None) -> None:
    assert item["id"] != FORGED_ID
    assert item["workspaceId"] == world.id
    assert item["createdAt"] != OLD and item["updatedAt"] != OLD
    if before is not None:
        assert item["id"] == before["id"] and item["createdAt"] == before["createdAt"]
    for name in ("clientName", "staffName"):
        assert item.get(name) != f"Forged {name[:-4]}"
    assert "Forged service" not in (item.get("serviceNames") or [])


@pytest.fixture
def worlds():
    return build_world("ALPHA"), build_world("BETAMARK")


@pytest.fixture
def owner_api(worlds):
    return bearer(worlds[0].owner.user)


CREATES = [
    ("clients", "client", Client, lambda a: {"name": "Sami"}),
    ("services", "service", Service, lambda a: {"name": "Cupping", "durationMinutes": 30}),
    (
        "sessions",
        "session",
        Session,
        lambda a: {
            "name": "Visit",
            "clientId": a.client.pk,
            "serviceIds": [a.services[0].pk],
            "staffId": a.staff.pk,
            "date": "2031-02-03",
            "startTime": "10:00",
        },
    ),
    (
        "nutrition/sessions",
        "session",
        NutritionSession,
        lambda a: {"clientId": a.client.pk, "type": "online", "date": "2031-02-04", "startTime": "10:00"},
    ),
]


@pytest.mark.parametrize(("collection", "key", "model", "body"), CREATES, ids=[c[0] for c in CREATES])
def test_server_owned_fields_are_ignored_on_create(worlds, owner_api, collection, key, model, body):
    a, b = worlds
    # given a valid body plus every server-owned field, forged
    response = owner_api.post(f"{a.root()}/{collection}", body(a) | forged(b.id, collection), format="json")
    # then it is created as if they were not there
    assert response.status_code == 201, response.content
    item = response.json()[key]
    assert_server_owned(item, a)
    row = model.objects.get(pk=item["id"])
    assert row.workspace_id == a.id
    assert not model.objects.filter(pk=FORGED_ID).exists()
    assert abs(row.created_at - timezone.now()) < timedelta(minutes=1)
    if collection == "sessions":
        assert item["clientName"] == a.client.name and item["serviceNames"] == [a.services[0].name]
        assert item["staffName"] == a.staff.user.name and item["endTime"] != "23:59"
        assert item["attachments"] == [] and item["notes"] == [] and item["invoice"] is None


def test_server_owned_fields_are_ignored_on_follow_up_create(worlds, owner_api):
    a, b = worlds
    url = f"{a.root()}/nutrition/sessions/{a.consultation.pk}/follow-ups"
    returned = {key: value for key, value in forged(b.id).items() if key != "workspaceId"}  # not in a follow-up
    response = owner_api.post(url, {"dueDate": "2031-01-01", "note": "Weigh in"} | returned, format="json")
    assert response.status_code == 201, response.content
    follow_up = response.json()["followUp"]
    assert follow_up["id"] != FORGED_ID and follow_up["createdAt"] != OLD
    assert FollowUp.objects.get(pk=follow_up["id"]).workspace_id == a.id


PATCHES = [
    ("clients", "client", lambda a: a.client.pk, {"phone": "+20 2"}),
    ("services", "service", lambda a: a.services[0].pk, {"description": "changed"}),
    ("sessions", "session", lambda a: a.session.pk, {"name": "Renamed"}),
    ("nutrition/sessions", "session", lambda a: a.consultation.pk, {"topic": "Renamed"}),
]


@pytest.mark.parametrize(("collection", "key", "pk", "change"), PATCHES, ids=[p[0] for p in PATCHES])
def test_server_owned_fields_are_ignored_on_patch(worlds, owner_api, collection, key, pk, change):
    a, b = worlds
    url = f"{a.root()}/{collection}/{pk(a)}"
    before = owner_api.get(url).json()[key]
    # when a PATCH carries forged server-owned fields besides a real change
    response = owner_api.patch(url, change | forged(b.id, collection), format="json")
    # then only the real change is applied
    assert response.status_code == 200, response.content
    after = response.json()[key]
    assert_server_owned(after, a, before)
    for name, value in change.items():
        assert after[name] == value
    assert owner_api.get(f"{a.root()}/{collection}/{FORGED_ID}").status_code == 404
    assert owner_api.get(url).json()[key]["workspaceId"] == a.id
    if collection == "sessions":
        assert after["clientName"] == before["clientName"] and after["staffName"] == before["staffName"]
        assert after["serviceNames"] == before["serviceNames"] and after["endTime"] == before["endTime"]


def test_a_followups_list_in_a_consultation_patch_is_ignored(worlds, owner_api):
    a, _b = worlds
    url = f"{a.root()}/nutrition/sessions/{a.consultation.pk}"
    response = owner_api.patch(url, {"followUps": [{"dueDate": "2031-01-01", "note": "sneaked"}]}, format="json")
    assert response.status_code == 200
    assert [f["note"] for f in response.json()["session"]["followUps"]] == ["ALPHA follow-up"]


# --------------------------------------------------------------------------------------------
# notesPrivate: only for nutrition.manage
# --------------------------------------------------------------------------------------------

SECRET = "PRIVATE-ZX81-do-not-show"
WITHOUT_MANAGE = [role for role in Role if role not in PERMISSION_ROLES["nutrition.manage"]]
WITH_MANAGE = [role for role in Role if role in PERMISSION_ROLES["nutrition.manage"]]


def every_nutrition_request(api, a, consultation) -> list:
    """Everything a caller can ask of the nutrition endpoints (reads, writes, errors, paging)."""
    root = f"{a.root()}/nutrition/sessions"
    one = f"{root}/{consultation.pk}"
    return [
        api.get(root),
        api.get(root + "/"),
        api.get(f"/v1/workspace/{a.id}/nutrition/sessions"),
        api.get(root + "?limit=1"),
        api.get(root + f"?clientId={consultation.client_id}&status=scheduled&type=online"),
        api.get(root + "?dateFrom=2000-01-01&dateTo=2100-01-01"),
        api.get(root + "?limit=0"),
        api.get(root + "?cursor=bogus"),
        api.get(one),
        api.patch(one, {"topic": "x"}, format="json"),
        api.patch(one, {"notesPrivate": "overwritten"}, format="json"),
        api.delete(one),
        api.post(
            root,
            {
                "clientId": consultation.client_id,
                "type": "online",
                "date": "2031-01-01",
                "startTime": "09:00",
                "notesPrivate": SECRET,
            },
            format="json",
        ),
        api.post(f"{one}/follow-ups", {"dueDate": "2031-01-01", "note": "n"}, format="json"),
        api.get(f"{a.root()}/sessions"),
        api.get(f"{a.root()}/clients/{consultation.client_id}"),
    ]


@pytest.mark.parametrize("role", WITHOUT_MANAGE)
def test_private_notes_never_reach_a_caller_without_nutrition_manage(worlds, role):
    a, _b = worlds
    consultation = a.new_consultation()
    consultation.notes_private = SECRET
    consultation.save()
    api = bearer(factories.MembershipFactory(workspace=a.workspace, role=role).user)

    responses = every_nutrition_request(api, a, consultation)

    for response in responses:
        assert SECRET.encode() not in response.content, (response.status_code, response.content[:300])
        assert b"ALPHA private notes" not in response.content
    listed = responses[0].json()["sessions"]
    assert listed and all(item["notesPrivate"] is None for item in listed)
    assert responses[8].json()["session"]["notesPrivate"] is None
    consultation.refresh_from_db()
    assert consultation.notes_private == SECRET  # and it could not change them


@pytest.mark.parametrize("role", WITH_MANAGE)
def test_callers_with_nutrition_manage_do_read_private_notes(worlds, role):
    a, _b = worlds
    consultation = a.new_consultation()
    consultation.notes_private = SECRET
    consultation.save()
    api = bearer(factories.MembershipFactory(workspace=a.workspace, role=role).user)

    one = api.get(f"{a.root()}/nutrition/sessions/{consultation.pk}")
    listed = api.get(f"{a.root()}/nutrition/sessions?limit=500")

    assert one.json()["session"]["notesPrivate"] == SECRET
    assert SECRET in [item["notesPrivate"] for item in listed.json()["sessions"]]


def test_a_replay_after_losing_nutrition_manage_does_not_return_private_notes(worlds):
    # given a specialist who created a consultation with private notes and an Idempotency-Key
    a, _b = worlds
    membership = factories.MembershipFactory(workspace=a.workspace, role=Role.SPECIALIST)
    api = bearer(membership.user)
    url = f"{a.root()}/nutrition/sessions"
    body = {"clientId": a.client.pk, "type": "online", "date": "2031-03-01", "startTime": "09:00",
            "notesPrivate": SECRET}  # fmt: skip
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and first.json()["session"]["notesPrivate"] == SECRET
    # when they are made an assistant and retry the same request
    membership.role = Role.ASSISTANT
    membership.save()
    replay = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # then the stored answer is not replayed to them
    assert replay.status_code == 403
    assert SECRET.encode() not in replay.content


def test_an_assistant_cannot_write_private_notes_through_any_door(worlds):
    a, _b = worlds
    api = bearer(factories.MembershipFactory(workspace=a.workspace, role=Role.ASSISTANT).user)
    url = f"{a.root()}/nutrition/sessions"
    body = {"clientId": a.client.pk, "type": "online", "date": "2031-03-02", "startTime": "09:00",
            "notesPrivate": "planted"}  # fmt: skip
    assert api.post(url, body, format="json").status_code == 403
    assert api.patch(f"{url}/{a.consultation.pk}", {"notesPrivate": "planted"}, format="json").status_code == 403
    assert not NutritionSession.objects.filter(notes_private="planted").exists()


def test_the_schema_shows_no_private_notes_and_says_who_reads_them(api_client):
    schema = api_client.get("/api/v1/schema", {"format": "json"}).json()
    text = json.dumps(schema)
    read = schema["components"]["schemas"]["NutritionSessionRead"]["properties"]["notesPrivate"]
    assert read.get("nullable") is True and "nutrition.manage" in read["description"]

    def examples(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"example", "examples"}:
                    yield value
                yield from examples(value)
        elif isinstance(node, list):
            for value in node:
                yield from examples(value)

    for example in examples(schema):
        blob = json.dumps(example)
        assert "notesPrivate" not in blob or '"notesPrivate": null' in blob
    assert SECRET not in text
