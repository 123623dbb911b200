"""Unrestricted resource consumption (OWASP API4): oversized, absurd or poisoned input.

Bodies over MAX_REQUEST_BYTES, absurd paging, NUL bytes, deeply nested JSON, huge arrays and
huge numbers: each is a 4xx JSON error with a stable code, answered fast, with nothing written.
"""

from __future__ import annotations

import time

import orjson
import pytest
from django.conf import settings

from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session, SessionService
from tests.conftest import bearer
from tests.reliability.world import build_world
from workspaces.models import Client, IdempotencyRecord

pytestmark = pytest.mark.django_db

FAST = 2.0  # seconds, on a loaded 2-core machine; each of these answers in milliseconds
MODELS = [Client, Service, Session, SessionService, NutritionSession, FollowUp, IdempotencyRecord]
LISTS = ["clients", "members", "services", "sessions", "nutrition/sessions"]


@pytest.fixture
def alpha():
    return build_world("ALPHA")


@pytest.fixture
def owner(alpha):
    return bearer(alpha.owner.user)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def send_raw(api, method: str, url: str, raw: bytes, **headers):
    return getattr(api, method)(url, data=raw, content_type="application/json", **headers)


def assert_refused(response, elapsed: float, status: int | tuple = (400, 413), code: str | None = None) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] and error["message"]
    if code:
        assert error["code"] == code, error
    assert elapsed < FAST, f"took {elapsed:.2f}s"
    return error


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def session_body(a, **changes) -> dict:
    body = {
        "name": "Visit",
        "clientId": a.client.pk,
        "serviceIds": [a.services[0].pk],
        "date": "2031-01-01",
        "startTime": "09:00",
    }
    return body | changes


def consultation_body(a, **changes) -> dict:
    return {"clientId": a.client.pk, "type": "online", "date": "2031-01-02", "startTime": "09:00"} | changes


def writes(a) -> list[tuple[str, str, dict]]:
    """(method, path, valid body) of every write that takes a body."""
    root = a.root()
    return [
        ("post", f"{root}/clients", {"name": "Sami"}),
        ("patch", f"{root}/clients/{a.client.pk}", {"name": "Sami"}),
        ("post", f"{root}/services", {"name": "Cupping"}),
        ("patch", f"{root}/services/{a.services[0].pk}", {"name": "Cupping"}),
        ("post", f"{root}/sessions", session_body(a)),
        ("patch", f"{root}/sessions/{a.session.pk}", {"name": "Renamed"}),
        ("post", f"{root}/nutrition/sessions", consultation_body(a)),
        ("patch", f"{root}/nutrition/sessions/{a.consultation.pk}", {"topic": "Renamed"}),
        ("post", f"{root}/nutrition/sessions/{a.consultation.pk}/follow-ups", {"dueDate": "2031-01-01", "note": "n"}),
    ]


# --- size -------------------------------------------------------------------------------------


def test_every_body_over_the_limit_is_413_before_anything_is_read(alpha, owner, api_client):
    before = counts()
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    for method, url, body in [*writes(alpha), ("post", "/api/v1/auth/token", {"email": "a@b.c", "password": "x"})]:
        padded = body | {"padding": "x" * (limit + 1)}
        api = api_client if "auth" in url else owner
        response, elapsed = timed(
            lambda api=api, method=method, url=url, padded=padded: send_raw(api, method, url, orjson.dumps(padded))
        )
        assert_refused(response, elapsed, 413, "payload_too_large")
    assert counts() == before


def test_a_huge_string_in_a_field_is_400_naming_it(alpha, owner):
    before = counts()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 1000)
    cases = [
        (f"{alpha.root()}/clients", {"name": huge}, "name"),
        (f"{alpha.root()}/clients", {"name": "a", "notes": huge}, "notes"),
        (f"{alpha.root()}/services", {"name": "a", "description": huge}, "description"),
        (f"{alpha.root()}/sessions", session_body(alpha, name=huge), "name"),
        (f"{alpha.root()}/nutrition/sessions", consultation_body(alpha, notesPrivate=huge), "notesPrivate"),
    ]
    for url, body, field in cases:
        response, elapsed = timed(lambda url=url, body=body: owner.post(url, body, format="json"))
        error = assert_refused(response, elapsed, 400)
        assert field in error["fields"], error
    assert counts() == before


