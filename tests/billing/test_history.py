"""Invoices and payments are recorded like every other write: who, when, through which door."""

from __future__ import annotations

import pytest

from billing.models import BillingSettings, Invoice, Payment
from tests.billing.conftest import invoice_url, session_invoice_url, settings_url

pytestmark = pytest.mark.django_db


def test_an_invoices_life_through_the_api_is_in_its_history(practice):
    api, ws = practice.api, practice.workspace
    invoice_id = api.post(session_invoice_url(ws, practice.session)).json()["invoice"]["id"]
    api.patch(invoice_url(ws, invoice_id), {"discount": 9.99}, format="json")
    api.post(invoice_url(ws, invoice_id, "issue"))
    payment_id = api.post(
        invoice_url(ws, invoice_id, "payments"), {"amount": 190, "method": "card"}, format="json"
    ).json()["payment"]["id"]
    api.patch(settings_url(ws), {"taxNumber": "123"}, format="json")

    rows = list(Invoice.history.filter(workspace_id=ws.pk, id=invoice_id).order_by("history_date"))
    assert [(row.history_type, row.status, str(row.discount), row.door) for row in rows] == [
        ("+", "draft", "0.000", "api"),
        ("~", "draft", "9.990", "api"),
        ("~", "issued", "9.990", "api"),
        ("~", "paid", "9.990", "api"),
    ]
    assert {row.history_user_id for row in rows} == {api.user.pk}
    assert rows[0].lines[0]["description"] == "Massage"  # the lines as they were, on every row
    (payment,) = Payment.history.filter(workspace_id=ws.pk, id=payment_id)
    assert (payment.history_type, str(payment.amount), payment.door) == ("+", "190.000", "api")
    (settings,) = BillingSettings.history.filter(workspace_id=ws.pk)
    assert settings.tax_number == "123" and settings.history_type == "+"


def test_the_admin_shows_an_invoices_history(practice, django_user_model):
    from django.test import Client as BrowserClient

    invoice_id = practice.api.post(session_invoice_url(practice.workspace, practice.session)).json()["invoice"]["id"]
    practice.api.post(invoice_url(practice.workspace, invoice_id, "issue"))
    browser = BrowserClient()
    browser.force_login(django_user_model.objects.create_superuser(email="root@example.com", password="x-pass-123"))
    response = browser.get(f"/admin/billing/invoice/{invoice_id}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Issued" in page and "INV-" in page
