"""The OpenAPI schema documents the nutrition endpoints as they answer."""

from __future__ import annotations

import pytest

from tests.nutrition.conftest import SEED_BODY
from tests.nutrition.test_create import SEED_RESPONSE_KEYS

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workspace/{workspace_id}/nutrition/sessions"


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, ref: dict) -> dict:
    while "$ref" in ref:
        ref = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    return ref


def body_of(schema: dict, operation: dict, status: str) -> dict:
    return resolve(schema, operation["responses"][status]["content"]["application/json"]["schema"])


def test_every_nutrition_path_and_method_is_documented(schema):
    paths = schema["paths"]
    assert set(paths[BASE]) >= {"get", "post"}
    assert set(paths[BASE + "/{id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths[BASE + "/{session_id}/follow-ups"]
    assert "delete" in paths[BASE + "/{session_id}/follow-ups/{id}"]


def test_create_documents_the_seeds_body_and_response(schema):
    operation = schema["paths"][BASE]["post"]
    request = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    # every field of the seed's body, plus status and followUps; the seed's required ones required
    assert set(request["properties"]) == {*SEED_BODY, "location", "specialistId", "status", "followUps"}
    assert set(request["required"]) == {"clientId", "type", "date", "startTime"}
    session = resolve(schema, body_of(schema, operation, "201")["properties"]["session"])
    assert list(session["properties"]) == SEED_RESPONSE_KEYS
    assert session["properties"]["notesPrivate"]["nullable"] is True
    for key in ("specialistId", "meetingLink", "location"):
        assert session["properties"][key]["nullable"] is True
    assert {"400", "404", "409"} <= set(operation["responses"])


def test_list_documents_its_filters_and_paging(schema):
    operation = schema["paths"][BASE]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"clientId", "specialistId", "type", "status", "dateFrom", "dateTo", "limit", "cursor"}
    body = body_of(schema, operation, "200")
    assert set(body["properties"]) == {"sessions", "nextCursor"}


def test_follow_up_endpoints_document_their_shapes(schema):
    operation = schema["paths"][BASE + "/{session_id}/follow-ups"]["post"]
    request = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    assert set(request["properties"]) == {"dueDate", "note"}
    follow_up = resolve(schema, body_of(schema, operation, "201")["properties"]["followUp"])
    assert set(follow_up["properties"]) == {"id", "dueDate", "note", "createdAt", "updatedAt"}
    assert "204" in schema["paths"][BASE + "/{session_id}/follow-ups/{id}"]["delete"]["responses"]
