"""The contract's access order and role table, for every billing endpoint."""

from __future__ import annotations

import pytest

from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.billing.conftest import (
    draft_for,
    invoice_url,
    invoices_url,
    issued_for,
    make_session,
    session_invoice_url,
    settings_url,
)
from workspaces.roles import PERMISSION_ROLES, Role

pytestmark = pytest.mark.django_db


def a_session(workspace):
    return make_session(workspace, [factories.ServiceFactory(workspace=workspace)])


def a_draft(workspace, rest: str = "") -> str:
    return invoice_url(workspace, draft_for(a_session(workspace)), rest)


def an_issued(workspace, rest: str = "") -> str:
    return invoice_url(workspace, issued_for(a_session(workspace)), rest)


ENDPOINTS = {
    "settings": Endpoint("GET", settings_url, "billing.view"),
    "settings update": Endpoint("PATCH", settings_url, "billing.manage", body=lambda ws: {"taxRate": 5}),
    "list": Endpoint("GET", invoices_url, "billing.view"),
    "retrieve": Endpoint("GET", a_draft, "billing.view"),
    "update": Endpoint("PATCH", a_draft, "billing.manage", body=lambda ws: {"note": "n"}),
    "issue": Endpoint("POST", lambda ws: a_draft(ws, "issue"), "billing.manage"),
    "void": Endpoint("POST", lambda ws: an_issued(ws, "void"), "billing.manage"),
    "pay": Endpoint(
        "POST", lambda ws: an_issued(ws, "payments"), "billing.manage", body=lambda ws: {"amount": 1, "method": "cash"}
    ),
    "payments": Endpoint("GET", lambda ws: an_issued(ws, "payments"), "billing.view"),
    "pdf": Endpoint("GET", lambda ws: an_issued(ws, "pdf"), "billing.view"),
    "draft": Endpoint("POST", lambda ws: session_invoice_url(ws, a_session(ws)), "billing.manage"),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)


def test_the_role_table_holds_the_contracts_billing_permissions():
    assert PERMISSION_ROLES["billing.view"] == frozenset(Role)
    assert PERMISSION_ROLES["billing.manage"] == frozenset({Role.OWNER, Role.ADMIN, Role.ASSISTANT})


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", lambda ws: a_draft(ws)),
        ("delete", lambda ws: a_draft(ws)),
        ("post", invoices_url),
        ("delete", settings_url),
        ("get", lambda ws: session_invoice_url(ws, a_session(ws))),
        ("get", lambda ws: a_draft(ws, "issue")),
    ],
)
def test_unsupported_methods_are_405(owner, workspace, method, url):
    response = getattr(owner, method)(url(workspace), {}, format="json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_pdf_answers_its_errors_in_json_whatever_the_accept_header(owner, workspace, api_client):
    url = an_issued(workspace, "pdf")
    anonymous = api_client.get(url, HTTP_ACCEPT="application/pdf")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/json"
    missing = owner.get(invoice_url(workspace, "0123456789abcdef01234567", "pdf"), HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert missing["Content-Type"] == "application/json"
    anything = api_client.get(url + "?format=any", HTTP_ACCEPT="*/*")
    assert anything.status_code == 401 and anything["Content-Type"] == "application/json"
    ok = owner.get(url, HTTP_ACCEPT="application/pdf")
    assert ok.status_code == 200 and ok["Content-Type"] == "application/pdf" and ok.content.startswith(b"%PDF-")
    assert ok["Content-Disposition"].startswith('inline; filename="INV-')
