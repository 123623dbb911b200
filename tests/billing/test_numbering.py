"""Invoice numbers: the next of the workspace and year, unique and without gaps, under concurrency.

Real threads, each with its own connection, against the real PostgreSQL (``transaction=True``:
every issue commits or rolls back for real).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from billing import actions
from billing.models import Invoice, InvoiceCounter, InvoiceStatus
from tests import factories
from tests.billing.conftest import draft_for, invoice_url, make_session
from tests.conftest import bearer

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 50


def drafts(workspace, count: int) -> list[Invoice]:
    service = factories.ServiceFactory(workspace=workspace)
    client = factories.ClientFactory(workspace=workspace)
    return [draft_for(make_session(workspace, [service], client=client)) for _ in range(count)]


def at_once(calls) -> list:
    """Run every call in its own thread, all released together; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as exc:  # reported by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_invoices_issued_at_once_get_1_to_50_without_gap_or_repeat(workspace, owner):
    # given 50 drafts of one workspace, and 50 callers each with a connection of its own
    invoices = drafts(workspace, AT_ONCE)
    clients = [bearer(owner.user) for _ in invoices]
    # when all 50 are issued at the same moment through the API
    calls = [
        (lambda client=client, invoice=invoice: client.post(invoice_url(workspace, invoice, "issue")))
        for client, invoice in zip(clients, invoices, strict=True)
    ]
    responses = at_once(calls)
    # then every issue succeeded, and the numbers are exactly 1..50: none repeated, none skipped
    assert [getattr(r, "status_code", r) for r in responses] == [200] * AT_ONCE
    year = dt.date.today().year
    numbers = sorted(r.json()["invoice"]["number"] for r in responses)
    assert numbers == [f"INV-{year}-{n:06d}" for n in range(1, AT_ONCE + 1)]
    stored = Invoice.objects.filter(workspace=workspace).order_by("sequence")
    assert [invoice.sequence for invoice in stored] == list(range(1, AT_ONCE + 1))
    assert InvoiceCounter.objects.get(workspace=workspace, year=year).last_number == AT_ONCE


def test_a_rolled_back_issue_leaves_no_gap(workspace):
    first, second = drafts(workspace, 2)
    # given an issue whose transaction fails after the number was taken
    with pytest.raises(RuntimeError), transaction.atomic():
        issued = actions.invoice_issue(invoice=first)
        assert issued.sequence == 1
        raise RuntimeError("something after the issue failed")
    # then the number went back with it: the next issue takes 1 again, and the first is a draft
    assert actions.invoice_issue(invoice=second).sequence == 1
    first.refresh_from_db()
    assert first.status == InvoiceStatus.DRAFT and first.number is None
    assert actions.invoice_issue(invoice=first).sequence == 2


def test_an_issue_failing_inside_the_request_leaves_no_gap(workspace, owner, monkeypatch):
    first, second = drafts(workspace, 2)
    # given the API's issue fails after taking its number (a 500 answered by the one handler)
    original = actions.seller_details
    monkeypatch.setattr(actions, "seller_details", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    assert owner.post(invoice_url(workspace, first, "issue")).status_code == 500
    monkeypatch.setattr(actions, "seller_details", original)
    # when the next invoice is issued, then it takes the number the failed one gave back
    response = owner.post(invoice_url(workspace, second, "issue"))
    assert response.status_code == 200
    assert response.json()["invoice"]["number"].endswith("-000001")


def test_an_issue_waits_for_one_in_flight_and_takes_its_number_when_it_rolls_back(workspace):
    first, second = drafts(workspace, 2)
    holding, release = threading.Event(), threading.Event()

    def issue_then_roll_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.invoice_issue(invoice=first)  # takes 1 and holds the counter row
            holding.set()
            release.wait(timeout=30)
            raise RuntimeError("rolled back")

    def issue_meanwhile():
        holding.wait(timeout=30)
        started = time.monotonic()
        invoice = actions.invoice_issue(invoice=second)  # waits on the counter row
        return invoice.sequence, time.monotonic() - started

    def let_go():
        holding.wait(timeout=30)
        time.sleep(0.5)  # the second issue is now waiting on the counter row
        release.set()

    # given an issue in flight holding number 1, and another issue started meanwhile
    results = at_once([issue_then_roll_back, issue_meanwhile, let_go])
    # then the second waited for the first to end, and took 1 when the first rolled back
    sequence, waited = results[1]
    assert sequence == 1
    assert waited >= 0.4
    assert list(
        Invoice.objects.filter(workspace=workspace, sequence__isnull=False).values_list("sequence", flat=True)
    ) == [1]


def test_numbers_are_per_workspace_and_per_year(workspace, other_workspace):
    mine, theirs = drafts(workspace, 2), drafts(other_workspace, 1)
    assert actions.invoice_issue(invoice=mine[0], at=dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC)).number == (
        "INV-2025-000001"
    )
    # the other workspace counts on its own; a new year starts again from 1
    assert actions.invoice_issue(invoice=theirs[0]).sequence == 1
    assert actions.invoice_issue(invoice=mine[1], at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)).number == (
        "INV-2026-000001"
    )


def test_the_year_is_the_workspaces_local_one(workspace):
    # given a workspace in Riyadh (UTC+3): 22:30 UTC on 31 December is already 1 January there
    workspace.timezone = "Asia/Riyadh"
    workspace.save()
    (invoice,) = drafts(workspace, 1)
    issued = actions.invoice_issue(invoice=invoice, at=dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC))
    assert issued.number == "INV-2026-000001"
    assert issued.date == dt.date(2026, 1, 1)


def test_the_prefix_is_the_workspaces(workspace):
    actions.billing_settings_update(workspace=workspace, invoice_prefix="SHF")
    (invoice,) = drafts(workspace, 1)
    assert actions.invoice_issue(invoice=invoice, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)).number == "SHF-2026-000001"
