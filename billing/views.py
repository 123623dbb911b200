"""The billing endpoints: settings, invoices (draft, edit, issue, void, pay, print)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from billing import actions
from billing.filters import InvoiceFilter
from billing.models import BillingSettings, InvoiceStatus, Payment
from billing.pdf import invoice_pdf, pdf_filename
from billing.selectors import billing_settings_of, invoice_queryset
from billing.serializers import (
    BillingSettingsSerializer,
    InvoiceReadSerializer,
    InvoiceWriteSerializer,
    PaymentReadSerializer,
    PaymentWriteSerializer,
)
from config.api.errors import NOT_FOUND_MESSAGE
from config.api.paging import paginate
from config.api.rendering import AnyContentRenderer, JSONRenderer
from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
from sessions.models import Session
from workspaces.idempotency import idempotent_create
from workspaces.ids import is_object_id
from workspaces.tenancy import ListMixin, RetrieveMixin, UpdateMixin, WorkspaceScopedViewSet

INVOICE = envelope("invoice", InvoiceReadSerializer)
SETTINGS = envelope("billingSettings", BillingSettingsSerializer)
PAYMENTS = envelope("payments", PaymentReadSerializer, many=True, paged=True)
NOT_DRAFT = error("invoice_not_draft: the invoice is no longer a draft.")
PAYMENT_CREATED = inline_serializer(
    name="PaymentCreatedEnvelope",
    fields={"payment": PaymentReadSerializer(), "invoice": InvoiceReadSerializer()},
)


@extend_schema_view(
    retrieve=extend_schema(summary=_("Get the billing settings"), responses={200: SETTINGS}),
    partial_update=extend_schema(
        summary=_("Update the billing settings"),
        description=(
            "Any field. currency: ISO 4217 with 0, 2 or 3 decimals; country: ISO 3166 (SA adds the tax QR code "
            "to invoices); fees: amounts of the currency (null: no fee)."
        ),
        request=BillingSettingsSerializer,
        responses={200: SETTINGS, 400: error("validation_error, too_precise or unknown_field, naming the field.")},
    ),
)
class BillingSettingsViewSet(WorkspaceScopedViewSet):
    queryset = BillingSettings.objects.all()
    envelope = ("billingSettings", "billingSettings")
    read_serializer_class = BillingSettingsSerializer
    write_serializer_class = BillingSettingsSerializer
    permissions = {"retrieve": "billing.view", "partial_update": "billing.manage"}

    def retrieve(self, request, *args, **kwargs):
        return self.one(billing_settings_of(self.workspace))

    def partial_update(self, request, *args, **kwargs):
        data = self.validated(request.data, partial=True)
        return self.one(actions.billing_settings_update(workspace=self.workspace, **data))


LIST_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=InvoiceStatus.values),
    OpenApiParameter("clientId", OpenApiTypes.STR, description="Only this client's invoices."),
    OpenApiParameter(
        "dateFrom", OpenApiTypes.STR, description="First invoice date, inclusive (the issue date; a draft's: drafted)."
    ),
    OpenApiParameter("dateTo", OpenApiTypes.STR, description="Last invoice date, inclusive."),
    *PAGING_PARAMETERS,
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List invoices"),
        description="Ordered by date (the issue date; a draft's: when drafted), then id. Filters combine (AND).",
        parameters=LIST_PARAMETERS,
        responses={
            200: envelope("invoices", InvoiceReadSerializer, many=True, paged=True),
            400: error("A malformed filter or paging value, naming it; or too_many_results."),
        },
    ),
    retrieve=extend_schema(summary=_("Get an invoice"), responses={200: INVOICE}),
    partial_update=extend_schema(
        summary=_("Update a draft invoice"),
        description="A draft's lines (the whole list, replaced), discount and note; the totals follow.",
        request=InvoiceWriteSerializer,
        responses={
            200: INVOICE,
            400: error("validation_error, too_precise, discount_too_large or unknown_field, naming the field."),
            409: NOT_DRAFT,
        },
    ),
)
class InvoiceViewSet(ListMixin, RetrieveMixin, UpdateMixin, WorkspaceScopedViewSet):
    queryset = invoice_queryset()
    envelope = ("invoice", "invoices")
    ordering = ["date", "id"]
    filterset_class = InvoiceFilter
    read_serializer_class = InvoiceReadSerializer
    write_serializer_class = InvoiceWriteSerializer
    permissions = {
        "list": "billing.view",
        "retrieve": "billing.view",
        "pdf": "billing.view",
        "list_payments": "billing.view",
        "partial_update": "billing.manage",
        "issue": "billing.manage",
        "void": "billing.manage",
        "payments": "billing.manage",
    }

    def perform_update(self, instance, data):
        if "lines" in data:
            data["lines"] = [actions.LineInput(**line) for line in data["lines"]]
        return actions.invoice_update(invoice=instance, **data)

    def _reread(self, invoice):
        return self.get_queryset().get(pk=invoice.pk)

    def _change(self, request, change) -> Response:
        """A POST changing the invoice in the path: one transaction, Idempotency-Key honoured."""

        def produce() -> Response:
            return self.one(self._reread(change(self.get_object())))

        return idempotent_create(request, self.workspace, produce)

    @extend_schema(
        summary=_("Issue an invoice"),
        description=(
            "Gives a draft the next number of the workspace and year ({prefix}-{year}-{000001}, without gaps) "
            "and its issue date; its lines can no longer change. A total of 0 is paid at once."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: INVOICE, 400: error("invoice_empty: a draft without lines."), 409: NOT_DRAFT},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        return self._change(request, lambda invoice: actions.invoice_issue(invoice=invoice))

    @extend_schema(
        summary=_("Void an invoice"),
        description="A draft or an issued invoice without payments; an issued one keeps its number.",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: INVOICE, 409: error("invoice_already_void or invoice_has_payments.")},
    )
    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        return self._change(request, lambda invoice: actions.invoice_void(invoice=invoice))

    @extend_schema(
        summary=_("Record a payment"),
        description=(
            "Payments may be partial; the invoice is paid when they reach its total. An amount over the balance "
            "is a 400 overpayment."
        ),
        request=PaymentWriteSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PAYMENT_CREATED,
            400: error("overpayment, too_precise, validation_error or unknown_field, naming the field."),
            409: error("invoice_not_issued (a draft) or invoice_void."),
        },
    )
    @action(detail=True, methods=["post"], url_path="payments")
    def payments(self, request, *args, **kwargs):
        def produce() -> Response:
            invoice = self.get_object()  # the invoice in the path first: another's is a 404, not a 400
            data = PaymentWriteSerializer(data=request.data, context=self.get_serializer_context())
            data.is_valid(raise_exception=True)
            payment = actions.payment_record(invoice=invoice, **data.validated_data)
            invoice = self._reread(payment.invoice)
            payment.invoice = invoice
            body = {"payment": PaymentReadSerializer(payment).data, "invoice": self.read(invoice)}
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce)

    @extend_schema(
        summary=_("List an invoice's payments"),
        description="Oldest first (paidAt, then id).",
        parameters=PAGING_PARAMETERS,
        responses={200: PAYMENTS},
    )
    @payments.mapping.get
    def list_payments(self, request, *args, **kwargs):
        invoice = self.get_object()
        queryset = Payment.objects.filter(workspace=self.workspace, invoice=invoice)
        rows, next_cursor, paged = paginate(request, queryset, ["paid_at", "id"])
        for payment in rows:
            payment.invoice = invoice
        body = {"payments": PaymentReadSerializer(rows, many=True).data}
        if paged:
            body["nextCursor"] = next_cursor
        return Response(body)

    @extend_schema(
        summary=_("Download an invoice as PDF"),
        description=(
            "In the client's language (Arabic right to left), with the workspace's legal details; a Saudi "
            "workspace's issued invoices carry the simplified tax invoice QR code."
        ),
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF.")},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyContentRenderer])
    def pdf(self, request, *args, **kwargs):
        invoice = self.get_object()
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice)}"'
        return response


@extend_schema_view(
    create=extend_schema(
        summary=_("Draft an invoice for a session"),
        description=(
            "A draft for the session's client: one line a service of the session, at its current price (a "
            "snapshot). A session already on an invoice of its services that is not void is a 409."
        ),
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: INVOICE, 409: error("session_already_invoiced: void that invoice first.")},
    ),
)
class SessionInvoiceViewSet(WorkspaceScopedViewSet):
    queryset = invoice_queryset()
    envelope = ("invoice", "invoices")
    read_serializer_class = InvoiceReadSerializer
    permissions = {"create": "billing.manage"}

    def _session(self) -> Session:
        pk = self.kwargs["session_id"]
        session = None
        if is_object_id(pk):
            session = Session.objects.select_related("client").filter(workspace=self.workspace, pk=pk).first()
        if session is None:
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        session.workspace = self.workspace
        return session

    def create(self, request, *args, **kwargs):
        def produce() -> Response:
            with transaction.atomic():
                invoice = actions.invoice_draft_for_session(session=self._session())
            return self.one(self.get_queryset().get(pk=invoice.pk), status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce)
