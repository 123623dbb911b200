"""Regressions of what schema fuzzing (tests/reliability/test_live.py) found, one test a finding.

Each sends the request that failed through the in-process client and checks the answer with
schemathesis's own validation against /api/v1/schema: its status is documented for that
operation and its body matches the documented schema.

Findings (schemathesis 4.32.5 against the live gunicorn; none was a 5xx):

1. ST108 ``POST/GET/PATCH .../clients``: a client without an email answered ``"email": ""``,
   which the schema's ``format: email`` refused (the read field is now a plain string).
2. ST103 ``POST /auth/token`` and ``/auth/token/refresh``: 400 and 401 were undocumented
   (so were the login's 429 and its Retry-After).
3. ST103 ``POST .../clients`` (and every create taking Idempotency-Key): the 409
   ``idempotency_key_reused`` was undocumented.
4. Answers any operation can give, found undocumented while fixing the above: 406, 413, 415
   and 503 (now added to every operation by ``config.schema.document_common_responses``).

The one 5xx found on the way (a refresh token of a deleted user, a 500) was found by reading the
token endpoint, which the fuzzer cannot reach with a valid token of a deleted user: its
regression is ``tests/reliability/test_auth_gaps.py::test_refresh_token_of_a_deleted_user_is_401_not_500``.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from django.db import OperationalError
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from tests import factories
from tests.conftest import bearer
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/workspace/{workspace_id}/clients"
CLIENT = "/api/v1/workspace/{workspace_id}/clients/{id}"


@pytest.fixture(scope="module")
def raw_schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def api_schema(raw_schema):
    return schemathesis.openapi.from_dict(raw_schema)


def assert_conforms(raw_schema, api_schema, method: str, template: str, response, url: str) -> None:
    """The status is documented for the operation and the body matches its schema."""
    documented = raw_schema["paths"][template][method.lower()]["responses"]
    assert str(response.status_code) in documented, (method, template, response.status_code, sorted(documented))
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method, "http://testserver" + url).prepare(),
        elapsed=0.0,
        verify=False,
    )
    api_schema[template][method].validate_response(answer)  # raises when it does not conform


@pytest.fixture
def owner(workspace):
    return bearer(factories.MembershipFactory(workspace=workspace, role=Role.OWNER).user)


# 1. ----------------------------------------------------------------------------------------


def test_a_client_without_email_conforms_on_every_clients_operation(raw_schema, api_schema, workspace, owner):
    url = f"/api/v1/workspace/{workspace.pk}/clients"
    created = owner.post(url, {"name": "0"}, format="json")  # the fuzzer's body
    assert created.status_code == 201 and created.json()["client"]["email"] == ""
    assert_conforms(raw_schema, api_schema, "POST", CLIENTS, created, url)
    one = f"{url}/{created.json()['client']['id']}"
    assert_conforms(raw_schema, api_schema, "GET", CLIENT, owner.get(one), one)
    patched = owner.patch(one, {"name": "0", "email": None, "phone": "", "notes": ""}, format="json")
    assert_conforms(raw_schema, api_schema, "PATCH", CLIENT, patched, one)
    assert_conforms(raw_schema, api_schema, "GET", CLIENTS, owner.get(url), url)


# 2. ----------------------------------------------------------------------------------------


def test_every_answer_of_the_token_endpoints_is_documented(raw_schema, api_schema, api_client, workspace):
    member = factories.MembershipFactory(workspace=workspace, user__email="amal@example.com")
    token, refresh = "/api/v1/auth/token", "/api/v1/auth/token/refresh"
    cases = [
        (token, {}, 400),
        (token, {"email": "0", "password": "0"}, 401),
        (token, {"email": "amal@example.com", "password": "correct-horse-battery"}, 200),
        (refresh, {}, 400),
        (refresh, {"refresh": "0"}, 401),
        (refresh, {"refresh": str(RefreshToken.for_user(member.user))}, 200),
    ]
    for path, body, status in cases:
        response = api_client.post(path, body, format="json")
        assert response.status_code == status, (path, body, response.content)
        assert_conforms(raw_schema, api_schema, "POST", path, response, path)
    for _attempt in range(5):
        api_client.post(token, {"email": "amal@example.com", "password": "wrong"}, format="json")
    throttled = api_client.post(token, {"email": "amal@example.com", "password": "wrong"}, format="json")
    assert throttled.status_code == 429
    assert_conforms(raw_schema, api_schema, "POST", token, throttled, token)
    assert "Retry-After" in raw_schema["paths"][token]["post"]["responses"]["429"]["headers"]


# 3. ----------------------------------------------------------------------------------------


def test_an_idempotency_key_reused_with_another_body_is_a_documented_409(raw_schema, api_schema, workspace, owner):
    url = f"/api/v1/workspace/{workspace.pk}/clients"
    assert owner.post(url, {"name": "0"}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    reused = owner.post(url, {"name": "1"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert_conforms(raw_schema, api_schema, "POST", CLIENTS, reused, url)
    # every operation that takes the header documents the 409
    for path, operations in raw_schema["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])} if isinstance(operation, dict) else set()
            if "Idempotency-Key" in names:
                assert "409" in operation["responses"], (method, path)


# 4. ----------------------------------------------------------------------------------------


def test_406_413_415_and_503_are_documented_answers(raw_schema, api_schema, workspace, owner, monkeypatch):
    url = f"/api/v1/workspace/{workspace.pk}/clients"
    not_acceptable = owner.get(url, HTTP_ACCEPT="text/html")
    assert not_acceptable.status_code == 406
    assert_conforms(raw_schema, api_schema, "GET", CLIENTS, not_acceptable, url)
    wrong_type = owner.post(url, "name=x", content_type="application/x-www-form-urlencoded")
    assert wrong_type.status_code == 415
    assert_conforms(raw_schema, api_schema, "POST", CLIENTS, wrong_type, url)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        too_large = owner.post(url, {"name": "x" * 200}, format="json")
    assert too_large.status_code == 413
    assert_conforms(raw_schema, api_schema, "POST", CLIENTS, too_large, url)

    def database_down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("workspaces.views.ClientViewSet.list", database_down)
    unavailable = owner.get(url)
    assert unavailable.status_code == 503 and unavailable.json()["error"]["code"] == "database_unavailable"
    assert_conforms(raw_schema, api_schema, "GET", CLIENTS, unavailable, url)
    # and on every operation
    for path, operations in raw_schema["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "patch", "delete"}:
                assert {"400", "406", "414", "503"} <= set(operation["responses"]), (method, path)
                if "requestBody" in operation:
                    assert {"413", "415"} <= set(operation["responses"]), (method, path)
