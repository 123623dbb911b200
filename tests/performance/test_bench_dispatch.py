"""The benchmark's records and dispatch floors (bench/records.py, bench/dispatch.py, bench/floor.py)
do what the app does, so that their figures compare like with like.

- ``seed_records`` writes rows the API reads back as the floor does (the list's notes,
  attachments and invoice summaries), and leaves the numbering where the next issue continues it;
- the issue floor numbers as ``billing.actions.invoice_issue`` does: the same invoice afterwards,
  and gapless with the app's own issues when both run at once;
- the webhook floor sends what the worker sends (the same data, body and headers) and its
  signature verifies with the receiver's check.
"""

from __future__ import annotations

import datetime as dt
import http.client
import threading

import orjson
import psycopg
import pytest
from django.db import connection

from bench import dispatch, floor
from bench.records import seed_records
from billing import actions
from billing.models import Invoice, InvoiceStatus
from notifications import webhooks
from notifications.events import KINDS
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from sessions.models import Session
from tests import factories
from tests.billing.conftest import draft_for, invoice_url
from tests.sessions.conftest import session_url, sessions_url
from tests.sessions.factories import SessionFactory
from tests.test_project import _test_database_url
from workspaces.roles import Role

#: what an issue sets differently for two invoices of the same services (ids, number, times)
OWN = {"id", "number", "sessionIds", "issuedAt", "createdAt", "updatedAt"}


def team_sessions(workspace, count: int, day: dt.date = dt.date(2024, 3, 4)) -> list[Session]:
    """Sessions over a week, most with a staff member and priced services (one without services)."""
    staff = [factories.MembershipFactory(workspace=workspace, role=role) for role in (Role.SPECIALIST, Role.ADMIN)]
    factories.MembershipFactory(workspace=workspace, role=Role.ASSISTANT, user__name="")
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]
    return [
        SessionFactory(
            workspace=workspace,
            staff=staff[i % 2] if i % 5 else None,
            services=[] if i == 0 else services[i % 3 :] or services,
            date=day + dt.timedelta(days=i % 6),
            start_time=dt.time(8 + i % 9),
            status="cancelled" if i % 7 == 3 else ("completed" if i % 2 else "scheduled"),
        )
        for i in range(count)
    ]


@pytest.mark.django_db
def test_seed_records_are_read_back_by_the_api_list_as_by_the_floor(workspace, owner, member_client):
    # given sessions, and an invoice issued by the app before
    sessions = team_sessions(workspace, 40)
    actions.invoice_issue(invoice=draft_for(sessions[1]))
    connection.ensure_connection()

    # when seed_records gives them notes, attachments and invoices
    counts = seed_records(connection.connection, workspace.pk, "2024-03-04", "2024-03-09", seed=3)

    # then the API's list and the floor's give the same JSON, for an owner and for a viewer
    params = {"dateFrom": "2024-03-04", "dateTo": "2024-03-09"}
    api = owner.get(sessions_url(workspace), params)
    assert api.status_code == 200
    assert orjson.loads(floor.list_json(connection.connection, workspace.pk, *params.values())) == api.json()
    viewer = member_client(Role.VIEWER).get(sessions_url(workspace), params)
    theirs = floor.list_json(connection.connection, workspace.pk, *params.values(), private=False)
    assert orjson.loads(theirs) == viewer.json()
    # and the mix is there: 2-4 notes a session, attachments, every kind of invoice
    listed = api.json()["sessions"]
    assert all(2 <= len(s["notes"]) <= 4 for s in listed)
    assert {n["visibility"] for s in listed for n in s["notes"]} == {"private", "shared"}
    assert sum(len(s["attachments"]) for s in listed) == counts["attachments"] > 0
    assert sum(len(s["notes"]) for s in listed) == counts["notes"]
    assert {s["invoice"]["status"] for s in listed if s["invoice"]} >= {"draft", "issued", "paid"}
    assert counts["invoices_void"] > 0 and counts["invoiced_sessions"] >= len(listed) // 2
    # a session voided and invoiced again shows its newer invoice
    links = Invoice.objects.filter(workspace=workspace, session_links__session__isnull=False)
    invoiced_again = 0
    for session in listed:
        mine = links.filter(session_links__session_id=session["id"]).order_by("-created_at", "-id")
        if mine.count() == 2:
            invoiced_again += 1
            assert mine[1].status == InvoiceStatus.VOID and session["invoice"]["id"] == mine[0].pk
    assert invoiced_again > 0
    # and the numbers stay gapless: the app's next issue continues them
    numbered = dispatch.check_numbers(connection.connection, workspace.pk)
    fresh = SessionFactory(workspace=workspace, services=[factories.ServiceFactory(workspace=workspace)])
    issued = actions.invoice_issue(invoice=draft_for(fresh))
    assert issued.sequence == numbered[issued.year] + 1
    dispatch.check_numbers(connection.connection, workspace.pk)


