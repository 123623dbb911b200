from __future__ import annotations

import pytest

from tests import factories
from tests.access import Endpoint, assert_access_order
from workspaces.models import Client

pytestmark = pytest.mark.django_db


def clients_url(workspace, prefix="/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/clients"


def client_url(workspace, client, prefix="/api/v1") -> str:
    return f"{clients_url(workspace, prefix)}/{client.pk}"


def test_create_returns_envelope_with_server_owned_fields(owner, workspace):
    response = owner.post(
        clients_url(workspace),
        {
            "name": "سارة أحمد",
            "email": "sara@example.com",
            "phone": "+20 100",
            "notes": "VIP",
            "id": "aaaaaaaaaaaaaaaaaaaaaaaa",
            "workspaceId": "bbbbbbbbbbbbbbbbbbbbbbbb",
            "createdAt": "2000-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    client = response.json()["client"]
    assert client["name"] == "سارة أحمد"
    assert client["workspaceId"] == workspace.pk
    assert client["id"] != "aaaaaaaaaaaaaaaaaaaaaaaa" and len(client["id"]) == 24
    assert client["createdAt"].endswith("Z") and len(client["createdAt"]) == 24
    assert set(client) == {"id", "workspaceId", "name", "email", "phone", "notes", "language", "createdAt", "updatedAt"}
    assert client["language"] == "en"  # the workspace's, when not given


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_both_prefixes_and_trailing_slash_answer_without_redirect(owner, workspace, prefix, slash):
    factories.ClientFactory(workspace=workspace, name="Amal")
    response = owner.get(clients_url(workspace, prefix) + slash)
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["clients"]] == ["Amal"]
    created = owner.post(clients_url(workspace, prefix) + slash, {"name": "Badr"}, format="json")
    assert created.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, None),
        ({"name": "ok", "email": "not-an-email"}, "email"),
        ({"name": "nul\x00byte"}, "name"),
        ({"name": "ok", "phone": "1" * 51}, "phone"),
    ],
)
def test_bad_input_is_400_naming_the_field(owner, workspace, body, field):
    response = owner.post(clients_url(workspace), body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    if field:
        assert field in error["fields"]
    assert not Client.objects.filter(workspace=workspace).exists()


def test_name_edges(owner, workspace):
    assert owner.post(clients_url(workspace), {"name": "x" * 200}, format="json").status_code == 201
    assert owner.post(clients_url(workspace), {"name": "x"}, format="json").status_code == 201


def test_malformed_json_is_400(owner, workspace):
    response = owner.generic("POST", clients_url(workspace), b'{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


def test_wrong_content_type_is_415(owner, workspace):
    response = owner.generic(
        "POST", clients_url(workspace), b"name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_search_matches_name_email_or_phone(owner, workspace):
    factories.ClientFactory(workspace=workspace, name="Nour", email="n@example.com", phone="111")
    factories.ClientFactory(workspace=workspace, name="Omar", email="omar@clinic.test", phone="222")
    factories.ClientFactory(workspace=workspace, name="Laila", email="l@example.com", phone="333")

    def names(term):
        response = owner.get(clients_url(workspace), {"search": term})
        assert response.status_code == 200
        return [c["name"] for c in response.json()["clients"]]

    assert names("nou") == ["Nour"]
    assert names("clinic.test") == ["Omar"]
    assert names("333") == ["Laila"]
    assert names("") == ["Laila", "Nour", "Omar"]


def test_patch_updates_fields_and_updated_at(owner, workspace):
    client = factories.ClientFactory(workspace=workspace, name="Old")
    response = owner.patch(client_url(workspace, client), {"name": "New", "notes": "n"}, format="json")
    assert response.status_code == 200
    body = response.json()["client"]
    assert body["name"] == "New" and body["notes"] == "n"
    assert body["updatedAt"] >= body["createdAt"]
    client.refresh_from_db()
    assert client.name == "New"


def test_delete_then_404(owner, workspace):
    client = factories.ClientFactory(workspace=workspace)
    assert owner.delete(client_url(workspace, client)).status_code == 204
    response = owner.get(client_url(workspace, client))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_workspaces_client_is_404_and_untouched(owner, workspace, other_workspace):
    foreign = factories.ClientFactory(workspace=other_workspace, name="Secret")
    for method in ("get", "patch", "delete"):
        response = getattr(owner, method)(client_url(workspace, foreign), {"name": "x"}, format="json")
        assert response.status_code == 404
        assert "Secret" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.name == "Secret"
    listed = owner.get(clients_url(workspace)).json()["clients"]
    assert foreign.pk not in {c["id"] for c in listed}


@pytest.mark.parametrize("bad_id", ["nope", "0123456789ABCDEF01234567", "0" * 25])
def test_malformed_object_id_in_path_is_404(owner, workspace, bad_id):
    assert owner.get(f"{clients_url(workspace)}/{bad_id}").status_code == 404


def test_paging_returns_each_row_once(owner, workspace):
    for i in range(7):
        factories.ClientFactory(workspace=workspace, name=f"C{i}")
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = owner.get(clients_url(workspace), params).json()
        seen += [c["name"] for c in body["clients"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"C{i}" for i in range(7)]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"cursor": "garbage!"}])
def test_bad_paging_is_400(owner, workspace, params):
    response = owner.get(clients_url(workspace), params)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"limit", "cursor"}


ENDPOINTS = {
    "list": Endpoint("GET", lambda ws: clients_url(ws), "clients.view"),
    "create": Endpoint("POST", lambda ws: clients_url(ws), "clients.manage", body=lambda ws: {"name": "New"}),
    "retrieve": Endpoint("GET", lambda ws: client_url(ws, factories.ClientFactory(workspace=ws)), "clients.view"),
    "update": Endpoint(
        "PATCH",
        lambda ws: client_url(ws, factories.ClientFactory(workspace=ws)),
        "clients.manage",
        body=lambda ws: {"name": "Renamed"},
    ),
    "delete": Endpoint("DELETE", lambda ws: client_url(ws, factories.ClientFactory(workspace=ws)), "clients.manage"),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)