# --- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "-1", "501", "1000000", "99999999999999999999999999", "abc", "1.5", "1e3"])
def test_absurd_limits_are_400_on_every_list(alpha, owner, limit):
    for collection in LISTS:
        response, elapsed = timed(lambda collection=collection: owner.get(f"{alpha.root()}/{collection}?limit={limit}"))
        error = assert_refused(response, elapsed, 400)
        assert "limit" in error.get("fields", {}), (collection, error)


@pytest.mark.parametrize("cursor", ["!!!", "W10", "WyJ4Il0", "a" * 5000, "eyJ4IjoxfQ", "WzEsMiwzLDQsNSw2XQ"])
def test_forged_cursors_are_400_or_an_empty_page_on_every_list(alpha, owner, cursor):
    for collection in LISTS:
        response, elapsed = timed(
            lambda collection=collection: owner.get(f"{alpha.root()}/{collection}?cursor={cursor}")
        )
        if response.status_code == 200:  # decodable and of the right shape: a position after every row
            assert not next(iter(response.json().values())), (collection, cursor)
            assert elapsed < FAST
        else:
            assert_refused(response, elapsed, 400, "invalid_cursor")


def test_too_many_filter_ids_are_400(alpha, owner):
    ids = ",".join(f"{n:024x}" for n in range(5000))
    response, elapsed = timed(lambda: owner.get(f"{alpha.root()}/sessions?serviceIds={ids}"))
    assert_refused(response, elapsed, 400)


# --- NUL bytes --------------------------------------------------------------------------------


def test_nul_bytes_in_any_string_field_are_400_naming_it(alpha, owner):
    before = counts()
    root = alpha.root()
    cases = [
        (f"{root}/clients", {"name": "Sa\x00mi"}, "name"),
        (f"{root}/clients", {"name": "Sami", "notes": "\x00"}, "notes"),
        (f"{root}/clients", {"name": "Sami", "phone": "1\x00"}, "phone"),
        (f"{root}/services", {"name": "Cup\x00"}, "name"),
        (f"{root}/services", {"name": "Cup", "description": "\x00"}, "description"),
        (f"{root}/sessions", session_body(alpha, name="\x00"), "name"),
        (f"{root}/sessions", session_body(alpha, fieldValues=[{"fieldKey": "k\x00", "phase": "pre"}]), "fieldValues"),
        (
            f"{root}/sessions",
            session_body(alpha, fieldValues=[{"fieldKey": "k", "value": "\x00", "phase": "pre"}]),
            "fieldValues",
        ),
        (f"{root}/sessions", session_body(alpha, startTime="09:00\x00"), "startTime"),
        (f"{root}/nutrition/sessions", consultation_body(alpha, topic="\x00"), "topic"),
        (f"{root}/nutrition/sessions", consultation_body(alpha, notesPrivate="\x00"), "notesPrivate"),
        (
            f"{root}/nutrition/sessions/{alpha.consultation.pk}/follow-ups",
            {"dueDate": "2031-01-01", "note": "\x00"},
            "note",
        ),
    ]
    for url, body, field in cases:
        response, elapsed = timed(lambda url=url, body=body: owner.post(url, body, format="json"))
        error = assert_refused(response, elapsed, 400)
        assert field in error.get("fields", {}), (url, error)
    assert counts() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/workspace/{ws}/clients?search=a%00b",
        "/api/v1/workspace/{ws}/sessions?status=%00",
        "/api/v1/workspace/{ws}/clients/%00",
        "/api/v1/workspace/%00/clients",
    ],
)
def test_nul_bytes_in_the_url_are_400(alpha, owner, url):
    response, elapsed = timed(lambda: owner.get(url.format(ws=alpha.id)))
    assert_refused(response, elapsed, 400, "invalid_input")


def test_nul_bytes_in_an_idempotency_key_are_400_and_write_nothing(alpha, owner):
    before = counts()
    response, elapsed = timed(
        lambda: owner.post(f"{alpha.root()}/clients", {"name": "Sami"}, format="json", HTTP_IDEMPOTENCY_KEY="k\x00")
    )
    assert_refused(response, elapsed, 400)
    assert counts() == before


