"""Billing in the admin: the invoice list's filters, the PDF, bulk issue and void through the
actions, settings and payments through the actions' rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client as BrowserClient

from billing import actions
from billing.models import BillingSettings, Invoice, InvoiceStatus, Payment
from tests import factories
from tests.billing.conftest import draft_for, issued_for, make_session
from workspaces.models import User

pytestmark = pytest.mark.django_db

INVOICES = "/admin/billing/invoice/"


@pytest.fixture
def browser(db) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(User.objects.create_superuser(email="root@example.com", password="root-pass-123"))
    return browser


def listed(browser, query: str = "") -> set[str]:
    response = browser.get(INVOICES + query)
    assert response.status_code == 200
    return {invoice.pk for invoice in response.context["cl"].result_list}


def test_the_list_filters_by_status_client_and_date(browser, practice):
    ws = practice.workspace
    draft = draft_for(practice.session)
    other = factories.ClientFactory(workspace=ws, name="Other client")
    issued = actions.invoice_issue(
        invoice=draft_for(make_session(ws, practice.services, client=other)), at=dt.datetime(2025, 4, 2, tzinfo=dt.UTC)
    )
    assert listed(browser) == {draft.pk, issued.pk}
    assert listed(browser, "?status__exact=issued") == {issued.pk}
    assert listed(browser, f"?client__id__exact={other.pk}") == {issued.pk}
    assert listed(browser, "?date__gte=2025-04-01&date__lt=2025-04-03") == {issued.pk}
    page = browser.get(INVOICES).content.decode()
    assert "Other client" in page and "199.99 USD" in page


def test_the_change_page_links_the_pdf_and_the_pdf_opens(browser, practice):
    invoice = issued_for(practice.session)
    page = browser.get(f"{INVOICES}{invoice.pk}/change/")
    assert page.status_code == 200
    pdf_url = f"{INVOICES}{invoice.pk}/pdf/"
    assert pdf_url in page.content.decode()
    response = browser.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert browser.get(f"{INVOICES}0123456789abcdef01234567/pdf/").status_code == 404


def test_the_pdf_needs_an_admin_login(practice):
    invoice = issued_for(practice.session)
    response = BrowserClient().get(f"{INVOICES}{invoice.pk}/pdf/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def run_action(browser, action: str, invoices) -> list[tuple[str, str]]:
    data = {"action": action, ACTION_CHECKBOX_NAME: [invoice.pk for invoice in invoices], "index": 0}
    response = browser.post(INVOICES, data, follow=True)
    assert response.status_code == 200
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_bulk_issue_numbers_the_drafts_in_date_order_and_reports_the_refused(browser, practice):
    ws = practice.workspace
    drafts = [draft_for(make_session(ws, practice.services)) for _ in range(3)]
    Invoice.objects.filter(pk=drafts[0].pk).update(date=dt.date(2030, 1, 1))  # the newest date: issued last
    already = issued_for(practice.session)
    messages = run_action(browser, "issue_selected", [*drafts, already])
    assert ("success", "3 invoices issued.") in messages
    assert any(level == "warning" and "1 refused" in text and already.number in text for level, text in messages)
    numbers = {pk: Invoice.objects.get(pk=pk).sequence for pk in (d.pk for d in drafts)}
    assert numbers == {drafts[1].pk: 2, drafts[2].pk: 3, drafts[0].pk: 4}


def test_bulk_void_follows_the_same_rules(browser, practice):
    ws = practice.workspace
    paid_in_part = issued_for(practice.session)
    actions.payment_record(invoice=paid_in_part, amount=Decimal("1"), method="cash")
    plain = issued_for(make_session(ws, practice.services))
    messages = run_action(browser, "void_selected", [paid_in_part, plain])
    assert ("success", "1 invoice voided.") in messages
    assert any(level == "warning" and "cannot be voided" in text for level, text in messages)
    assert Invoice.objects.get(pk=plain.pk).status == InvoiceStatus.VOID
    assert Invoice.objects.get(pk=paid_in_part.pk).status == InvoiceStatus.ISSUED


def test_invoices_are_neither_added_nor_deleted_here(browser, practice):
    invoice = draft_for(practice.session)
    assert browser.get(f"{INVOICES}add/").status_code == 403
    assert browser.get(f"{INVOICES}{invoice.pk}/delete/").status_code == 403


def test_a_drafts_discount_is_saved_through_the_action(browser, practice):
    invoice = draft_for(practice.session)
    url = f"{INVOICES}{invoice.pk}/change/"
    form = {"discount": "20.00", "note": "Regular client", "payments-TOTAL_FORMS": 0, "payments-INITIAL_FORMS": 0}
    response = browser.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    invoice.refresh_from_db()
    assert (invoice.discount, invoice.total, invoice.note) == (Decimal("20.00"), Decimal("179.99"), "Regular client")
    # a discount over the subtotal is refused by the action, shown as an error
    response = browser.post(url, {**form, "discount": "500"}, follow=True)
    assert "cannot exceed the subtotal" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.discount == Decimal("20.00")


def test_settings_are_checked_by_the_actions_rules(browser, workspace):
    url = "/admin/billing/billingsettings/add/"
    form = {
        "workspace": workspace.pk,
        "currency": "sar",
        "tax_rate": "15",
        "country": "SA",
        "tax_number": "12345",
        "invoice_prefix": "INV",
        "late_cancel_hours": 24,
    }
    response = browser.post(url, form)
    assert response.status_code == 200
    assert "A Saudi VAT number has 15 digits" in response.content.decode()
    response = browser.post(url, {**form, "tax_number": "310123456700003"})
    assert response.status_code == 302
    saved = BillingSettings.objects.get(workspace=workspace)
    assert (saved.currency, saved.country, saved.tax_rate) == ("SAR", "SA", Decimal("15.00"))


def test_a_payment_added_here_goes_through_the_action(browser, practice):
    invoice = issued_for(practice.session)
    url = "/admin/billing/payment/add/"
    form = {"invoice": invoice.pk, "amount": "300", "method": "cash", "paid_at_0": "2026-03-01", "paid_at_1": "10:00"}
    response = browser.post(url, form)
    assert response.status_code == 200 and "more than the balance" in response.content.decode()
    assert not Payment.objects.exists()
    response = browser.post(url, {**form, "amount": "199.99"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_amount == Decimal("199.99")
