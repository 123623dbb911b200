"""The OpenAPI schema describes what the services endpoints really accept and return."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    collection = next(v for p, v in schema["paths"].items() if p.rstrip("/").endswith("/services"))
    item = next(v for p, v in schema["paths"].items() if "/services/{" in p)
    return collection, item


def _resolve(schema, ref_or_schema):
    ref = ref_or_schema.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _body_schema(schema, operation, status):
    content = operation["responses"][status]["content"]["application/json"]["schema"]
    return _resolve(schema, content)


def test_every_operation_lists_its_answers(schema):
    collection, item = _operations(schema)
    anywhere, with_body = {"400", "406", "414", "503"}, {"413", "415"}  # config.schema.document_common_responses
    expected = [
        (collection, "get", {"200", "400", "401", "403", "404"} | anywhere),
        (collection, "post", {"201", "400", "401", "403", "404", "409"} | anywhere | with_body),
        (item, "get", {"200", "401", "403", "404"} | anywhere),
        (item, "patch", {"200", "400", "401", "403", "404", "409"} | anywhere | with_body),
        (item, "delete", {"204", "401", "403", "404"} | anywhere),
    ]
    for path_item, method, statuses in expected:
        assert set(path_item[method]["responses"]) == statuses, method
    assert "put" not in item


def test_envelopes_and_the_service_shape(schema):
    collection, item = _operations(schema)
    listed = _body_schema(schema, collection["get"], "200")
    assert set(listed["properties"]) == {"services", "nextCursor"}
    one = _body_schema(schema, item["get"], "200")
    assert set(one["properties"]) == {"service"}
    service = _resolve(schema, one["properties"]["service"])
    assert set(service["properties"]) == {
        "id",
        "workspaceId",
        "name",
        "description",
        "durationMinutes",
        "price",
        "color",
        "scope",
        "isActive",
        "createdAt",
        "updatedAt",
    }
    assert service["properties"]["price"]["type"] == "number"
    assert service["properties"]["color"]["pattern"] == "^#[0-9A-F]{6}$"
    created = _body_schema(schema, collection["post"], "201")
    assert set(created["properties"]) == {"service"}
    error = _body_schema(schema, collection["post"], "409")
    assert set(error["properties"]) == {"error"}


def test_request_body_limits(schema):
    collection, item = _operations(schema)
    body = _resolve(schema, collection["post"]["requestBody"]["content"]["application/json"]["schema"])
    props = body["properties"]
    assert body["required"] == ["name"]
    assert (props["name"]["minLength"], props["name"]["maxLength"]) == (1, 200)
    assert props["description"]["maxLength"] == 1000
    assert (props["durationMinutes"]["minimum"], props["durationMinutes"]["maximum"]) == (1, 1440)
    assert props["price"]["type"] == "number" and props["price"]["minimum"] == 0
    assert props["price"]["maximum"] == 9999999999.99
    assert props["color"]["pattern"] == "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
    assert _resolve(schema, props["scope"])["enum"] == ["sessions"]
    assert props["isActive"]["type"] == "boolean"
    assert not {"id", "workspaceId", "createdAt", "updatedAt"} & set(props)
    patch = _resolve(schema, item["patch"]["requestBody"]["content"]["application/json"]["schema"])
    assert not patch.get("required")


def test_list_filters_are_documented(schema):
    collection, _ = _operations(schema)
    params = {p["name"]: p for p in collection["get"]["parameters"]}
    assert sorted(params["isActive"]["schema"]["enum"]) == ["false", "true"]
    assert params["scope"]["schema"]["enum"] == ["sessions"]
    assert {"limit", "cursor"} <= set(params)


def test_schema_endpoint_serves_it(api_client):
    response = api_client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    assert any("/services" in path for path in response.json()["paths"])