# --- structure --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 200, 1100, 100_000])
def test_deeply_nested_json_is_400_malformed_json(alpha, owner, depth):
    before = counts()
    nested = b'{"name": "Sami", "notes": ' + b"[" * depth + b"]" * depth + b"}"
    for method, url, _body in writes(alpha):
        response, elapsed = timed(lambda method=method, url=url: send_raw(owner, method, url, nested))
        assert_refused(response, elapsed, (400, 413), "malformed_json" if len(nested) < 1_000_000 else None)
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\\ud800"}',  # a lone surrogate
        b'{"name": NaN}',
        b'{"name": "a"} trailing',
        b"\xff\xfe{}",
        b'{"name": "a", "name": ',
    ],
)
def test_malformed_json_is_400_malformed_json(alpha, owner, raw):
    before = counts()
    response, elapsed = timed(lambda: send_raw(owner, "post", f"{alpha.root()}/clients", raw))
    assert_refused(response, elapsed, 400, "malformed_json")
    assert counts() == before


def test_huge_arrays_are_400_naming_the_field(alpha, owner):
    before = counts()
    root = alpha.root()
    many_ids = [f"{n:024x}" for n in range(20_000)]
    field_values = [{"fieldKey": "k", "phase": "pre"}] * 20_000
    cases = [
        (f"{root}/sessions", session_body(alpha, serviceIds=many_ids), "serviceIds"),
        (f"{root}/sessions", session_body(alpha, serviceIds=[alpha.services[0].pk] * 20_000), "serviceIds"),
        (f"{root}/sessions", session_body(alpha, fieldValues=field_values), "fieldValues"),
        (
            f"{root}/sessions",
            session_body(alpha, fieldValues=[{"fieldKey": "k", "value": list(range(20_000)), "phase": "pre"}]),
            "fieldValues",
        ),
        (
            f"{root}/nutrition/sessions",
            consultation_body(alpha, followUps=[{"dueDate": "2031-01-01", "note": "n"}] * 10_000),
            "followUps",
        ),
    ]
    for url, body, field in cases:
        raw = orjson.dumps(body)
        assert len(raw) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # the array itself is refused, not the size
        response, elapsed = timed(lambda url=url, raw=raw: send_raw(owner, "post", url, raw))
        error = assert_refused(response, elapsed, 400)
        assert field in error.get("fields", {}), (field, error)
    # the same through PATCH
    response, elapsed = timed(
        lambda: owner.patch(f"{root}/sessions/{alpha.session.pk}", {"serviceIds": many_ids}, format="json")
    )
    assert "serviceIds" in assert_refused(response, elapsed, 400)["fields"]
    assert counts() == before


@pytest.mark.parametrize("number", [b"1e30", b"-1e30", b"1e308", b"1" + b"0" * 40, b"1e400", b"0.000000001"])
def test_huge_or_tiny_numbers_are_400(alpha, owner, number):
    before = counts()
    root = alpha.root()
    cases = [
        (f"{root}/services", b'{"name": "Cup", "price": ' + number + b"}"),
        (f"{root}/services", b'{"name": "Cup", "durationMinutes": ' + number + b"}"),
        (f"{root}/sessions", orjson.dumps(session_body(alpha))[:-1] + b', "durationMinutes": ' + number + b"}"),
        (
            f"{root}/nutrition/sessions",
            orjson.dumps(consultation_body(alpha))[:-1] + b', "durationMinutes": ' + number + b"}",
        ),
    ]
    for url, raw in cases:
        response, elapsed = timed(lambda url=url, raw=raw: send_raw(owner, "post", url, raw))
        assert_refused(response, elapsed, 400)
    assert counts() == before


def test_wrong_json_types_everywhere_are_400_never_500(alpha, owner):
    before = counts()
    odd_values = [None, True, 0, -1, 1.5, "", "x", [], [None], {}, {"a": 1}]
    for method, url, body in writes(alpha):
        for key in body:
            for value in odd_values:
                if value == body[key]:
                    continue
                response = getattr(owner, method)(url, body | {key: value}, format="json")
                assert response.status_code < 500, (method, url, key, value, response.content[:200])
                assert response["Content-Type"].startswith("application/json")
    # a body that is not an object at all
    for method, url, _body in writes(alpha):
        for raw in [b"[]", b"null", b"1", b'"x"', b"[{}]"]:
            response = send_raw(owner, method, url, raw)
            assert response.status_code == 400, (method, url, raw, response.content[:200])
    # only valid PATCHes may have written anything; no create went through with odd values
    after = counts()
    for name in ("Client", "Service", "Session", "NutritionSession", "FollowUp"):
        assert after[name] >= before[name]
