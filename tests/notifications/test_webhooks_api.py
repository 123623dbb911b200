"""Webhook endpoints through the API: access, validation, isolation, the events a write queues,
query counts, and the address checks (at creation and again at each attempt)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from notifications import addresses, webhooks
from notifications.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.queue import Backoff
from notifications.tasks import EMAIL_RETRY, WEBHOOK_RETRY
from services import actions as service_actions
from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.conftest import bearer
from workspaces import actions as workspace_actions

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"  # allowed only with WEBHOOK_ALLOW_PRIVATE_URLS


@pytest.fixture
def private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def webhooks_url(workspace, rest: str = "") -> str:
    return f"/api/v1/workspace/{workspace.pk}/webhooks{rest}"


def make_endpoint(workspace, events=("client.created",), url=URL) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        workspace=workspace, url=url, events=list(events), secret=webhooks.new_secret()
    )


def jobs(task_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s", [task_name])
        return cursor.fetchone()[0]


# --- access --------------------------------------------------------------------------------


def _endpoints() -> list[Endpoint]:
    def one(workspace):
        return webhooks_url(workspace, f"/{make_endpoint(workspace).pk}")

    def deliveries(workspace):
        return webhooks_url(workspace, f"/{make_endpoint(workspace).pk}/deliveries")

    def retry(workspace):
        endpoint = make_endpoint(workspace)
        event = WebhookEvent.objects.create(
            workspace=workspace,
            type="client.created",
            object_kind="client",
            object_id="0" * 24,
            history_id="0" * 24,
            door="api",
            occurred_at=dt.datetime.now(dt.UTC),
        )
        delivery = WebhookDelivery.objects.create(
            workspace=workspace, endpoint=endpoint, event=event, state=DeliveryState.FAILED
        )
        return webhooks_url(workspace, f"/{endpoint.pk}/deliveries/{delivery.pk}/retry")

    return [
        Endpoint("GET", webhooks_url, "webhooks.manage"),
        Endpoint("POST", webhooks_url, "webhooks.manage", body=lambda w: {"url": URL, "events": ["client.created"]}),
        Endpoint("GET", one, "webhooks.manage"),
        Endpoint("PATCH", one, "webhooks.manage", body=lambda w: {"isActive": False}),
        Endpoint("DELETE", one, "webhooks.manage"),
        Endpoint("GET", deliveries, "webhooks.manage"),
        Endpoint("POST", retry, "webhooks.manage", ok=(202,)),
    ]


@pytest.mark.parametrize("endpoint", _endpoints(), ids=lambda e: f"{e.method} {e.path.__name__}")
def test_access_follows_the_contracts_order(endpoint, workspace, private_allowed):
    assert_access_order(endpoint, workspace)


def test_another_workspaces_endpoint_and_deliveries_are_not_found(owner, workspace, other_workspace, private_allowed):
    theirs = make_endpoint(other_workspace)
    for path in (f"/{theirs.pk}", f"/{theirs.pk}/deliveries"):
        response = owner.get(webhooks_url(workspace, path))
        assert response.status_code == 404, path
    assert owner.delete(webhooks_url(workspace, f"/{theirs.pk}")).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


# --- create, change, delete ------------------------------------------------------------------


def test_create_answers_the_secret_once(owner, workspace, private_allowed):
    response = owner.post(
        webhooks_url(workspace),
        {"url": URL, "events": ["session.created", "session.created", "client.deleted"], "secret": "ignored"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()["webhook"]
    assert set(created) == {"id", "url", "events", "isActive", "secret", "createdAt"}
    assert created["events"] == ["session.created", "client.deleted"] and created["isActive"] is True
    assert created["secret"].startswith("whsec_") and created["secret"] != "ignored"
    listed = owner.get(webhooks_url(workspace)).json()["webhooks"]
    assert listed == [{key: value for key, value in created.items() if key != "secret"}]
    assert "secret" not in owner.get(webhooks_url(workspace, f"/{created['id']}")).json()["webhook"]
    # its history is kept, without the secret
    history = WebhookEndpoint.history.filter(id=created["id"])
    assert history.count() == 1 and not hasattr(history.get(), "secret")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.com/x", "url_not_https"),
        ("ftp://hooks.example.com/x", "url_not_https"),
        ("https://127.0.0.1/x", "url_not_public"),
        ("https://localhost:8443/x", "url_not_public"),
        ("https://[::1]/x", "url_not_public"),
        ("https://10.1.2.3/x", "url_not_public"),
        ("https://169.254.169.254/latest/meta-data", "url_not_public"),
        ("https://no-such-host.invalid/x", "url_unresolved"),
        ("https://", "invalid"),
        ("https://example.com:99999/x", "invalid"),
    ],
)
def test_a_url_must_be_https_and_public(owner, workspace, url, code):
    response = owner.post(webhooks_url(workspace), {"url": url, "events": ["client.created"]}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and "url" in error["fields"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["session.exploded"]}, "events"),
        ({"url": URL, "events": "client.created"}, "events"),
        ({"url": URL}, "events"),
        ({"events": ["client.created"]}, "url"),
        ({"url": URL, "events": ["client.created"], "isActive": "yes"}, "isActive"),
        ({"url": URL, "events": ["client.created"], "secretKey": "x"}, "secretKey"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(owner, workspace, private_allowed, body, field):
    response = owner.post(webhooks_url(workspace), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_a_changed_url_is_checked_again(owner, workspace, private_allowed, settings):
    endpoint = make_endpoint(workspace)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = owner.patch(webhooks_url(workspace, f"/{endpoint.pk}"), {"url": "https://127.0.0.2/x"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "url_not_public"
    response = owner.patch(webhooks_url(workspace, f"/{endpoint.pk}"), {"events": ["service.updated"]}, format="json")
    assert response.status_code == 200 and response.json()["webhook"]["events"] == ["service.updated"]


def test_a_host_name_that_does_not_answer_in_time_is_unresolved(monkeypatch):
    # a resolver that hangs (getaddrinfo has no timeout): the check gives up after RESOLVE_SECONDS
    import socket
    import time

    monkeypatch.setattr(addresses, "RESOLVE_SECONDS", 0.2)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(2) or [])
    started = time.monotonic()
    assert addresses._resolve("slow.example.com", 443) == ()
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
    ],
)
def test_what_counts_as_a_public_address(address, public):
    assert addresses.is_public(address) is public


# --- events a write queues -------------------------------------------------------------------


def test_a_write_queues_one_event_per_subscribed_endpoint_with_its_jobs(workspace):
    # given two endpoints for client.created, one for client.updated, one inactive
    first, second = make_endpoint(workspace), make_endpoint(workspace)
    make_endpoint(workspace, events=["client.updated"])
    inactive = make_endpoint(workspace)
    inactive.is_active = False
    inactive.save()

    # when a client is created
    client = workspace_actions.client_create(workspace=workspace, name="Mona", email="mona@example.com")

    # then one event, two deliveries and two jobs, in the write's transaction
    (event,) = WebhookEvent.objects.all()
    assert (event.type, event.object_id, event.changed_fields, event.data) == ("client.created", client.pk, [], None)
    assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == {first.pk, second.pk}
    assert jobs("notifications.deliver_webhook") == 2


def test_a_change_names_its_changed_fields_and_a_soft_deleted_service_is_deleted(workspace):
    make_endpoint(workspace, events=["client.updated", "service.updated", "service.deleted"])
    client = factories.ClientFactory(workspace=workspace)
    workspace_actions.client_update(client=client, name="New name", phone="+20 1")
    service = factories.ServiceFactory(workspace=workspace)
    service_actions.service_update(service=service, price=5)
    service_actions.service_delete(service=service)

    events = list(WebhookEvent.objects.order_by("occurred_at").values_list("type", "changed_fields"))
    assert events == [
        ("client.updated", ["name", "phone"]),
        ("service.updated", ["price"]),
        ("service.deleted", []),
    ]


def test_an_invoice_fires_issued_paid_and_voided_and_nothing_for_a_draft(workspace):
    from decimal import Decimal

    from billing import actions as billing
    from notifications.events import kind_of
    from tests.billing.conftest import make_session

    make_endpoint(workspace, events=["invoice.issued", "invoice.paid", "invoice.voided"])
    services = [factories.ServiceFactory(workspace=workspace, price=Decimal("100.00"))]
    # a draft made and edited: no event
    draft = billing.invoice_draft_for_session(session=make_session(workspace, services))
    billing.invoice_update(invoice=draft, note="Thanks")
    assert not WebhookEvent.objects.exists()
    # issued, paid in two parts (the first changes no status), another issued and voided
    invoice = billing.invoice_issue(invoice=draft)
    billing.payment_record(invoice=invoice, amount=Decimal("40.00"), method="cash")
    billing.payment_record(invoice=invoice, amount=Decimal("60.00"), method="cash")
    other = billing.invoice_issue(invoice=billing.invoice_draft_for_session(session=make_session(workspace, services)))
    billing.invoice_void(invoice=other)
    # a free one: issued and paid at once, both said
    free = [factories.ServiceFactory(workspace=workspace, price=Decimal("0.00"))]
    zero = billing.invoice_issue(invoice=billing.invoice_draft_for_session(session=make_session(workspace, free)))

    events = list(WebhookEvent.objects.order_by("occurred_at", "history_id").values_list("type", "object_id"))
    assert events == [
        ("invoice.issued", invoice.pk),
        ("invoice.paid", invoice.pk),
        ("invoice.issued", other.pk),
        ("invoice.voided", other.pk),
        ("invoice.issued", zero.pk),
        ("invoice.paid", zero.pk),
    ]
    assert WebhookDelivery.objects.count() == len(events)
    # what a delivery carries: the invoice in the API's shape
    data = kind_of(type(invoice)).read(workspace_id=workspace.pk, object_id=invoice.pk)
    assert (data["id"], data["status"], data["number"], data["paidAmount"]) == (
        invoice.pk,
        "paid",
        invoice.number,
        Decimal("100.00"),
    )
    assert data["sessionIds"] == [invoice.session_links.get().session_id]


def test_a_deleted_object_carries_its_last_state(workspace):
    make_endpoint(workspace, events=["client.deleted"])
    client = factories.ClientFactory(workspace=workspace, name="Gone")
    client_id = client.pk
    workspace_actions.client_delete(client=client)
    (event,) = WebhookEvent.objects.all()
    assert event.type == "client.deleted" and '"name":"Gone"' in event.data and f'"id":"{client_id}"' in event.data


def test_no_subscriber_costs_one_query_and_writes_nothing(workspace, django_assert_num_queries):
    make_endpoint(workspace, events=["session.created"])
    client = factories.ClientFactory(workspace=workspace)
    # UPDATE the client, INSERT its history row, SELECT the endpoints for client.updated: none
    with django_assert_num_queries(3):
        workspace_actions.client_update(client=client, name="Same")
    assert not WebhookEvent.objects.exists()


def test_a_write_that_rolls_back_leaves_no_event_delivery_or_job(workspace):
    make_endpoint(workspace)

    class RolledBackError(Exception):
        pass

    with pytest.raises(RolledBackError), transaction.atomic():
        workspace_actions.client_create(workspace=workspace, name="Never")
        raise RolledBackError
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
    assert jobs("notifications.deliver_webhook") == 0


# --- attempts --------------------------------------------------------------------------------


def test_the_address_is_checked_again_before_each_attempt(workspace, private_allowed, settings, receiver):
    # given an endpoint on loopback, allowed when it was made
    endpoint = make_endpoint(workspace, url=receiver.url)
    workspace_actions.client_create(workspace=workspace, name="Mona")
    delivery = WebhookDelivery.objects.get()

    # when loopback is no longer allowed (as when a name's DNS changes to a private address)
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(webhooks.DeliveryError):
        webhooks.attempt(delivery.pk, manual=False, failures_before=0, backoff=WEBHOOK_RETRY)

    # then nothing was sent, and the attempt says why
    assert receiver.received() == []
    (attempt,) = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None and "must start with https" in attempt.error
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.next_attempt_at is not None
    assert endpoint.pk == delivery.endpoint_id


def test_retrying_a_pending_delivery_is_a_409(owner, workspace, private_allowed):
    endpoint = make_endpoint(workspace)
    workspace_actions.client_create(workspace=workspace, name="Mona")
    delivery = WebhookDelivery.objects.get()
    response = owner.post(webhooks_url(workspace, f"/{endpoint.pk}/deliveries/{delivery.pk}/retry"))
    assert response.status_code == 409 and response.json()["error"]["code"] == "delivery_in_progress"


def test_the_default_schedules_retry_webhooks_for_at_least_a_day():
    # 30 s, 1 min, 2 min ... at most 6 h apart, until 24 h have passed since the first try
    failures = 1
    while not WEBHOOK_RETRY.gives_up_after(failures):
        failures += 1
    assert WEBHOOK_RETRY.waited(failures - 1) >= 24 * 3600
    assert [WEBHOOK_RETRY.delay(n) for n in (1, 2, 3)] == [30, 60, 120]
    assert max(WEBHOOK_RETRY.delay(n) for n in range(1, failures)) == 6 * 3600
    assert isinstance(EMAIL_RETRY, Backoff) and EMAIL_RETRY.waited(3) == 60 + 120 + 240


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 30])
def test_listing_endpoints_costs_the_same_for_1_and_many(owner, workspace, rows, django_assert_num_queries):
    for _ in range(rows):
        make_endpoint(workspace)
    # 1. the caller's membership with its workspace and user  2. the endpoints
    with django_assert_num_queries(2):
        response = owner.get(webhooks_url(workspace))
    assert len(response.json()["webhooks"]) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_reading_one_endpoint_costs_the_same_for_1_and_many(owner, workspace, rows, django_assert_num_queries):
    endpoints = [make_endpoint(workspace) for _ in range(rows)]
    # 1. the caller's membership with its workspace and user  2. the endpoint
    with django_assert_num_queries(2):
        response = owner.get(webhooks_url(workspace, f"/{endpoints[-1].pk}"))
    assert response.json()["webhook"]["id"] == endpoints[-1].pk


@pytest.mark.parametrize("rows", [1, 30])
def test_listing_deliveries_costs_the_same_for_1_and_many(owner, workspace, rows, django_assert_num_queries):
    endpoint = make_endpoint(workspace)
    for n in range(rows):
        workspace_actions.client_create(workspace=workspace, name=f"Client {n}")
    for delivery in WebhookDelivery.objects.all():
        for status in (500, 200):
            WebhookAttempt.objects.create(
                workspace=workspace, delivery=delivery, attempted_at=dt.datetime.now(dt.UTC), status_code=status
            )
    # 1. the caller's membership with its workspace and user  2. the endpoint (the parent, in the
    # workspace)  3. the deliveries with their event's type and their attempts as one JSON array
    with django_assert_num_queries(3):
        response = owner.get(webhooks_url(workspace, f"/{endpoint.pk}/deliveries"))
    deliveries = response.json()["deliveries"]
    assert len(deliveries) == rows
    assert all([a["statusCode"] for a in d["attempts"]] == [500, 200] for d in deliveries)
    page = bearer(owner.user).get(webhooks_url(workspace, f"/{endpoint.pk}/deliveries?limit=5")).json()
    assert len(page["deliveries"]) == min(rows, 5) and bool(page["nextCursor"]) is (rows > 5)


class _SlowOrRedirecting:
    """A receiver on loopback that answers POST /redirect with a 302 to /elsewhere and POST /slow
    after ``delay`` seconds; it records every path asked for."""

    def __init__(self, delay: float = 2.0):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        paths = self.paths = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                paths.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/slow":
                    import time

                    time.sleep(delay)
                self.send_response(302 if self.path == "/redirect" else 200)
                if self.path == "/redirect":
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_is_not_followed_and_counts_as_a_failure(private_allowed):
    receiver = _SlowOrRedirecting()
    try:
        outcome = webhooks.post(receiver.url + "/redirect", b"{}", {})
    finally:
        receiver.stop()
    assert (outcome.status_code, outcome.ok) == (302, False)
    assert receiver.paths == ["/redirect"]  # /elsewhere never asked


def test_an_answer_later_than_the_timeout_is_a_failure(private_allowed, settings):
    import time

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver = _SlowOrRedirecting(delay=3)
    started = time.monotonic()
    try:
        outcome = webhooks.post(receiver.url + "/slow", b"{}", {})
    finally:
        receiver.stop()
    assert outcome.status_code is None and not outcome.ok
    assert "timed out" in outcome.error.lower() or "timeout" in outcome.error.lower(), outcome.error
    assert time.monotonic() - started < 2.5
