"""Read logic of webhook deliveries: the rows of the one read shape (``WebhookDeliveryReadSerializer``)."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet

from config.api.formats import InstantText, JsonList
from notifications.models import WebhookAttempt, WebhookDelivery


def delivery_rows(queryset: QuerySet[WebhookDelivery]) -> QuerySet:
    """Deliveries as plain rows, each with its event's type (a join) and its attempts as one JSON
    array (through ``webhook_attempt_ws_idx``): one query for any number of deliveries."""
    attempts = WebhookAttempt.objects.filter(workspace=OuterRef("workspace"), delivery=OuterRef("pk"))
    return queryset.values(
        "id",
        "created_at",
        "event_id",
        "state",
        "attempt_count",
        "last_status_code",
        event_type=F("event__type"),
        created_text=InstantText("created_at"),
        last_attempt_text=InstantText("last_attempt_at"),
        next_attempt_text=InstantText("next_attempt_at"),
        attempts_json=JsonList(
            attempts,
            order_by=("attempted_at", "id"),
            attemptedAt=InstantText("attempted_at"),
            statusCode="status_code",
            error="error",
            durationMs="duration_ms",
            manual="manual",
        ),
    )
