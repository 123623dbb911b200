"""Invoices through the API: a draft from a session, edits while draft, issue, void, the list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing import actions
from billing.models import Invoice, InvoiceStatus
from tests import factories
from tests.billing.conftest import (
    draft_for,
    invoice_url,
    invoices_url,
    issued_for,
    make_session,
    session_invoice_url,
)

pytestmark = pytest.mark.django_db

INVOICE_KEYS = {
    "id", "workspaceId", "number", "status", "clientId", "clientName", "sessionIds", "currency", "lines",
    "subtotal", "tax", "discount", "total", "paidAmount", "note", "issuedAt", "createdAt", "updatedAt",
}  # fmt: skip


def test_a_session_gets_a_draft_with_one_line_a_service_at_its_price(practice):
    actions.billing_settings_update(workspace=practice.workspace, tax_rate=Decimal("15"))
    # when the owner drafts an invoice for the session (either prefix, with or without a slash)
    response = practice.api.post(session_invoice_url(practice.workspace, practice.session, "/v1") + "/")
    # then 201 with a draft for the session's client, one line a service, exact money
    assert response.status_code == 201, response.content
    invoice = response.json()["invoice"]
    assert set(invoice) == INVOICE_KEYS
    assert invoice["status"] == "draft" and invoice["number"] is None and invoice["issuedAt"] is None
    assert invoice["clientId"] == practice.client.pk and invoice["clientName"] == "Amal Haddad"
    assert invoice["sessionIds"] == [practice.session.pk]
    assert invoice["currency"] == "USD"
    assert invoice["lines"] == [
        {"description": "Massage", "quantity": 1, "unitPrice": 150.00, "taxRate": 15.00, "total": 150.00},
        {"description": "Checkup", "quantity": 1, "unitPrice": 49.99, "taxRate": 15.00, "total": 49.99},
    ]
    assert (invoice["subtotal"], invoice["tax"], invoice["discount"], invoice["total"]) == (199.99, 30.00, 0, 229.99)
    # written as JSON numbers with exactly the currency's decimals
    assert b'"subtotal":199.99,"tax":30.00,"discount":0.00,"total":229.99,"paidAmount":0.00' in response.content
    assert b'"unitPrice":150.00,"taxRate":15.00,"total":150.00' in response.content


def test_the_lines_are_a_snapshot(practice):
    invoice = draft_for(practice.session)
    # when the service's price and name change afterwards
    massage = practice.services[0]
    massage.price, massage.name = Decimal("999.00"), "Deep massage"
    massage.save()
    # then the invoice still says what it said
    lines = practice.api.get(invoice_url(practice.workspace, invoice)).json()["invoice"]["lines"]
    assert lines[0]["description"] == "Massage" and lines[0]["unitPrice"] == 150.00


def test_a_service_without_a_price_is_a_line_at_zero(workspace, owner):
    service = factories.ServiceFactory(workspace=workspace, name="Free talk", price=None)
    session = make_session(workspace, [service])
    invoice = owner.post(session_invoice_url(workspace, session)).json()["invoice"]
    assert invoice["lines"][0]["unitPrice"] == 0 and invoice["total"] == 0


def test_prices_are_rounded_to_the_currencys_minor_unit(practice):
    actions.billing_settings_update(workspace=practice.workspace, currency="JPY")
    response = practice.api.post(session_invoice_url(practice.workspace, practice.session))
    invoice = response.json()["invoice"]
    # 49.99 becomes 50 yen (half-up), every amount written without decimals
    assert [line["unitPrice"] for line in invoice["lines"]] == [150, 50]
    assert b'"subtotal":200,' in response.content and b'"unitPrice":50,' in response.content


def test_a_session_already_invoiced_is_a_409_until_that_invoice_is_void(practice):
    first = practice.api.post(session_invoice_url(practice.workspace, practice.session)).json()["invoice"]
    again = practice.api.post(session_invoice_url(practice.workspace, practice.session))
    assert again.status_code == 409 and again.json()["error"]["code"] == "session_already_invoiced"
    assert practice.api.post(invoice_url(practice.workspace, first["id"], "void")).status_code == 200
    assert practice.api.post(session_invoice_url(practice.workspace, practice.session)).status_code == 201


def test_an_unknown_or_other_workspaces_session_is_a_404(practice, other_workspace):
    theirs = make_session(other_workspace, [factories.ServiceFactory(workspace=other_workspace)])
    for session_id in (theirs.pk, "0123456789abcdef01234567", "nope"):
        response = practice.api.post(session_invoice_url(practice.workspace, session_id))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert not Invoice.objects.filter(workspace=practice.workspace).exists()


def test_the_draft_is_idempotent_with_a_key(practice):
    url = session_invoice_url(practice.workspace, practice.session)
    first = practice.api.post(url, HTTP_IDEMPOTENCY_KEY="draft-1")
    again = practice.api.post(url, HTTP_IDEMPOTENCY_KEY="draft-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Invoice.objects.filter(workspace=practice.workspace).count() == 1


# --- edits while draft ----------------------------------------------------------------------


def patch(practice, invoice, body):
    return practice.api.patch(invoice_url(practice.workspace, invoice), body, format="json")


def test_a_drafts_lines_discount_and_note_change_and_the_totals_follow(practice):
    actions.billing_settings_update(workspace=practice.workspace, tax_rate=Decimal("10"))
    invoice = draft_for(practice.session)
    body = {
        "lines": [
            {"description": "Massage, 90 minutes", "quantity": 1.5, "unitPrice": 100, "taxRate": 5},
            {"description": "Oil", "quantity": 3, "unitPrice": 0.25},  # the workspace's rate
        ],
        "discount": 10,
        "note": "Paid by card at the desk.",
    }
    response = patch(practice, invoice, body)
    assert response.status_code == 200, response.content
    result = response.json()["invoice"]
    assert result["lines"] == [
        {"description": "Massage, 90 minutes", "quantity": 1.5, "unitPrice": 100.00, "taxRate": 5.00, "total": 150.00},
        {"description": "Oil", "quantity": 3, "unitPrice": 0.25, "taxRate": 10.00, "total": 0.75},
    ]
    # subtotal 150.75; taxable 140.75 shared pro rata: 150/150.75 x 140.75 x 5% + 0.75/150.75 x 140.75 x 10%
    assert (result["subtotal"], result["discount"], result["tax"], result["total"]) == (150.75, 10.00, 7.07, 147.82)
    assert result["note"] == "Paid by card at the desk."
    # a PATCH of the note alone keeps the lines
    assert patch(practice, invoice, {"note": ""}).json()["invoice"]["lines"] == result["lines"]


def test_server_owned_fields_are_ignored_and_unknown_ones_refused(practice):
    invoice = draft_for(practice.session)
    read = practice.api.get(invoice_url(practice.workspace, invoice)).json()["invoice"]
    # sending back what was read (with a total that is not the server's) changes nothing of the server's
    read["total"], read["status"], read["number"] = 1, "paid", "X-1"
    read["lines"][0]["total"] = 5
    sent = patch(practice, invoice, read)
    assert sent.status_code == 200 and sent.json()["invoice"]["total"] == 199.99
    assert sent.json()["invoice"]["status"] == "draft"
    unknown = patch(practice, invoice, {"discont": 5})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_field"
    assert unknown.json()["error"]["fields"] == {"discont": ["Unknown field."]}
    nested = patch(practice, invoice, {"lines": [{"description": "A", "quantity": 1, "unitPrice": 1, "price": 2}]})
    assert nested.status_code == 400 and nested.json()["error"]["fields"] == {"lines[0].price": ["Unknown field."]}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"lines": [{"description": "A", "quantity": 1, "unitPrice": 1.005}]}, "lines[0].unitPrice", "too_precise"),
        ({"lines": [{"description": "A", "quantity": 0, "unitPrice": 1}]}, "lines", "validation_error"),
        ({"lines": [{"description": "", "quantity": 1, "unitPrice": 1}]}, "lines", "validation_error"),
        ({"lines": [{"quantity": 1, "unitPrice": 1}]}, "lines", "validation_error"),
        ({"lines": [{"description": "A", "quantity": 1, "unitPrice": "1"}]}, "lines", "validation_error"),
        ({"lines": [{"description": "A", "quantity": 1, "unitPrice": 1, "taxRate": 101}]}, "lines", "validation_error"),
        ({"lines": "Massage"}, "lines", "validation_error"),
        ({"discount": 0.001}, "discount", "too_precise"),
        ({"discount": 500}, "discount", "discount_too_large"),
        ({"discount": -1}, "discount", "validation_error"),
        ({"note": 5}, "note", "validation_error"),
    ],
)
def test_bad_edits_are_400s_naming_the_field(practice, body, field, code):
    invoice = draft_for(practice.session)
    response = patch(practice, invoice, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"], error
    invoice.refresh_from_db()
    assert invoice.total == Decimal("199.99")


def test_kwd_amounts_take_three_decimals(practice):
    actions.billing_settings_update(workspace=practice.workspace, currency="KWD")
    invoice = draft_for(practice.session)
    response = patch(
        practice, invoice, {"lines": [{"description": "A", "quantity": 2.5, "unitPrice": 0.333, "taxRate": 15}]}
    )
    assert response.status_code == 200
    assert b'"unitPrice":0.333,"taxRate":15.00,"total":0.833' in response.content
    assert b'"subtotal":0.833,"tax":0.125,"discount":0.000,"total":0.958' in response.content


# --- issue and void -------------------------------------------------------------------------


def test_issue_numbers_dates_and_freezes_the_invoice(practice):
    invoice = draft_for(practice.session)
    response = practice.api.post(invoice_url(practice.workspace, invoice, "issue"))
    assert response.status_code == 200, response.content
    issued = response.json()["invoice"]
    assert issued["status"] == "issued" and issued["number"] == f"INV-{dt.date.today().year}-000001"
    assert issued["issuedAt"].endswith("Z")
    # its lines can no longer change (nor its note or discount), nor can it be issued again
    lines = [{"description": "Changed", "quantity": 1, "unitPrice": 1}]
    for change in ({"lines": lines}, {"note": "late"}, {"discount": 1}):
        frozen = patch(practice, invoice, change)
        assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "invoice_not_draft", change
    stored = practice.api.get(invoice_url(practice.workspace, invoice)).json()["invoice"]
    assert stored["lines"] == issued["lines"] and stored["note"] == issued["note"]
    again = practice.api.post(invoice_url(practice.workspace, invoice, "issue"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_not_draft"


def test_an_empty_draft_is_not_issued(practice):
    invoice = draft_for(practice.session)
    patch(practice, invoice, {"lines": []})
    response = practice.api.post(invoice_url(practice.workspace, invoice, "issue"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invoice_empty"
    assert "lines" in response.json()["error"]["fields"]


def test_an_invoice_of_zero_is_paid_when_issued(practice):
    invoice = draft_for(practice.session)
    patch(practice, invoice, {"lines": [{"description": "Goodwill visit", "quantity": 1, "unitPrice": 0}]})
    issued = practice.api.post(invoice_url(practice.workspace, invoice, "issue")).json()["invoice"]
    assert issued["status"] == "paid" and issued["total"] == 0


def test_void_keeps_the_number_and_the_next_issue_continues(practice):
    invoice = issued_for(practice.session)
    response = practice.api.post(invoice_url(practice.workspace, invoice, "void"))
    assert response.status_code == 200
    assert response.json()["invoice"]["status"] == "void"
    assert response.json()["invoice"]["number"] == invoice.number
    again = practice.api.post(invoice_url(practice.workspace, invoice, "void"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_already_void"
    # the session can be invoiced again; the new invoice takes the next number
    redo = practice.api.post(session_invoice_url(practice.workspace, practice.session)).json()["invoice"]
    number = practice.api.post(invoice_url(practice.workspace, redo["id"], "issue")).json()["invoice"]["number"]
    assert number.endswith("-000002")


def test_a_draft_can_be_voided_without_a_number(practice):
    invoice = draft_for(practice.session)
    voided = practice.api.post(invoice_url(practice.workspace, invoice, "void")).json()["invoice"]
    assert voided["status"] == "void" and voided["number"] is None


def test_issued_invoices_keep_their_seller_as_it_was(practice):
    actions.billing_settings_update(workspace=practice.workspace, legal_name="Old Name LLC", tax_number="123")
    invoice = issued_for(practice.session)
    actions.billing_settings_update(workspace=practice.workspace, legal_name="New Name LLC")
    invoice.refresh_from_db()
    assert invoice.seller["legalName"] == "Old Name LLC" and invoice.client_name == "Amal Haddad"


# --- the list -------------------------------------------------------------------------------


def test_the_list_filters_by_status_client_and_date(practice):
    ws, api = practice.workspace, practice.api
    other_client = factories.ClientFactory(workspace=ws)
    service = practice.services[0]
    draft = draft_for(practice.session)
    old = actions.invoice_issue(
        invoice=draft_for(make_session(ws, [service], client=other_client)),
        at=dt.datetime(2025, 5, 2, 12, tzinfo=dt.UTC),
    )
    new = actions.invoice_issue(
        invoice=draft_for(make_session(ws, [service], client=other_client)),
        at=dt.datetime(2025, 6, 10, 12, tzinfo=dt.UTC),
    )

    def ids(query: str) -> list[str]:
        response = api.get(invoices_url(ws) + query)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["invoices"]]

    assert ids("") == [old.pk, new.pk, draft.pk]  # by date, then id
    assert ids("?status=draft") == [draft.pk]
    assert ids(f"?clientId={other_client.pk}") == [old.pk, new.pk]
    assert ids("?dateFrom=2025-06-01&dateTo=2025-06-10T23:00:00Z") == [new.pk]
    assert ids("?dateTo=2025-05-02") == [old.pk]
    for bad in ("?status=sent", "?clientId=nope", "?dateFrom=2025-02-30", "?limit=0"):
        response = api.get(invoices_url(ws) + bad)
        assert response.status_code == 400, bad


def test_the_list_pages_with_a_cursor(practice):
    ws = practice.workspace
    made = [draft_for(make_session(ws, practice.services)) for _ in range(3)]
    first = practice.api.get(invoices_url(ws) + "?limit=2").json()
    assert [item["id"] for item in first["invoices"]] == [made[0].pk, made[1].pk]
    second = practice.api.get(invoices_url(ws) + f"?limit=2&cursor={first['nextCursor']}").json()
    assert [item["id"] for item in second["invoices"]] == [made[2].pk] and second["nextCursor"] is None


def test_another_workspaces_invoice_is_a_404_on_every_path(practice, other_workspace):
    theirs = draft_for(make_session(other_workspace, [factories.ServiceFactory(workspace=other_workspace)]))
    ws, api = practice.workspace, practice.api
    for method, rest in [("get", ""), ("patch", ""), ("post", "issue"), ("post", "void"), ("post", "payments"),
                         ("get", "payments"), ("get", "pdf")]:  # fmt: skip
        response = getattr(api, method)(invoice_url(ws, theirs, rest), {}, format="json")
        assert response.status_code == 404, (method, rest, response.content)
        assert response.json()["error"]["code"] == "not_found"
        assert theirs.pk not in response.content.decode()
    assert api.get(invoices_url(ws)).json()["invoices"] == []
    theirs.refresh_from_db()
    assert theirs.status == InvoiceStatus.DRAFT
