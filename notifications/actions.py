"""Write logic of webhook endpoints and deliveries: keyword-only, typed, each in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import queue
from notifications.addresses import check_url
from notifications.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from notifications.webhooks import delivery_job, new_secret
from workspaces.errors import ConflictError
from workspaces.models import Workspace

DELIVERY_IN_PROGRESS = _("This delivery is still being tried; retry it once it has succeeded or failed.")


@transaction.atomic
def webhook_endpoint_create(
    *, workspace: Workspace, url: str, events: list[str], is_active: bool = True
) -> WebhookEndpoint:
    """An endpoint with a new secret; its URL must be https and resolve to public addresses (400 on ``url``)."""
    check_url(url)
    return WebhookEndpoint.objects.create(
        workspace=workspace, url=url, events=events, is_active=is_active, secret=new_secret()
    )


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    if "url" in changes and changes["url"] != endpoint.url:
        check_url(changes["url"])
    for name, value in changes.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """The endpoint goes with its deliveries and their attempts."""
    endpoint.delete()


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """One more attempt now (409 ``delivery_in_progress`` while automatic retries are still due)."""
    from notifications import tasks

    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)  # one retry at a time
    if delivery.state == DeliveryState.PENDING:
        raise ConflictError(DELIVERY_IN_PROGRESS, code="delivery_in_progress")
    delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at", "updated_at"])
    queue.defer(delivery_job(tasks.deliver_webhook, delivery.pk, manual=True))
    return delivery
