"""Late-cancellation and no-show fee drafts from the workspace's policy (``fee_draft_for``).

The booking core calls the action from its status change; these tests call it directly, as
that code will, with the booking already in its new status.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing import actions
from billing.models import InvoiceKind, InvoiceStatus
from nutrition.models import ConsultationStatus
from sessions.models import SessionStatus
from tests import factories
from tests.billing.conftest import make_session
from tests.nutrition.factories import NutritionSessionFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # the factories' bookings start at their date, 10:00 UTC


@pytest.fixture
def policy(workspace):
    return actions.billing_settings_update(
        workspace=workspace,
        late_cancel_hours=24,
        late_cancel_fee=Decimal("40"),
        no_show_fee=Decimal("60"),
        tax_rate=Decimal("15"),
    )


def cancelled_session(workspace):
    return make_session(
        workspace, [factories.ServiceFactory(workspace=workspace)], date=START.date(), status=SessionStatus.CANCELLED
    )


def consultation(workspace, status):
    return NutritionSessionFactory(workspace=workspace, date=START.date(), status=status, topic="Weekly check")


def test_a_session_cancelled_late_gets_a_draft_for_the_fee(workspace, policy):
    session = cancelled_session(workspace)
    # when it was cancelled 23 hours before its start
    invoice = actions.fee_draft_for(session, at=START - dt.timedelta(hours=23))
    # then a draft for its client, one line: the fee at the workspace's tax rate
    assert invoice is not None and invoice.status == InvoiceStatus.DRAFT
    assert invoice.kind == InvoiceKind.LATE_CANCEL_FEE and invoice.client_id == session.client_id
    assert invoice.lines == [
        {
            "description": f"Late cancellation fee: {session.name} on 2026-03-10 at 10:00",
            "quantity": "1",
            "unitPrice": "40.00",
            "taxRate": "15.00",
            "total": "40.00",
        }
    ]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("40.00"), Decimal("6.00"), Decimal("46.00"))
    assert list(invoice.session_links.values_list("session_id", flat=True)) == [session.pk]


@pytest.mark.parametrize(("hours_before", "late"), [(25, False), (24, False), (23.99, True), (0, True), (-2, True)])
def test_late_means_less_than_late_cancel_hours_before_the_start(workspace, policy, hours_before, late):
    session = cancelled_session(workspace)
    invoice = actions.fee_draft_for(session, at=START - dt.timedelta(hours=hours_before))
    assert (invoice is not None) is late


def test_no_fee_set_or_another_status_gives_no_draft(workspace):
    session = cancelled_session(workspace)
    assert actions.fee_draft_for(session, at=START) is None  # the workspace set no fee
    actions.billing_settings_update(workspace=workspace, late_cancel_fee=Decimal("0"))
    assert actions.fee_draft_for(session, at=START) is None  # a fee of 0 is none
    actions.billing_settings_update(workspace=workspace, late_cancel_fee=Decimal("10"))
    completed = make_session(workspace, [factories.ServiceFactory(workspace=workspace)], status=SessionStatus.COMPLETED)
    assert actions.fee_draft_for(completed, at=START) is None


def test_a_consultation_marked_no_show_gets_a_draft_for_the_no_show_fee(workspace, policy):
    booking = consultation(workspace, ConsultationStatus.NO_SHOW)
    invoice = actions.fee_draft_for(booking, at=START + dt.timedelta(hours=1))
    assert invoice.kind == InvoiceKind.NO_SHOW_FEE
    assert invoice.lines[0]["description"] == "No-show fee: Weekly check on 2026-03-10 at 10:00"
    assert invoice.lines[0]["unitPrice"] == "60.00"
    assert list(invoice.session_links.values_list("consultation_id", flat=True)) == [booking.pk]


def test_a_consultation_cancelled_late_gets_the_late_cancellation_fee(workspace, policy):
    booking = consultation(workspace, ConsultationStatus.CANCELLED)
    assert actions.fee_draft_for(booking, at=START - dt.timedelta(hours=2)).kind == InvoiceKind.LATE_CANCEL_FEE
    early = consultation(workspace, ConsultationStatus.CANCELLED)
    assert actions.fee_draft_for(early, at=START - dt.timedelta(days=3)) is None


def test_calling_it_twice_makes_one_draft(workspace, policy):
    booking = consultation(workspace, ConsultationStatus.NO_SHOW)
    first = actions.fee_draft_for(booking, at=START)
    assert actions.fee_draft_for(booking, at=START).pk == first.pk
    # once that draft is void, the fee can be drafted again
    actions.invoice_void(invoice=first)
    assert actions.fee_draft_for(booking, at=START).pk != first.pk


def test_the_fee_follows_the_currency_and_is_described_in_the_invoices_language(workspace, monkeypatch):
    actions.billing_settings_update(workspace=workspace, currency="KWD", late_cancel_fee=Decimal("2.5"))
    type(workspace).objects.filter(pk=workspace.pk).update(language="ar")
    workspace.language = "ar"
    session = cancelled_session(workspace)
    invoice = actions.fee_draft_for(session, at=START)
    assert invoice.currency == "KWD" and invoice.lines[0]["unitPrice"] == "2.500"
    assert invoice.lines[0]["description"].startswith("رسوم الإلغاء المتأخر")


def test_a_fee_draft_can_be_issued_like_any_draft(workspace, policy):
    invoice = actions.fee_draft_for(consultation(workspace, ConsultationStatus.NO_SHOW), at=START)
    issued = actions.invoice_issue(invoice=invoice)
    assert issued.status == InvoiceStatus.ISSUED and issued.sequence == 1


# -- through the doors: the booking core's status change drafts the fee ------------------------


def _soon(hours: float) -> tuple[str, str]:
    """A date and start time ``hours`` from now, in UTC (the factories' workspaces are in UTC)."""
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return start.date().isoformat(), start.strftime("%H:%M")


def test_a_late_cancellation_through_the_api_drafts_the_fee_once(workspace, owner, policy):
    # given a session starting in 5 hours (the policy: 24 hours' notice, a fee of 40)
    client = factories.ClientFactory(workspace=workspace)
    day, start = _soon(5)
    body = {"name": "Visit", "clientId": client.pk, "serviceIds": [factories.ServiceFactory(workspace=workspace).pk],
            "date": day, "startTime": start}  # fmt: skip
    sessions = f"/api/v1/workspace/{workspace.pk}/sessions"
    session = owner.post(sessions, body, format="json").json()["session"]

    # when it is cancelled through the API, then a draft for the fee is there, in the same write
    assert owner.patch(f"{sessions}/{session['id']}", {"status": "cancelled"}, format="json").status_code == 200
    (draft,) = owner.get(f"/api/v1/workspace/{workspace.pk}/invoices").json()["invoices"]
    assert (draft["status"], draft["total"], draft["sessionIds"]) == ("draft", 46.0, [session["id"]])  # 40 + 15% tax

    # and the same status again drafts nothing more
    owner.patch(f"{sessions}/{session['id']}", {"status": "cancelled"}, format="json")
    assert len(owner.get(f"/api/v1/workspace/{workspace.pk}/invoices").json()["invoices"]) == 1


def test_an_early_cancellation_and_a_completion_draft_nothing(workspace, owner, policy):
    client = factories.ClientFactory(workspace=workspace)
    sessions = f"/api/v1/workspace/{workspace.pk}/sessions"
    service = factories.ServiceFactory(workspace=workspace).pk
    for hours, status in ((72, "cancelled"), (5, "completed")):
        day, start = _soon(hours)
        body = {"name": "Visit", "clientId": client.pk, "serviceIds": [service], "date": day, "startTime": start}
        session = owner.post(sessions, body, format="json").json()["session"]
        assert owner.patch(f"{sessions}/{session['id']}", {"status": status}, format="json").status_code == 200
    assert owner.get(f"/api/v1/workspace/{workspace.pk}/invoices").json()["invoices"] == []


def test_a_no_show_marked_through_the_api_drafts_the_no_show_fee(workspace, owner, policy):
    client = factories.ClientFactory(workspace=workspace)
    consultations = f"/api/v1/workspace/{workspace.pk}/nutrition/sessions"
    day, start = _soon(-2)
    body = {"clientId": client.pk, "type": "online", "date": day, "startTime": start, "topic": "Weekly"}
    consultation_id = owner.post(consultations, body, format="json").json()["session"]["id"]

    assert owner.patch(f"{consultations}/{consultation_id}", {"status": "no_show"}, format="json").status_code == 200

    (draft,) = owner.get(f"/api/v1/workspace/{workspace.pk}/invoices").json()["invoices"]
    assert draft["total"] == 69.0 and draft["sessionIds"] == [consultation_id]  # 60 + 15% tax
