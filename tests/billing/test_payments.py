"""Payments: partial up to exactly the total (then paid), never beyond the balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing import actions
from billing.models import InvoiceStatus, Payment
from tests.billing.conftest import draft_for, invoice_url, issued_for
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def pay(api, workspace, invoice, amount, **extra):
    return api.post(
        invoice_url(workspace, invoice, "payments"), {"amount": amount, "method": "cash", **extra}, format="json"
    )


def test_partial_payments_up_to_exactly_the_total_make_it_paid(practice):
    # given an issued invoice of 229.99 (199.99 + 15% tax)
    actions.billing_settings_update(workspace=practice.workspace, tax_rate=Decimal(15))
    invoice = issued_for(practice.session)
    assert invoice.total == Decimal("229.99")
    api, ws = practice.api, practice.workspace
    # when it is paid in three parts, the last one exactly the balance
    first = pay(api, ws, invoice, 100)
    assert first.status_code == 201, first.content
    assert first.json()["invoice"]["status"] == "issued" and first.json()["invoice"]["paidAmount"] == 100.00
    assert pay(api, ws, invoice, 29.99).json()["invoice"]["paidAmount"] == 129.99
    last = pay(api, ws, invoice, 100.00, reference="TRX-9", paidAt="2026-03-01T09:30:00Z")
    # then it is paid, for exactly its total
    assert last.status_code == 201
    body = last.json()
    assert body["invoice"]["status"] == "paid"
    assert body["invoice"]["paidAmount"] == body["invoice"]["total"] == 229.99
    assert b'"paidAmount":229.99' in last.content
    assert body["payment"] == {
        "id": body["payment"]["id"],
        "invoiceId": invoice.pk,
        "amount": 100.00,
        "method": "cash",
        "paidAt": "2026-03-01T09:30:00.000Z",
        "reference": "TRX-9",
        "createdAt": body["payment"]["createdAt"],
    }
    listed = api.get(invoice_url(ws, invoice, "payments")).json()["payments"]
    assert [p["amount"] for p in listed] == [100.00, 100.00, 29.99]  # by paidAt: March first


def test_a_payment_beyond_the_balance_is_a_400_and_records_nothing(practice):
    invoice = issued_for(practice.session)  # 199.99
    api, ws = practice.api, practice.workspace
    assert pay(api, ws, invoice, 150).status_code == 201
    # when 50.00 is paid against a balance of 49.99
    response = pay(api, ws, invoice, 50)
    # then 400 overpayment on amount, and nothing changed
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "overpayment" and "amount" in error["fields"]
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("150.00") and Payment.objects.filter(invoice=invoice).count() == 1


def test_a_paid_invoice_takes_no_more_payment(practice):
    invoice = issued_for(practice.session)
    api, ws = practice.api, practice.workspace
    assert pay(api, ws, invoice, 199.99).json()["invoice"]["status"] == "paid"
    response = pay(api, ws, invoice, 0.01)
    assert response.status_code == 400 and response.json()["error"]["code"] == "overpayment"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (0, "invalid"),
        (-5, "validation_error"),
        (10.001, "too_precise"),
        ("10", "validation_error"),
        (True, "validation_error"),
    ],
)
def test_bad_amounts_are_400s_naming_amount(practice, amount, code):
    invoice = issued_for(practice.session)
    response = pay(practice.api, practice.workspace, invoice, amount)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and "amount" in error["fields"]


def test_jpy_amounts_have_no_decimals(practice):
    actions.billing_settings_update(workspace=practice.workspace, currency="JPY")
    invoice = issued_for(practice.session)  # 150 + 50 (49.99 rounded half-up)
    assert invoice.total == Decimal("200")
    assert pay(practice.api, practice.workspace, invoice, 0.5).json()["error"]["code"] == "too_precise"
    response = pay(practice.api, practice.workspace, invoice, 200)
    assert response.json()["invoice"]["status"] == "paid"
    assert b'"total":200,' in response.content and b'"amount":200,' in response.content


def test_a_draft_or_void_invoice_takes_no_payment(practice):
    draft = draft_for(practice.session)
    response = pay(practice.api, practice.workspace, draft, 10)
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_not_issued"
    actions.invoice_void(invoice=draft)
    response = pay(practice.api, practice.workspace, draft, 10)
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_void"


def test_unknown_body_fields_are_refused_and_owned_ones_ignored(practice):
    invoice = issued_for(practice.session)
    response = pay(practice.api, practice.workspace, invoice, 10, methd="card")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_field"
    assert response.json()["error"]["fields"] == {"methd": ["Unknown field."]}
    ok = pay(practice.api, practice.workspace, invoice, 10, id="f" * 24, invoiceId="e" * 24, createdAt="x")
    assert ok.status_code == 201 and ok.json()["payment"]["invoiceId"] == invoice.pk


@pytest.mark.django_db(transaction=True)
def test_two_payments_racing_for_the_last_of_the_balance_cannot_both_pass(practice):
    invoice = issued_for(practice.session)  # 199.99
    clients = [bearer(practice.api.user) for _ in range(2)]
    barrier, responses = threading.Barrier(2), [None, None]

    def run(index):
        try:
            barrier.wait(timeout=10)
            responses[index] = pay(clients[index], practice.workspace, invoice, 120)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one is recorded, the other refused on the balance left
    assert sorted(r.status_code for r in responses) == [201, 400]
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("120.00") and invoice.status == InvoiceStatus.ISSUED


def test_an_invoice_with_payments_cannot_be_voided(practice):
    invoice = issued_for(practice.session)
    assert pay(practice.api, practice.workspace, invoice, 10).status_code == 201
    response = practice.api.post(invoice_url(practice.workspace, invoice, "void"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "invoice_has_payments"


def test_a_retried_payment_with_the_same_idempotency_key_is_recorded_once(practice):
    invoice = issued_for(practice.session)
    url = invoice_url(practice.workspace, invoice, "payments")
    body = {"amount": 50, "method": "card"}
    first = practice.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = practice.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert b'"amount":50.00' in again.content  # money replayed exactly: 50.00, not 50.0
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_create_answering_money_can_be_replayed(owner, workspace):
    # a regression: storing an answer holding a Decimal (a service's price) was a 500
    url = f"/api/v1/workspace/{workspace.pk}/services"
    first = owner.post(url, {"name": "Cupping", "price": 150}, format="json", HTTP_IDEMPOTENCY_KEY="svc-1")
    again = owner.post(url, {"name": "Cupping", "price": 150}, format="json", HTTP_IDEMPOTENCY_KEY="svc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and b'"price":150.00' in again.content
