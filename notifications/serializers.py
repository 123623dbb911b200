from __future__ import annotations

import orjson
from rest_framework import serializers

from config.api.fields import StrictBooleanField, StrictCharField
from config.api.serializers import ApiModelSerializer, ApiSerializer, RowReadSerializer
from notifications.addresses import URL_MAX_LENGTH
from notifications.events import EVENT_TYPES
from notifications.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from notifications.selectors import delivery_rows


class WebhookEndpointReadSerializer(ApiModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES), read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointReadSerializer):
    """The create answer: the one time the signing secret is shown."""

    secret = serializers.CharField(
        read_only=True, help_text="Standard Webhooks secret (whsec_...): shown only in this answer. Keep it."
    )

    class Meta(WebhookEndpointReadSerializer.Meta):
        fields = ["id", "url", "events", "is_active", "secret", "created_at"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(ApiSerializer):
    read_shape = WebhookEndpointCreatedSerializer

    url = StrictCharField(
        max_length=URL_MAX_LENGTH,
        help_text="https, resolving to public addresses only (checked again before every attempt).",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), max_length=len(EVENT_TYPES) * 2, allow_empty=False
    )
    is_active = StrictBooleanField(required=False)

    def validate_events(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))  # duplicates count once, the order is kept (empty: allow_empty)


class WebhookAttemptSerializer(ApiSerializer):
    attempted_at = serializers.CharField(read_only=True, help_text="UTC, ISO 8601 with milliseconds.")
    status_code = serializers.IntegerField(read_only=True, allow_null=True, help_text="null: no HTTP answer.")
    error = serializers.CharField(read_only=True, help_text="Why no HTTP answer came (a timeout, a refused address).")
    duration_ms = serializers.IntegerField(read_only=True)
    manual = serializers.BooleanField(read_only=True, help_text="A retry asked for through the API or the admin.")


class WebhookDeliveryReadSerializer(RowReadSerializer):
    """A delivery of one event to one endpoint, with every attempt, from :func:`delivery_rows`."""

    id = serializers.CharField(read_only=True)
    event_id = serializers.CharField(read_only=True, help_text="The webhook-id header and the body's id.")
    event_type = serializers.ChoiceField(choices=EVENT_TYPES, read_only=True)
    status = serializers.ChoiceField(choices=DeliveryState.choices, read_only=True)
    attempt_count = serializers.IntegerField(read_only=True)
    last_status_code = serializers.IntegerField(read_only=True, allow_null=True)
    last_attempt_at = serializers.CharField(read_only=True, allow_null=True)
    next_attempt_at = serializers.CharField(read_only=True, allow_null=True)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)
    created_at = serializers.CharField(read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "last_status_code",
            "last_attempt_at",
            "next_attempt_at",
            "attempts",
            "created_at",
        ]

    rows = staticmethod(delivery_rows)

    def to_representation(self, row: dict) -> dict:
        return {
            "id": row["id"],
            "eventId": row["event_id"],
            "eventType": row["event_type"],
            "status": row["state"],
            "attemptCount": row["attempt_count"],
            "lastStatusCode": row["last_status_code"],
            "lastAttemptAt": row["last_attempt_text"],
            "nextAttemptAt": row["next_attempt_text"],
            "attempts": orjson.loads(row["attempts_json"]),
            "createdAt": row["created_text"],
        }
