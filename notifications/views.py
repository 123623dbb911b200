from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
from notifications import actions
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.serializers import (
    WebhookDeliveryReadSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointReadSerializer,
    WebhookEndpointWriteSerializer,
)
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
    crud_permissions,
)

MANAGE = "webhooks.manage"
INVALID = error(
    "validation_error naming the field: url not https (url_not_https), not resolving (url_unresolved) or "
    "resolving to a private or loopback address (url_not_public); an unknown event."
)
WEBHOOK = envelope("webhook", WebhookEndpointReadSerializer)


@extend_schema_view(
    list=extend_schema(
        summary=_("List webhook endpoints"),
        parameters=PAGING_PARAMETERS,
        responses={200: envelope("webhooks", WebhookEndpointReadSerializer, many=True, paged=True), 400: INVALID},
    ),
    retrieve=extend_schema(summary=_("Get a webhook endpoint"), responses={200: WEBHOOK}),
    create=extend_schema(
        summary=_("Create a webhook endpoint"),
        description="The answer holds the signing secret, once.",
        request=WebhookEndpointWriteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: envelope("webhook", WebhookEndpointCreatedSerializer), 400: INVALID},
    ),
    partial_update=extend_schema(
        summary=_("Update a webhook endpoint"),
        request=WebhookEndpointWriteSerializer,
        responses={200: WEBHOOK, 400: INVALID},
    ),
    destroy=extend_schema(summary=_("Delete a webhook endpoint"), responses={204: None}),
)
class WebhookEndpointViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = WebhookEndpoint.objects.all()
    envelope = ("webhook", "webhooks")
    ordering = ["created_at", "id"]
    read_serializer_class = WebhookEndpointReadSerializer
    write_serializer_class = WebhookEndpointWriteSerializer
    permissions = crud_permissions(MANAGE, MANAGE)

    def create(self, request, *args, **kwargs):
        from workspaces.idempotency import idempotent_create

        def produce() -> Response:
            endpoint = actions.webhook_endpoint_create(workspace=self.workspace, **self.validated(request.data))
            body = WebhookEndpointCreatedSerializer(endpoint, context=self.get_serializer_context()).data
            return Response({"webhook": body}, status=status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce)

    def perform_update(self, instance, data):
        return actions.webhook_endpoint_update(endpoint=instance, **data)

    def perform_destroy(self, instance):
        actions.webhook_endpoint_delete(endpoint=instance)


DELIVERY = envelope("delivery", WebhookDeliveryReadSerializer)


@extend_schema_view(
    list=extend_schema(
        summary=_("List a webhook endpoint's deliveries"),
        description="Oldest first; each with its attempts (time, HTTP status or error).",
        parameters=PAGING_PARAMETERS,
        responses={200: envelope("deliveries", WebhookDeliveryReadSerializer, many=True, paged=True), 400: INVALID},
    ),
    retry=extend_schema(
        summary=_("Retry a webhook delivery"),
        description="One more attempt, now (same webhook-id, new timestamp and signature).",
        request=None,
        responses={202: DELIVERY, 409: error("delivery_in_progress: automatic retries are still due.")},
    ),
)
class WebhookDeliveryViewSet(ListMixin, WorkspaceScopedViewSet):
    queryset = WebhookDelivery.objects.all()
    parent = (WebhookEndpoint, "webhook_id", "endpoint")
    envelope = ("delivery", "deliveries")
    ordering = ["created_at", "id"]
    read_serializer_class = WebhookDeliveryReadSerializer
    permissions = {"list": MANAGE, "retry": MANAGE}

    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        delivery = actions.webhook_delivery_retry(delivery=self.get_object())
        return self.one(delivery, status.HTTP_202_ACCEPTED)
