"""Errors on API paths: one JSON shape on every path and status, never HTML, never a leak."""

from __future__ import annotations

import orjson
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests import factories
from workspaces.models import Client
from workspaces.views import ClientViewSet

pytestmark = pytest.mark.django_db

UNKNOWN_WORKSPACE = "0123456789abcdef01234567"


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    """``{"error": {"code", "message", "fields"?}}`` as JSON, with the given status."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0] == "application/json", response["Content-Type"]
    body = orjson.loads(response.content)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def clients_url(workspace, prefix: str = "/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/clients"


# --- 404 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/v1/nothing-here",
        "/api/v1/nothing-here/",
        "/api/v1/",
        "/v1/",
        "/api/v1",
        "/v1",
        "/api/v2/workspace",
        f"/api/v1/workspace/{UNKNOWN_WORKSPACE}/unknown-resource",
        f"/v1/workspace/{UNKNOWN_WORKSPACE}",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_is_a_json_404(owner, path, method):
    response = getattr(owner, method)(path)
    assert_envelope(response, 404, "not_found")
    assert b"<html" not in response.content.lower()


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/v1/workspace/x/y/z", "/api/v2", "/api/v1/"])
@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_unknown_api_path_is_a_json_404_with_debug_on_too(owner, settings, path, method):
    # given the development setting scripts/serve runs with
    settings.DEBUG = True
    # when an API path nothing serves is asked for, then the API's JSON 404, not the debug page
    response = getattr(owner, method)(path)
    assert_envelope(response, 404, "not_found")
    assert b"<html" not in response.content.lower()


def test_unknown_api_path_answers_alike_with_and_without_credentials(owner):
    assert APIClient().get("/api/v1/nope").json() == owner.get("/api/v1/nope").json()


def test_unknown_object_is_a_json_404(owner, workspace):
    assert_envelope(owner.get(f"{clients_url(workspace)}/{UNKNOWN_WORKSPACE}"), 404, "not_found")


def test_non_api_unknown_path_is_not_forced_to_json(api_client):
    response = api_client.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


# --- 405 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", lambda ws, c: clients_url(ws)),
        ("patch", lambda ws, c: clients_url(ws)),
        ("delete", lambda ws, c: clients_url(ws)),
        ("put", lambda ws, c: f"{clients_url(ws)}/{c.pk}"),
        ("post", lambda ws, c: f"{clients_url(ws)}/{c.pk}"),
        ("delete", lambda ws, c: f"/api/v1/workspace/{ws.pk}/members"),
        ("put", lambda ws, c: f"/v1/workspace/{ws.pk}/members/"),
        ("get", lambda ws, c: "/api/v1/auth/token"),
        ("put", lambda ws, c: "/api/v1/auth/token/refresh"),
    ],
)
def test_method_not_allowed_is_a_json_405(owner, workspace, method, path):
    client = factories.ClientFactory(workspace=workspace)

    response = getattr(owner, method)(path(workspace, client), {"name": "x"}, format="json")

    assert_envelope(response, 405, "method_not_allowed")
    assert "Allow" in response
    client.refresh_from_db()
    assert client.name != "x"


# --- 500 -------------------------------------------------------------------------------------

SECRET = "password=hunter2 at /srv/app/secret.py line 42"


def test_unhandled_error_in_a_view_is_a_json_500_without_the_exception_text(owner, workspace, monkeypatch):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ClientViewSet, "list", explode)
    owner.raise_request_exception = False

    response = owner.get(clients_url(workspace))

    error = assert_envelope(response, 500, "server_error")
    assert "fields" not in error
    assert b"hunter2" not in response.content and b"RuntimeError" not in response.content


def test_unhandled_error_outside_the_view_is_still_a_json_500(owner, workspace, monkeypatch):
    # finalize_response runs after DRF's own exception handling: this reaches Django's handler500
    def explode(self, request, response, *args, **kwargs):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ClientViewSet, "finalize_response", explode)
    owner.raise_request_exception = False

    response = owner.get(clients_url(workspace, "/v1"))

    assert_envelope(response, 500, "server_error")
    assert b"hunter2" not in response.content


def test_a_failed_write_rolls_back(owner, workspace, monkeypatch):
    def explode(self, data):
        Client.objects.create(workspace=self.workspace, name="half-done")
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ClientViewSet, "perform_create", explode)
    owner.raise_request_exception = False

    assert_envelope(owner.post(clients_url(workspace), {"name": "x"}, format="json"), 500)
    assert not Client.objects.filter(name="half-done").exists()


# --- 413 -------------------------------------------------------------------------------------


def test_body_over_the_limit_is_a_json_413(owner, workspace, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = orjson.dumps({"name": "x", "notes": "n" * limit})
    assert len(body) > limit

    response = owner.generic("POST", clients_url(workspace), body, content_type="application/json")

    assert_envelope(response, 413, "payload_too_large")
    assert not Client.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2000)
def test_the_limit_follows_the_setting(owner, workspace):
    at_limit = orjson.dumps({"name": "x", "notes": ""})
    at_limit = orjson.dumps({"name": "x", "notes": "n" * (2000 - len(at_limit))})
    assert len(at_limit) == 2000
    over = orjson.dumps({"name": "x", "notes": "n" * 2000})

    assert owner.generic("POST", clients_url(workspace), at_limit, content_type="application/json").status_code == 201
    assert_envelope(owner.generic("POST", clients_url(workspace), over, content_type="application/json"), 413)


# --- 400: hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize("query", ["search=%00", "search=a%00b", "limit=1%00", "%00=x"])
def test_nul_byte_in_the_query_string_is_a_json_400(owner, workspace, query):
    response = owner.get(f"{clients_url(workspace)}?{query}")
    assert_envelope(response, 400)


def test_nul_byte_in_the_path_is_not_a_500(owner, workspace):
    response = owner.get(f"{clients_url(workspace)}/abc%00def")
    assert response.status_code in (400, 404)
    assert_envelope(response, response.status_code)


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_json_is_a_400(owner, workspace, depth):
    body = b'{"name": "x", "notes": ' + b"[" * depth + b"]" * depth + b"}"
    response = owner.generic("POST", clients_url(workspace), body, content_type="application/json")
    assert_envelope(response, 400)
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b'{"name": ', b"{'name': 'x'}", b'{"name": NaN}', b"\xff\xfe", b'{"name": "x"} trailing', b"[1,]"],
)
def test_malformed_json_is_a_400_malformed_json(owner, workspace, body):
    response = owner.generic("POST", clients_url(workspace), body, content_type="application/json")
    assert_envelope(response, 400, "malformed_json")


@pytest.mark.parametrize("body", [b"[]", b'"name"', b"42", b"null"])
def test_json_that_is_not_an_object_is_a_400(owner, workspace, body):
    response = owner.generic("POST", clients_url(workspace), body, content_type="application/json")
    assert_envelope(response, 400)


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "text/xml"]
)
def test_non_json_content_type_is_a_json_415(owner, workspace, content_type):
    response = owner.generic("POST", clients_url(workspace), b"name=x", content_type=content_type)
    assert_envelope(response, 415, "unsupported_media_type")
    assert not Client.objects.exists()


def test_validation_error_names_the_camel_case_field(owner, workspace):
    error = assert_envelope(owner.post(clients_url(workspace), {"name": ""}, format="json"), 400, "validation_error")
    assert list(error["fields"]) == ["name"]
    assert all(isinstance(m, str) for m in error["fields"]["name"])


# --- every other status in the same shape ----------------------------------------------------


def test_401_403_404_409_429_share_the_envelope(workspace, owner, member_client):
    # 401
    assert_envelope(APIClient().get(clients_url(workspace)), 401, "not_authenticated")
    # 403: a role without the permission
    viewer = member_client("viewer")
    assert_envelope(viewer.post(clients_url(workspace), {"name": "x"}, format="json"), 403, "permission_denied")
    # 404: not a member
    outsider = member_client("owner", ws=factories.WorkspaceFactory())
    assert_envelope(outsider.get(clients_url(workspace)), 404, "not_found")
    # 409: an Idempotency-Key reused with a different body
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    assert owner.post(clients_url(workspace), {"name": "a"}, format="json", **headers).status_code == 201
    assert_envelope(owner.post(clients_url(workspace), {"name": "b"}, format="json", **headers), 409)
    # 429: failed logins
    for _ in range(5):
        APIClient().post("/api/v1/auth/token", {"email": "x@example.com", "password": "x"}, format="json")
    assert_envelope(
        APIClient().post("/api/v1/auth/token", {"email": "x@example.com", "password": "x"}, format="json"),
        429,
        "throttled",
    )


def test_expired_subscription_is_403_subscription_expired(owner, workspace):
    from datetime import timedelta

    from django.utils import timezone

    workspace.subscription_expires_at = timezone.now() - timedelta(seconds=1)
    workspace.save()
    assert_envelope(owner.get(clients_url(workspace)), 403, "subscription_expired")


def test_idempotent_replay_returns_the_first_response(owner, workspace):
    headers = {"HTTP_IDEMPOTENCY_KEY": "retry-42"}
    first = owner.post(clients_url(workspace), {"name": "Once"}, format="json", **headers)
    again = owner.post(clients_url(workspace) + "/", {"name": "Once"}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Client.objects.filter(workspace=workspace, name="Once").count() == 1
