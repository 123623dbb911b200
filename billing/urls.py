from django.urls import re_path

from billing.views import BillingSettingsViewSet, InvoiceViewSet, SessionInvoiceViewSet
from config.routers import ApiRouter

router = ApiRouter()
router.register(r"workspace/(?P<workspace_id>[^/]+)/invoices", InvoiceViewSet, basename="invoices")

billing_settings = BillingSettingsViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
session_invoice = SessionInvoiceViewSet.as_view({"post": "create"})

urlpatterns = [
    re_path(r"^workspace/(?P<workspace_id>[^/]+)/billing-settings/?$", billing_settings, name="billing-settings"),
    # a session's invoice lives here, not in sessions/: billing depends on sessions, not the reverse
    re_path(
        r"^workspace/(?P<workspace_id>[^/]+)/sessions/(?P<session_id>[^/]+)/invoice/?$",
        session_invoice,
        name="session-invoice",
    ),
    *router.urls,
]
