"""Webhooks: where an endpoint may point, the events queued for it, and each signed attempt.

Addresses (:mod:`notifications.addresses`) are checked again before every attempt, which then
connects to the very address just checked (TLS still verifies the host name).

Queueing. :func:`enqueue_event` runs in the write hook, inside the write's transaction: one query
for the endpoints subscribed to the event (none: nothing more), else the event, one delivery per
endpoint and their jobs. In an API request whose workspace row (read with the caller's
membership) lists nobody listening to the event, not even that query: an endpoint created while
the request runs sees the writes made after it. A deletion's data is read just before the row goes
(:func:`snapshot_before_delete`, from ``pre_delete``), a create's or a change's by the first
attempt (see :class:`notifications.models.WebhookEvent`).

Attempts. Standard Webhooks (``standardwebhooks``): ``webhook-id`` (the event's id, the same on
every attempt and for every endpoint), ``webhook-timestamp`` (the attempt's, in seconds) and
``webhook-signature`` (``v1,`` + HMAC-SHA256 of ``id.timestamp.body`` with the endpoint's
secret). An answer other than 2xx within ``WEBHOOK_TIMEOUT_SECONDS`` (10) fails the attempt;
redirects are not followed. Automatic retries follow :class:`notifications.queue.Backoff`
(``WEBHOOK_RETRY_*``), at least 24 hours by default; a manual retry is one more attempt.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from config.api.formats import format_instant
from notifications import queue
from notifications.addresses import check_url
from notifications.events import WebhookKind
from notifications.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from workspaces.current import request_workspace
from workspaces.errors import InvalidError

USER_AGENT = "PracticeManagement-Webhooks/1.0"
MAX_READ = 64 * 1024


class DeliveryError(Exception):
    """An automatic attempt failed: the job is retried on the backoff schedule."""


# --------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# --------------------------------------------------------------------------------------------
# Queueing (the write hook)
# --------------------------------------------------------------------------------------------

#: (model, pk) -> (subscribed endpoint ids, data read before the delete), from pre_delete to the hook
_before_delete: ContextVar[dict | None] = ContextVar("webhook_before_delete", default=None)


def subscribed(workspace_id: str, event_type: str) -> list[str]:
    """The workspace's active endpoints subscribed to ``event_type``: none without a query when
    the request's workspace row says nobody listens to it (``Workspace.listened_events``)."""
    known = request_workspace()
    if known is not None and known.pk == workspace_id and event_type not in known.listened_events:
        return []
    return list(
        WebhookEndpoint.objects.filter(workspace_id=workspace_id, is_active=True, events__contains=[event_type])
        .order_by()
        .values_list("pk", flat=True)
    )


def snapshot_before_delete(kind: WebhookKind, instance) -> None:
    """Before ``instance`` is deleted: the endpoints that will want its deletion, and its data."""
    endpoints = subscribed(instance.workspace_id, kind.type_of(_Deleted(instance), lambda: None) or "")
    if not endpoints:
        return
    data = kind.read(workspace_id=instance.workspace_id, object_id=instance.pk)
    data = None if data is None else orjson.dumps(data).decode()
    pending = _before_delete.get()
    if pending is None:
        pending = {}
        _before_delete.set(pending)
    pending[(type(instance), instance.pk)] = (endpoints, data)


@dataclass
class _Deleted:
    """What the event type of a deletion is worked out from, before its historical row exists."""

    instance: object
    history_type: str = "-"


def enqueue_event(kind: WebhookKind, record, instance, previous: Callable) -> None:
    event_type = kind.type_of(record, previous)
    if event_type is None:
        return
    data = None
    if record.history_type == "-":
        pending = _before_delete.get() or {}
        endpoints, data = pending.pop((type(instance), instance.pk), ((), None))
    else:
        endpoints = subscribed(record.workspace_id, event_type)
    if not endpoints:
        return
    from notifications import tasks

    event = WebhookEvent.objects.create(
        workspace_id=record.workspace_id,
        type=event_type,
        object_kind=kind.prefix,
        object_id=record.id,
        history_id=record.history_id,
        door=record.door,
        changed_fields=kind.changed_fields(record, previous()) if record.history_type == "~" else [],
        data=data,
        occurred_at=record.history_date,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            workspace_id=record.workspace_id, endpoint_id=endpoint_id, event=event, created_at=event.created_at
        )
        for endpoint_id in endpoints
    )
    queue.defer(*(delivery_job(tasks.deliver_webhook, delivery.pk) for delivery in deliveries))