@pytest.mark.django_db
def test_the_issue_floor_leaves_the_invoice_the_api_issue_leaves(workspace, owner):
    # given two drafts of the same services in a workspace with billing settings
    actions.billing_settings_update(workspace=workspace, invoice_prefix="NIL", legal_name="Nile Clinic LLC")
    service = factories.ServiceFactory(workspace=workspace)
    client = factories.ClientFactory(workspace=workspace, name="Layla Hassan")
    by_api, by_floor = (
        draft_for(SessionFactory(workspace=workspace, client=client, services=[service])) for _ in range(2)
    )

    # when one is issued through the API and the other by the floor's statement
    answered = owner.post(invoice_url(workspace, by_api, "issue"))
    assert answered.status_code == 200
    connection.ensure_connection()
    number = floor.issue_invoice(connection.connection, workspace.pk, by_floor.pk)

    # then the floor took the next number and left the same invoice (the API reads both)
    year = dt.date.today().year
    assert answered.json()["invoice"]["number"] == f"NIL-{year}-000001" and number == f"NIL-{year}-000002"
    api = {k: v for k, v in answered.json()["invoice"].items() if k not in OWN}
    mine = owner.get(invoice_url(workspace, by_floor)).json()["invoice"]
    assert {k: v for k, v in mine.items() if k not in OWN} == api
    assert Invoice.objects.get(pk=by_floor.pk).seller == Invoice.objects.get(pk=by_api.pk).seller
    # and an invoice that is not a draft is left alone, its number not taken
    assert floor.issue_invoice(connection.connection, workspace.pk, by_floor.pk) is None
    assert dispatch.check_numbers(connection.connection, workspace.pk) == {year: 2}


@pytest.mark.django_db(transaction=True)
def test_floor_and_app_issuing_at_once_share_one_gapless_numbering(workspace):
    # given 24 drafts, and 3 threads issuing by the floor and 3 by the app's action, all at once
    service = factories.ServiceFactory(workspace=workspace)
    drafts = [draft_for(SessionFactory(workspace=workspace, services=[service])) for _ in range(24)]
    failures: list[BaseException] = []
    barrier = threading.Barrier(6)

    def by_floor(mine: list[Invoice]) -> None:
        with psycopg.connect(_test_database_url(), autocommit=True) as conn:
            barrier.wait(timeout=30)
            for invoice in mine:
                if floor.issue_invoice(conn, workspace.pk, invoice.pk) is None:
                    failures.append(AssertionError(invoice.pk))

    def by_app(mine: list[Invoice]) -> None:
        try:
            barrier.wait(timeout=30)
            for invoice in mine:
                actions.invoice_issue(invoice=invoice)
        except BaseException as exc:  # reported by the test
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=(by_floor if i % 2 else by_app), args=(drafts[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every draft is issued and the numbers are 1..24, none twice, the counter at 24
    assert failures == []
    assert Invoice.objects.filter(workspace=workspace, status=InvoiceStatus.ISSUED).count() == 24
    with psycopg.connect(_test_database_url(), autocommit=True) as conn:
        assert dispatch.check_numbers(conn, workspace.pk) == {dt.date.today().year: 24}


@pytest.mark.django_db
def test_the_webhook_floor_sends_what_the_worker_sends_signed_for_the_receiver(workspace, owner):
    # given a session with records (private and shared) and an invoice, an endpoint for its changes
    session = team_sessions(workspace, 2)[1]  # (the first has no services)
    connection.ensure_connection()
    seed_records(connection.connection, workspace.pk, session.date.isoformat(), session.date.isoformat(), seed=5)
    receiver = dispatch.Receiver()
    try:
        endpoint_id, receiver.secret = dispatch.register_endpoint(
            connection.connection, workspace.pk, receiver.url, ["session.updated"]
        )
        # and a change through the API: one pending delivery, its event's data not read yet
        changed = owner.patch(session_url(workspace, session), {"name": "Renamed"}, format="json")
        assert changed.status_code == 200
        (row,) = connection.connection.execute(dispatch.PENDING_SQL, (workspace.pk, endpoint_id)).fetchall()
        assert row[5] is None

        # when the floor's dispatcher sends it over a persistent connection
        sender = dispatch.FloorDispatcher(_test_database_url(), receiver.port, "/hooks")
        http_conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
        try:
            sender(row, (connection.connection, http_conn))
        finally:
            http_conn.close()

        # then the receiver verified its signature and counted it once, sent as the worker sends it
        assert receiver.count() == 1 and receiver.bad == 0 and receiver.repeats == 0
        assert receiver.last_headers["user-agent"] == webhooks.USER_AGENT
        assert receiver.last_headers["content-type"] == "application/json"
        # (a check that refuses a wrong signature)
        forged = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
        stamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
        forged.request("POST", "/hooks", b"{}", {"webhook-id": row[1], "webhook-timestamp": stamp,
                                                  "webhook-signature": "v1,AAAA"})  # fmt: skip
        assert forged.getresponse().status == 400 and receiver.bad == 1
        forged.close()
    finally:
        receiver.stop()
    # and the data it kept is the session as the worker reads it (no private notes or files)
    event = WebhookEvent.objects.get(pk=row[1])
    expected = KINDS[Session].read(workspace_id=workspace.pk, object_id=session.pk)
    assert orjson.loads(event.data) == orjson.loads(orjson.dumps(expected))
    assert expected["notes"] and all(n["visibility"] == "shared" for n in expected["notes"])
    # and the body it signed is the worker's, byte for byte (notifications.webhooks.payload)
    event_id, body = dispatch.delivery_body(connection.connection, (*row[:5], event.data, *row[6:]))
    assert event_id == event.pk and body == webhooks.payload(event)
    # and the delivery is settled as the worker settles one: succeeded, one attempt, no job left
    delivery = WebhookDelivery.objects.get(pk=row[0])
    assert delivery.state == "succeeded" and delivery.attempt_count == 1 and delivery.last_status_code == 204
    assert WebhookAttempt.objects.filter(delivery_id=delivery.pk, status_code=204).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE lock = %s", [f"webhook-delivery-{row[0]}"])
        assert cursor.fetchone()[0] == 0
