"""Services API (seed 003 + contract section Services), through real requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from services.models import Service
from tests import factories
from tests.access import Endpoint, assert_access_order

pytestmark = pytest.mark.django_db

# The seed's POST and PATCH request bodies, verbatim.
SEED_CREATE_BODY = """{
"name": "استشارة طبية",
"description": "جلسة استشارة طبية شاملة",
"durationMinutes": 60,
"price": 150.00,
"color": "#3B82F6",
"scope": "sessions",
"isActive": true
}""".encode()
SEED_PATCH_BODY = """{
"name": "استشارة طبية محدثة",
"description": "وصف محدث",
"durationMinutes": 90,
"price": 200.00,
"color": "#10B981",
"scope": "sessions",
"isActive": false
}""".encode()

SERVICE_KEYS = {
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


def services_url(workspace, prefix="/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/services"


def service_url(workspace, service, prefix="/api/v1") -> str:
    pk = service if isinstance(service, str) else service.pk
    return f"{services_url(workspace, prefix)}/{pk}"


def post_raw(client, url: str, body: bytes):
    return client.generic("POST", url, body, content_type="application/json")


def create(client, workspace, **body):
    response = client.post(services_url(workspace), {"name": "Consultation", **body}, format="json")
    return response


def assert_400(response, field: str):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error


# -- the seed, verbatim ---------------------------------------------------------------------


def test_seed_create_example_is_answered_as_published(owner, workspace):
    # given the seed's POST body, byte for byte (Arabic name and description)
    assert "استشارة طبية".encode() in SEED_CREATE_BODY
    # when it is posted
    response = post_raw(owner, services_url(workspace), SEED_CREATE_BODY)
    # then 201 with {"service": {...}}, the seed's values, scope always present, price exact
    assert response.status_code == 201, response.content
    service = response.json()["service"]
    assert set(service) == SERVICE_KEYS
    assert service["name"] == "استشارة طبية"
    assert service["description"] == "جلسة استشارة طبية شاملة"
    assert service["durationMinutes"] == 60
    assert service["price"] == 150
    assert b'"price":150.00' in response.content  # the number as published, not 150.0
    assert service["color"] == "#3B82F6"
    assert service["scope"] == "sessions"
    assert service["isActive"] is True
    assert service["workspaceId"] == workspace.pk
    assert len(service["id"]) == 24
    assert len(service["createdAt"]) == 24 and service["createdAt"].endswith("Z")
    stored = Service.objects.get(pk=service["id"])
    assert stored.price == Decimal("150.00") and isinstance(stored.price, Decimal)


def test_seed_patch_example_is_answered_as_published(owner, workspace):
    # given the seed's service
    created = post_raw(owner, services_url(workspace), SEED_CREATE_BODY).json()["service"]
    # when the seed's PATCH body is sent
    response = owner.generic("PATCH", service_url(workspace, created["id"]), SEED_PATCH_BODY, "application/json")
    # then 200 with the seed's updated values
    assert response.status_code == 200, response.content
    service = response.json()["service"]
    assert set(service) == SERVICE_KEYS
    assert service["name"] == "استشارة طبية محدثة"
    assert service["description"] == "وصف محدث"
    assert service["durationMinutes"] == 90
    assert b'"price":200.00' in response.content
    assert service["color"] == "#10B981"
    assert service["scope"] == "sessions"
    assert service["isActive"] is False
    assert service["id"] == created["id"] and service["createdAt"] == created["createdAt"]
    assert service["updatedAt"] >= created["updatedAt"]


def test_list_and_get_use_the_published_envelopes(owner, workspace):
    service = factories.ServiceFactory(workspace=workspace, name="Massage", price=Decimal("75.50"))
    listed = owner.get(services_url(workspace))
    assert listed.status_code == 200
    assert list(listed.json()) == ["services"]
    [item] = listed.json()["services"]
    assert set(item) == SERVICE_KEYS
    assert item["id"] == service.pk and item["price"] == 75.5 and item["scope"] == "sessions"
    assert b'"price":75.50' in listed.content
    one = owner.get(service_url(workspace, service))
    assert one.status_code == 200
    assert one.json() == {"service": item}


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_both_prefixes_and_trailing_slash_answer_without_redirect(owner, workspace, prefix, slash):
    created = owner.post(services_url(workspace, prefix) + slash, {"name": "Yoga"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["service"]["id"]
    assert [s["name"] for s in owner.get(services_url(workspace, prefix) + slash).json()["services"]] == ["Yoga"]
    assert owner.get(service_url(workspace, pk, prefix) + slash).status_code == 200
    patched = owner.patch(service_url(workspace, pk, prefix) + slash, {"price": 5}, format="json")
    assert patched.status_code == 200
    assert owner.delete(service_url(workspace, pk, prefix) + slash).status_code == 204


def test_create_defaults(owner, workspace):
    response = create(owner, workspace)
    assert response.status_code == 201, response.content
    service = response.json()["service"]
    assert service["scope"] == "sessions"
    assert service["isActive"] is True
    assert service["description"] == ""
    assert service["durationMinutes"] is None
    assert service["price"] is None
    assert service["color"] is None


def test_server_owned_fields_are_not_taken_from_the_body(owner, workspace, other_workspace):
    response = create(
        owner,
        workspace,
        id="aaaaaaaaaaaaaaaaaaaaaaaa",
        workspaceId=other_workspace.pk,
        createdAt="2000-01-01T00:00:00.000Z",
        updatedAt="2000-01-01T00:00:00.000Z",
    )
    assert response.status_code == 201
    service = response.json()["service"]
    assert service["id"] != "aaaaaaaaaaaaaaaaaaaaaaaa"
    assert service["workspaceId"] == workspace.pk
    assert not service["createdAt"].startswith("2000")
    assert Service.objects.get(pk=service["id"]).workspace_id == workspace.pk


# -- limits at their edges ------------------------------------------------------------------


def test_name_edges(owner, workspace):
    assert create(owner, workspace, name="x").status_code == 201
    assert create(owner, workspace, name="y" * 200).status_code == 201
    assert_400(create(owner, workspace, name="z" * 201), "name")
    # surrounding spaces are trimmed before the length is counted, and not stored
    response = create(owner, workspace, name="  " + "w" * 200 + "  ")
    assert response.status_code == 201
    assert response.json()["service"]["name"] == "w" * 200


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": None}, {"name": 5}, {"name": True}, {"name": "nul\x00"}]
)
def test_name_required_and_a_string(owner, workspace, body):
    response = owner.post(services_url(workspace), body, format="json")
    assert_400(response, "name")
    assert not Service.objects.exists()


def test_description_edges(owner, workspace):
    assert create(owner, workspace, name="a", description="d" * 1000).status_code == 201
    assert_400(create(owner, workspace, name="b", description="d" * 1001), "description")
    assert_400(create(owner, workspace, name="c", description=12), "description")
    response = create(owner, workspace, name="e", description=None)
    assert response.status_code == 201 and response.json()["service"]["description"] == ""


def test_duration_edges(owner, workspace):
    assert_400(create(owner, workspace, name="zero", durationMinutes=0), "durationMinutes")
    response = create(owner, workspace, name="one", durationMinutes=1)
    assert response.status_code == 201 and response.json()["service"]["durationMinutes"] == 1
    assert create(owner, workspace, name="day", durationMinutes=1440).status_code == 201
    assert_400(create(owner, workspace, name="more", durationMinutes=1441), "durationMinutes")


@pytest.mark.parametrize("value", ["60", 1.5, True, [60], {"m": 60}, -5])
def test_duration_must_be_a_positive_integer(owner, workspace, value):
    assert_400(create(owner, workspace, durationMinutes=value), "durationMinutes")


def test_price_edges(owner, workspace):
    assert_400(create(owner, workspace, name="neg", price=-0.01), "price")
    zero = create(owner, workspace, name="free", price=0)
    assert zero.status_code == 201
    assert b'"price":0.00' in zero.content
    top = create(owner, workspace, name="top", price=9999999999.99)
    assert top.status_code == 201, top.content
    assert b'"price":9999999999.99' in top.content
    assert Service.objects.get(name="top").price == Decimal("9999999999.99")
    assert_400(create(owner, workspace, name="over", price=10000000000), "price")
    assert_400(create(owner, workspace, name="over2", price=9999999999.991), "price")


def test_price_is_kept_exactly(owner, workspace):
    # 0.1 + 0.2 style values survive as written, never as binary floats
    for name, value, text in [("a", 19.99, b"19.99"), ("b", 0.1, b"0.10"), ("c", 1234567.89, b"1234567.89")]:
        response = create(owner, workspace, name=name, price=value)
        assert response.status_code == 201
        assert b'"price":' + text in response.content
        assert Service.objects.get(pk=response.json()["service"]["id"]).price == Decimal(text.decode())
    negative_zero = post_raw(owner, services_url(workspace), b'{"name": "nz", "price": -0.0}')
    assert negative_zero.status_code == 201 and b'"price":0.00' in negative_zero.content


@pytest.mark.parametrize("value", ["150", "150.00", True, False, [150], {"amount": 150}, 1.005, 0.001])
def test_price_must_be_a_number_with_at_most_two_decimals(owner, workspace, value):
    assert_400(create(owner, workspace, price=value), "price")


def test_price_exponent_forms(owner, workspace):
    assert post_raw(owner, services_url(workspace), b'{"name": "e", "price": 1.5e2}').json()["service"]["price"] == 150
    assert_400(post_raw(owner, services_url(workspace), b'{"name": "f", "price": 1e-7}'), "price")
    assert_400(post_raw(owner, services_url(workspace), b'{"name": "g", "price": 1e300}'), "price")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("#fff", "#FFFFFF"), ("#3b82f6", "#3B82F6"), ("#3B82F6", "#3B82F6"), ("#A1b", "#AA11BB"), (" #abc ", "#AABBCC")],
)
def test_color_is_normalised_to_upper_case_six_digits(owner, workspace, sent, stored):
    response = create(owner, workspace, color=sent)
    assert response.status_code == 201, response.content
    assert response.json()["service"]["color"] == stored
    assert Service.objects.get(pk=response.json()["service"]["id"]).color == stored


@pytest.mark.parametrize(
    "value", ["fff", "#ff", "#ffff", "#fffffff", "#ggg", "", "red", "#12345z", 123, True, ["#fff"]]
)
def test_bad_color_is_400(owner, workspace, value):
    assert_400(create(owner, workspace, color=value), "color")


@pytest.mark.parametrize("value", ["products", "", "Sessions", None, 1, ["sessions"]])
def test_scope_must_be_sessions(owner, workspace, value):
    assert_400(create(owner, workspace, scope=value), "scope")


@pytest.mark.parametrize("value", ["true", "false", 1, 0, None, "yes"])
def test_is_active_must_be_a_boolean(owner, workspace, value):
    assert_400(create(owner, workspace, isActive=value), "isActive")


def test_inactive_on_create(owner, workspace):
    response = create(owner, workspace, isActive=False)
    assert response.status_code == 201 and response.json()["service"]["isActive"] is False


# -- uniqueness: 409 ------------------------------------------------------------------------


@pytest.mark.parametrize("clash", ["Consultation", "consultation", "  CONSULTATION  ", "ConSultatioN "])
def test_same_name_ignoring_case_and_spaces_is_409(owner, workspace, clash):
    assert create(owner, workspace, name="Consultation").status_code == 201
    response = create(owner, workspace, name=clash)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "service_name_taken"
    assert "name" in error["fields"]
    assert Service.objects.filter(workspace=workspace).count() == 1


def test_arabic_name_clash_is_409(owner, workspace):
    assert post_raw(owner, services_url(workspace), SEED_CREATE_BODY).status_code == 201
    response = create(owner, workspace, name=" استشارة طبية ")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "service_name_taken"


@pytest.mark.parametrize(("first", "second"), [("#ffffff", "#FFF"), ("#abc", "#aabbcc"), ("#3B82F6", "#3b82f6")])
def test_same_color_is_409(owner, workspace, first, second):
    assert create(owner, workspace, name="One", color=first).status_code == 201
    response = create(owner, workspace, name="Two", color=second)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "service_color_taken"
    assert "color" in error["fields"]


def test_services_without_color_do_not_clash(owner, workspace):
    assert create(owner, workspace, name="One").status_code == 201
    assert create(owner, workspace, name="Two", color=None).status_code == 201


def test_names_and_colors_are_unique_per_workspace_only(owner, workspace, other_workspace):
    factories.ServiceFactory(workspace=other_workspace, name="Consultation", color="#3B82F6")
    assert create(owner, workspace, name="consultation", color="#3b82f6").status_code == 201


def test_patch_into_a_clash_is_409_and_changes_nothing(owner, workspace):
    factories.ServiceFactory(workspace=workspace, name="Taken", color="#111111")
    service = factories.ServiceFactory(workspace=workspace, name="Mine", color="#222222")
    by_name = owner.patch(service_url(workspace, service), {"name": " taken", "price": 1}, format="json")
    assert by_name.status_code == 409 and by_name.json()["error"]["code"] == "service_name_taken"
    by_color = owner.patch(service_url(workspace, service), {"color": "#111"}, format="json")
    assert by_color.status_code == 409 and by_color.json()["error"]["code"] == "service_color_taken"
    service.refresh_from_db()
    assert (service.name, service.color, service.price) == ("Mine", "#222222", Decimal("100.00"))


def test_patch_keeping_own_name_and_color_is_fine(owner, workspace):
    service = factories.ServiceFactory(workspace=workspace, name="Mine", color="#222222")
    response = owner.patch(service_url(workspace, service), {"name": "MINE ", "color": "#222"}, format="json")
    assert response.status_code == 200
    assert response.json()["service"]["name"] == "MINE"


# -- PATCH ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "sent", "returned", "attribute", "stored"),
    [
        ("name", "  Renamed  ", "Renamed", "name", "Renamed"),
        ("description", "New words", "New words", "description", "New words"),
        ("description", None, "", "description", ""),
        ("durationMinutes", 45, 45, "duration_minutes", 45),
        ("durationMinutes", None, None, "duration_minutes", None),
        ("price", 99.9, 99.9, "price", Decimal("99.90")),
        ("price", None, None, "price", None),
        ("color", "#0f0", "#00FF00", "color", "#00FF00"),
        ("color", None, None, "color", None),
        ("scope", "sessions", "sessions", "scope", "sessions"),
        ("isActive", False, False, "is_active", False),
    ],
)
def test_patch_each_field(owner, workspace, field, sent, returned, attribute, stored):
    service = factories.ServiceFactory(workspace=workspace, name="Old", description="Old words", color="#123456")
    before = {k: getattr(service, k) for k in ("name", "description", "duration_minutes", "price", "color")}
    response = owner.patch(service_url(workspace, service), {field: sent}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["service"][field] == returned
    service.refresh_from_db()
    assert getattr(service, attribute) == stored
    for other, value in before.items():  # the other fields are untouched
        if other != attribute:
            assert getattr(service, other) == value


def test_patch_validates_like_create(owner, workspace):
    service = factories.ServiceFactory(workspace=workspace)
    url = service_url(workspace, service)
    for body, field in [
        ({"name": "x" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"description": "d" * 1001}, "description"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"price": -0.01}, "price"),
        ({"price": "1"}, "price"),
        ({"color": "#12"}, "color"),
        ({"scope": "products"}, "scope"),
        ({"isActive": "false"}, "isActive"),
    ]:
        assert_400(owner.patch(url, body, format="json"), field)
    assert owner.patch(url, {}, format="json").status_code == 200


# -- delete ---------------------------------------------------------------------------------


def test_delete_hides_the_service_and_frees_its_name_and_color(owner, workspace):
    # given a service
    created = create(owner, workspace, name="Physio", color="#abcdef").json()["service"]
    url = service_url(workspace, created["id"])
    # when it is deleted
    response = owner.delete(url)
    # then 204 with no body, and it is gone from every services endpoint
    assert response.status_code == 204
    assert response.content == b""
    assert owner.get(url).status_code == 404
    assert owner.patch(url, {"name": "x"}, format="json").status_code == 404
    assert owner.delete(url).status_code == 404
    assert owner.get(services_url(workspace)).json()["services"] == []
    # the row stays for the sessions that used it
    row = Service.objects.get(pk=created["id"])
    assert row.deleted_at is not None and row.name == "Physio"
    assert not Service.objects.alive().filter(pk=created["id"]).exists()
    # and its name and color can be used again
    reused = create(owner, workspace, name="physio", color="#ABCDEF")
    assert reused.status_code == 201, reused.content
    assert reused.json()["service"]["id"] != created["id"]
    # a second deletion frees them again
    assert owner.delete(service_url(workspace, reused.json()["service"]["id"])).status_code == 204
    assert create(owner, workspace, name="Physio", color="#ABCDEF").status_code == 201


# -- filters and order ----------------------------------------------------------------------


def test_is_active_and_scope_filters(owner, workspace):
    factories.ServiceFactory(workspace=workspace, name="Active", is_active=True)
    factories.ServiceFactory(workspace=workspace, name="Paused", is_active=False)

    def names(**params):
        response = owner.get(services_url(workspace), params)
        assert response.status_code == 200, response.content
        return [s["name"] for s in response.json()["services"]]

    assert names() == ["Active", "Paused"]
    assert names(isActive="true") == ["Active"]
    assert names(isActive="false") == ["Paused"]
    assert names(scope="sessions") == ["Active", "Paused"]
    assert names(scope="sessions", isActive="false") == ["Paused"]
    assert names(isActive="") == ["Active", "Paused"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"isActive": "yes"}, "isActive"),
        ({"isActive": "1"}, "isActive"),
        ({"isActive": "True"}, "isActive"),
        ({"scope": "products"}, "scope"),
        ({"scope": "SESSIONS"}, "scope"),
    ],
)
def test_bad_filter_is_400(owner, workspace, params, field):
    response = owner.get(services_url(workspace), params)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_list_is_ordered_by_name_and_paged(owner, workspace):
    for name in ["Charlie", "alpha", "Bravo", "delta", "Echo"]:
        factories.ServiceFactory(workspace=workspace, name=name)
    factories.ServiceFactory(workspace=workspace, name="Zulu", deleted_at=timezone.now())
    everything = [s["name"] for s in owner.get(services_url(workspace)).json()["services"]]
    # by name (in the database's collation), then id; deleted services never listed
    expected = Service.objects.alive().filter(workspace=workspace).order_by("name", "id")
    assert everything == [s.name for s in expected]
    assert sorted(everything) == sorted(["Charlie", "alpha", "Bravo", "delta", "Echo"])
    seen, cursor = [], None
    while True:
        body = owner.get(services_url(workspace), {"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        seen += [s["name"] for s in body["services"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == everything


# -- isolation ------------------------------------------------------------------------------


def test_another_workspaces_service_is_404_and_untouched(owner, workspace, other_workspace):
    foreign = factories.ServiceFactory(workspace=other_workspace, name="Secret")
    for method in ("get", "patch", "delete"):
        response = getattr(owner, method)(service_url(workspace, foreign), {"name": "x"}, format="json")
        assert response.status_code == 404
        assert "Secret" not in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.name == "Secret" and foreign.deleted_at is None
    assert owner.get(services_url(workspace)).json()["services"] == []


@pytest.mark.parametrize("bad_id", ["nope", "0123456789ABCDEF01234567", "0" * 25])
def test_malformed_service_id_in_path_is_404(owner, workspace, bad_id):
    assert owner.get(f"{services_url(workspace)}/{bad_id}").status_code == 404


def test_idempotency_key_replays_the_create(owner, workspace):
    headers = {"HTTP_IDEMPOTENCY_KEY": "svc-1"}
    first = owner.post(services_url(workspace), {"name": "Once"}, format="json", **headers)
    again = owner.post(services_url(workspace), {"name": "Once"}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Service.objects.filter(workspace=workspace).count() == 1


# -- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 25])
def test_list_query_count_does_not_grow_with_rows(owner, workspace, django_assert_num_queries, rows):
    for i in range(rows):
        factories.ServiceFactory(workspace=workspace, name=f"S{i}")
    # 1. the membership with workspace and user (the token's), 2. the services
    with django_assert_num_queries(2):
        response = owner.get(services_url(workspace))
    assert len(response.json()["services"]) == rows


@pytest.mark.parametrize("rows", [1, 25])
def test_detail_query_count_does_not_grow_with_rows(owner, workspace, django_assert_num_queries, rows):
    services = [factories.ServiceFactory(workspace=workspace, name=f"S{i}") for i in range(rows)]
    # 1. the membership with workspace and user (the token's), 2. the service
    with django_assert_num_queries(2):
        response = owner.get(service_url(workspace, services[-1]))
    assert response.status_code == 200


# -- who may do what ------------------------------------------------------------------------

_colors = iter(range(1, 10**6))


def _body(ws):
    n = next(_colors)
    return {"name": f"New {n}", "color": f"#{n:06X}"}


ENDPOINTS = {
    "list": Endpoint("GET", lambda ws: services_url(ws), "services.view"),
    "create": Endpoint("POST", lambda ws: services_url(ws), "services.manage", body=_body),
    "retrieve": Endpoint("GET", lambda ws: service_url(ws, factories.ServiceFactory(workspace=ws)), "services.view"),
    "update": Endpoint(
        "PATCH",
        lambda ws: service_url(ws, factories.ServiceFactory(workspace=ws)),
        "services.manage",
        body=_body,
    ),
    "delete": Endpoint("DELETE", lambda ws: service_url(ws, factories.ServiceFactory(workspace=ws)), "services.manage"),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)


def test_sessions_that_used_a_deleted_service_still_show_it(owner, workspace):
    # given a session built from a service
    service = create(owner, workspace, name="Acupuncture", color="#FF0000").json()["service"]
    client = factories.ClientFactory(workspace=workspace)
    session = owner.post(
        f"/api/v1/workspace/{workspace.pk}/sessions",
        {
            "name": "Visit",
            "clientId": client.pk,
            "serviceIds": [service["id"]],
            "date": "2024-01-20",
            "startTime": "10:00",
        },
        format="json",
    )
    assert session.status_code == 201, session.content
    session_url = f"/api/v1/workspace/{workspace.pk}/sessions/{session.json()['session']['id']}"
    # when the service is deleted (and its name reused by a new one)
    assert owner.delete(service_url(workspace, service["id"])).status_code == 204
    assert create(owner, workspace, name="Acupuncture", color="#FF0000").status_code == 201
    # then the session still shows the deleted service
    shown = owner.get(session_url).json()["session"]
    assert shown["serviceIds"] == [service["id"]]
    assert shown["serviceNames"] == ["Acupuncture"]
    # and a new session cannot use it any more
    again = owner.post(
        f"/api/v1/workspace/{workspace.pk}/sessions",
        {
            "name": "Later",
            "clientId": client.pk,
            "serviceIds": [service["id"]],
            "date": "2024-01-21",
            "startTime": "10:00",
        },
        format="json",
    )
    assert again.status_code == 404, again.content