def delivery_job(task, delivery_id: str, *, manual: bool = False) -> queue.Job:
    # one attempt of a delivery at a time (a manual retry waits for a running automatic one)
    return queue.Job(task, {"delivery_id": delivery_id, "manual": manual}, lock=f"webhook-delivery-{delivery_id}")


# --------------------------------------------------------------------------------------------
# Attempts (the worker)
# --------------------------------------------------------------------------------------------


def payload(event: WebhookEvent) -> bytes:
    return orjson.dumps(
        {
            "id": event.pk,
            "type": event.type,
            "timestamp": format_instant(event.occurred_at),
            "workspaceId": event.workspace_id,
            "data": orjson.Fragment(event.data),
            "changedFields": list(event.changed_fields),
        }
    )


def _freeze_data(event_id: str) -> WebhookEvent:
    """The event, its data read now and kept if it had none yet (the first attempt of any endpoint)."""
    from notifications.events import KINDS

    event = WebhookEvent.objects.select_for_update().get(pk=event_id)
    if event.data is None:
        kind = next(kind for kind in KINDS.values() if kind.prefix == event.object_kind)
        data = kind.read(workspace_id=event.workspace_id, object_id=event.object_id)
        # gone since (deleted by a later write, whose own event carries its last state): its ids
        data = data if data is not None else {"id": event.object_id, "workspaceId": event.workspace_id}
        event.data = orjson.dumps(data).decode()
        event.save(update_fields=["data", "updated_at"])
    return event


@dataclass
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url``, checked again and connected to by the address checked."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url)
    except InvalidError as exc:
        return Outcome(None, str(exc.message), took())
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host  # an IPv6 literal in brackets
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    headers = {**headers, "Host": host_header, "User-Agent": USER_AGENT, "Content-Type": "application/json"}
    error = ""
    for address in target.addresses:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                target.port,
                timeout=timeout,
                retries=False,
                maxsize=1,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen(
                "POST", target.path, body=body, headers=headers, redirect=False, preload_content=False
            )
            response.read(MAX_READ)
            response.release_conn()
            return Outcome(response.status, "", took())
        except urllib3.exceptions.NewConnectionError as exc:  # this address refused: the next one
            error = _short(exc)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome(None, _short(exc), took())
        finally:
            pool.close()
    return Outcome(None, error, took())


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:500]


def attempt(delivery_id: str, *, manual: bool, failures_before: int, backoff: queue.Backoff) -> None:
    """One attempt of a delivery. An automatic attempt that fails and may be retried raises
    :class:`DeliveryError` once its outcome is recorded (Procrastinate schedules the retry)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
        if delivery is None or (not manual and delivery.state != DeliveryState.PENDING):
            return  # the endpoint was deleted, or a manual retry already settled it
        endpoint = delivery.endpoint
        if not endpoint.is_active and not manual:
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            delivery.save(update_fields=["state", "next_attempt_at", "updated_at"])
            return
        event = _freeze_data(delivery.event_id)
    body = payload(event)
    sent_at = datetime.now(UTC)
    signature = Webhook(endpoint.secret).sign(event.pk, sent_at, body)
    headers = {
        "webhook-id": event.pk,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    outcome = post(endpoint.url, body, headers)
    failures = failures_before + 1
    retry = not outcome.ok and not manual and not backoff.gives_up_after(failures)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            workspace_id=delivery.workspace_id,
            delivery_id=delivery.pk,
            attempted_at=sent_at,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            manual=manual,
        )
        now = timezone.now()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SUCCEEDED if outcome.ok else (DeliveryState.PENDING if retry else DeliveryState.FAILED),
            attempt_count=F("attempt_count") + 1,
            last_status_code=outcome.status_code,
            last_attempt_at=sent_at,
            next_attempt_at=now + timedelta(seconds=backoff.delay(failures)) if retry else None,
            updated_at=now,
        )
    if retry:
        raise DeliveryError(outcome.error or f"HTTP {outcome.status_code}")
