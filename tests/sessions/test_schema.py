"""The OpenAPI schema describes the sessions endpoints as they behave."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_sessions_operations_and_their_answers(schema):
    paths = schema["paths"]
    collection = paths["/api/v1/workspace/{workspace_id}/sessions"]
    item = paths["/api/v1/workspace/{workspace_id}/sessions/{id}"]
    anywhere, with_body = {"400", "406", "414", "503"}, {"413", "415"}  # config.schema.document_common_responses
    assert set(collection["get"]["responses"]) == {"200", "400", "401", "403", "404"} | anywhere
    assert set(collection["post"]["responses"]) == {"201", "400", "401", "403", "404", "409"} | anywhere | with_body
    assert set(item["get"]["responses"]) == {"200", "401", "403", "404"} | anywhere
    assert set(item["patch"]["responses"]) == {"200", "400", "401", "403", "404", "409"} | anywhere | with_body
    assert set(item["delete"]["responses"]) == {"204", "401", "403", "404"} | anywhere
    names = {p["name"] for p in collection["get"]["parameters"]}
    assert {"clientId", "serviceIds", "staffId", "dateFrom", "dateTo", "status", "limit", "cursor"} <= names
    assert "Idempotency-Key" in {p["name"] for p in collection["post"]["parameters"]}


def test_session_shapes(schema):
    components = schema["components"]["schemas"]
    read = components["SessionRead"]["properties"]
    assert list(read) == [
        "id", "workspaceId", "clientId", "clientName", "serviceIds", "serviceNames", "staffId", "staffName",
        "name", "date", "startTime", "endTime", "durationMinutes", "status", "fieldValues", "attachments",
        "notes", "invoice", "createdAt", "updatedAt",
    ]  # fmt: skip
    write = components["SessionWriteRequest"]
    assert set(write["required"]) == {"name", "clientId", "serviceIds", "date", "startTime"}
    assert write["properties"]["serviceIds"]["maxItems"] == 50
    assert "endTime" not in write["properties"] and "clientName" not in write["properties"]
