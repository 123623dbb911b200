"""Billing's list and detail endpoints run the same number of SQL queries for 1 row as for many.

Every request pays one query before its own work:
  1. the caller's membership joined with its workspace and their user (authentication: the user
     the token names, checked; tenancy: 404 / 403 checks)
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import actions
from tests import factories
from tests.billing.conftest import draft_for, invoice_url, invoices_url, make_session, settings_url

pytestmark = pytest.mark.django_db

MANY = 40


def invoices(workspace, n: int) -> list:
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]
    made = []
    for i in range(n):
        client = factories.ClientFactory(workspace=workspace)
        invoice = draft_for(make_session(workspace, services[: 1 + i % 3], client=client))
        if i % 2:
            invoice = actions.invoice_issue(invoice=invoice)
            actions.payment_record(invoice=invoice, amount=Decimal("1"), method="cash")
        made.append(invoice)
    return made


@pytest.mark.parametrize("rows", [1, MANY])
def test_the_invoice_list_costs_the_same_for_1_and_many(workspace, owner, rows, django_assert_num_queries):
    invoices(workspace, rows)
    # 3. the invoices with their client (clientName) and workspace joined, and their session ids
    #    as one array each (billing.selectors.invoice_queryset), through invoice_ws_date_idx
    with django_assert_num_queries(2):
        response = owner.get(invoices_url(workspace))
    assert len(response.json()["invoices"]) == rows
    with django_assert_num_queries(2):  # a page costs the same
        assert owner.get(invoices_url(workspace) + "?limit=5&status=issued").status_code == 200


@pytest.mark.parametrize("rows", [1, MANY])
def test_an_invoice_costs_the_same_whatever_the_others(workspace, owner, rows, django_assert_num_queries):
    made = invoices(workspace, rows)
    # 3. the invoice, as the list reads it
    with django_assert_num_queries(2):
        assert owner.get(invoice_url(workspace, made[-1])).status_code == 200


@pytest.mark.parametrize("rows", [1, MANY])
def test_an_invoices_payments_cost_the_same_for_1_and_many(workspace, owner, rows, django_assert_num_queries):
    (invoice,) = invoices(workspace, 2)[1:]
    for _ in range(rows - 1):
        actions.payment_record(invoice=invoice, amount=Decimal("0.01"), method="card")
    # 3. the invoice (404 if not this workspace's)
    # 4. its payments, through payment_ws_invoice_idx
    with django_assert_num_queries(3):
        response = owner.get(invoice_url(workspace, invoice, "payments"))
    assert len(response.json()["payments"]) == rows


def test_the_settings_cost_one_query(workspace, owner, django_assert_num_queries):
    # 3. the workspace's settings row (or none: the defaults)
    with django_assert_num_queries(2):
        assert owner.get(settings_url(workspace)).status_code == 200


@pytest.mark.parametrize("rows", [1, MANY])
def test_the_pdf_of_an_issued_invoice_costs_one_query(workspace, owner, rows, django_assert_num_queries):
    made = invoices(workspace, rows + 1)
    # 1. the membership  2. the invoice with client and workspace (an issued invoice prints the
    #    seller it kept)
    with django_assert_num_queries(2):
        assert owner.get(invoice_url(workspace, made[1], "pdf")).status_code == 200


def test_the_pdf_of_a_draft_reads_the_settings_once(workspace, owner, django_assert_num_queries):
    draft = draft_for(make_session(workspace, [factories.ServiceFactory(workspace=workspace)]))
    # 1. the membership  2. the invoice with client and workspace  3. the workspace's settings
    #    (a draft prints the seller as the settings say now)
    with django_assert_num_queries(3):
        response = owner.get(invoice_url(workspace, draft, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
