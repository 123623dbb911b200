"""The session's ``invoice`` field: its invoice in short, for lists in one query.

Which invoice: the newest that is not void, else the newest void one; none: null.
"""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from billing import actions
from billing.selectors import invoice_summary_from_json, session_invoice_json, session_invoice_summaries
from config.api.rendering import JSONRenderer
from sessions.models import Session
from tests import factories
from tests.billing.conftest import draft_for, issued_for, make_session

pytestmark = pytest.mark.django_db


def annotated(workspace) -> dict[str, dict | None]:
    rows = Session.objects.filter(workspace=workspace).values("pk", invoice_json=session_invoice_json())
    return {row["pk"]: invoice_summary_from_json(row["invoice_json"]) for row in rows}


def test_a_session_no_invoice_includes_shows_null(practice):
    assert session_invoice_summaries(workspace_id=practice.workspace.pk, session_ids=[practice.session.pk]) == {}
    assert annotated(practice.workspace) == {practice.session.pk: None}


def test_a_session_shows_its_invoice_in_short(practice):
    invoice = issued_for(practice.session)
    actions.payment_record(invoice=invoice, amount=Decimal("50"), method="cash")
    expected = {
        "id": invoice.pk,
        "number": invoice.number,
        "status": "issued",
        "total": Decimal("199.99"),
        "paidAmount": Decimal("50.00"),
        "currency": "USD",
    }
    assert session_invoice_summaries(workspace_id=practice.workspace.pk, session_ids=[practice.session.pk]) == {
        practice.session.pk: expected
    }
    summary = annotated(practice.workspace)[practice.session.pk]
    assert summary == expected
    # written as the API writes money: JSON numbers with the currency's decimals, keys in order
    assert JSONRenderer().render(summary) == (
        b'{"id":"%s","number":"%s","status":"issued","total":199.99,"paidAmount":50.00,"currency":"USD"}'
        % (invoice.pk.encode(), invoice.number.encode())
    )


@pytest.mark.parametrize("currency", ["JPY", "USD", "KWD"])
def test_the_amounts_keep_the_currencys_decimals(practice, currency):
    actions.billing_settings_update(workspace=practice.workspace, currency=currency)
    draft_for(practice.session)
    summary = annotated(practice.workspace)[practice.session.pk]
    text = {"JPY": b'"total":200,', "USD": b'"total":199.99,', "KWD": b'"total":199.990,'}[currency]
    assert text in JSONRenderer().render(summary)
    assert (
        summary
        == session_invoice_summaries(workspace_id=practice.workspace.pk, session_ids=[practice.session.pk])[
            practice.session.pk
        ]
    )


def test_the_newest_invoice_that_is_not_void_wins_else_the_newest_void(practice):
    session = practice.session
    first = issued_for(session)
    actions.invoice_void(invoice=first)
    # only a void one: that one
    assert annotated(practice.workspace)[session.pk]["id"] == first.pk
    second = draft_for(session)
    # a live one beats a newer void one
    assert annotated(practice.workspace)[session.pk]["id"] == second.pk
    # and stays the one shown when a newer invoice of the session (a late cancellation fee) is void
    actions.billing_settings_update(workspace=practice.workspace, late_cancel_fee=Decimal("10"))
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    session.refresh_from_db()
    fee = actions.invoice_void(invoice=actions.fee_draft_for(session, at=session.starts_at))
    assert fee.created_at > second.created_at
    assert annotated(practice.workspace)[session.pk]["id"] == second.pk
    assert session_invoice_summaries(workspace_id=practice.workspace.pk, session_ids=[session.pk])[session.pk][
        "id"
    ] == (second.pk)


def test_many_sessions_in_one_query_each(workspace, django_assert_num_queries):
    services = [factories.ServiceFactory(workspace=workspace)]
    sessions = [make_session(workspace, services) for _ in range(12)]
    for session in sessions[::2]:
        draft_for(session)
    ids = [session.pk for session in sessions]
    # the selector: one query for all of them
    with django_assert_num_queries(1):
        summaries = session_invoice_summaries(workspace_id=workspace.pk, session_ids=ids)
    assert set(summaries) == set(ids[::2])
    # the expression: the session query itself, still one query
    with django_assert_num_queries(1):
        rows = annotated(workspace)
    assert {pk for pk, summary in rows.items() if summary} == set(ids[::2])
    assert all(rows[pk] == summaries[pk] for pk in summaries)


def test_another_workspaces_invoice_never_shows(practice, other_workspace):
    draft_for(practice.session)
    assert session_invoice_summaries(workspace_id=other_workspace.pk, session_ids=[practice.session.pk]) == {}


def test_the_text_parses_to_what_orjson_would_lose(practice):
    draft_for(practice.session)
    text = Session.objects.filter(pk=practice.session.pk).values_list(session_invoice_json(), flat=True).get()
    assert orjson.loads(text)["total"] == 199.99  # a float: 150.00 would come back as 150.0
    assert isinstance(invoice_summary_from_json(text)["total"], Decimal)
