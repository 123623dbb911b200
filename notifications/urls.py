from config.routers import ApiRouter
from notifications.views import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/webhooks", WebhookEndpointViewSet, basename="webhooks")
router.register(
    r"workspace/(?P<workspace_id>[^/]+)/webhooks/(?P<webhook_id>[^/]+)/deliveries",
    WebhookDeliveryViewSet,
    basename="webhook-deliveries",
)

urlpatterns = [*router.urls]
