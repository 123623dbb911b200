"""Billing in the Django admin: settings, invoices (with their PDF), payments; the API's rules.

Every write goes through :mod:`billing.actions`: a settings or payment form is checked by the
actions' own rule functions (a refusal is an error on the field), saved by the action; the bulk
"issue" and "void" actions take each selected invoice through ``invoice_issue`` /
``invoice_void`` in its own transaction, in date order, and report the ones refused. Invoices
are never added here (a draft comes from a session, or from a fee) nor deleted (void them).

Scoped like every admin (:mod:`workspaces.admin_scope`), with the API's permissions: every member
views billing (``billing.view``), owners, admins and assistants change it (``billing.manage``).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing import actions
from billing.models import BillingSettings, Invoice, InvoiceStatus, Payment
from billing.money import format_money, format_number
from billing.pdf import invoice_pdf, pdf_filename
from history.admin import HistoryAdmin
from workspaces.admin_base import REFUSED_ROW, add_domain_error, report_refusals
from workspaces.admin_scope import ScopedTabularInline
from workspaces.errors import DomainError
from workspaces.models import Workspace

TIMESTAMPS = ("id", "created_at", "updated_at")
ISSUE_SELECTED = _("Issue selected draft invoices")
VOID_SELECTED = _("Void selected invoices")
OPEN_PDF = _("Open the PDF")
NOTHING = "—"
VIEW, MANAGE = "billing.view", "billing.manage"


def _registered_with_search(model) -> bool:
    model_admin = admin.site._registry.get(model)
    return model_admin is not None and bool(model_admin.search_fields)


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


class BillingSettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ("workspace", *actions.SETTINGS_FIELDS)

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        for name in ("currency", "country"):
            setattr(self.instance, name, (getattr(self.instance, name) or "").strip().upper())
        try:
            actions.check_settings(self.instance)  # the action's own rules
        except DomainError as exc:
            add_domain_error(self, exc)


@admin.register(BillingSettings)
class BillingSettingsAdmin(HistoryAdmin):
    # GET/PATCH .../billing-settings (the first save makes the workspace's row); never deleted
    permissions = {"view": VIEW, "add": MANAGE, "change": MANAGE}
    form = BillingSettingsForm
    list_display = ("workspace", "currency", "tax_rate", "country", "invoice_prefix", "updated_at")
    list_filter = ("currency", "country")
    search_fields = ("workspace__name", "legal_name", "tax_number", "=workspace__id")
    list_select_related = ("workspace",)
    readonly_fields = TIMESTAMPS
    ordering = ("workspace__name",)
    fieldsets = (
        (None, {"fields": ("id", "workspace", "currency", "tax_rate")}),
        (_("Legal details"), {"fields": ("legal_name", "tax_number", "address", "country", "invoice_prefix")}),
        (_("Fees"), {"fields": ("late_cancel_hours", "late_cancel_fee", "no_show_fee")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_autocomplete_fields(self, request):
        return ["workspace"] if _registered_with_search(Workspace) else []

    def get_readonly_fields(self, request, obj=None):
        return (*TIMESTAMPS, "workspace") if obj is not None else TIMESTAMPS

    def save_model(self, request, obj, form, change):
        workspace = obj.workspace if change else form.cleaned_data["workspace"]
        changes = {name: getattr(obj, name) for name in actions.SETTINGS_FIELDS}
        saved = actions.billing_settings_update(workspace=workspace, **changes)
        obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at
        obj._state.adding, obj._state.db = False, saved._state.db


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


def _bulk(modeladmin, request, queryset, change, done_message) -> None:
    """``change(invoice)`` for each selected invoice (oldest first), each in its own transaction."""
    done, refused = 0, []
    for invoice in queryset.select_related("workspace", "client").order_by("date", "created_at", "id"):
        try:
            with transaction.atomic():
                change(invoice)
        except DomainError as exc:
            refused.append(REFUSED_ROW % {"row": invoice, "reason": exc.message})
        else:
            done += 1
    modeladmin.message_user(request, done_message(done), messages.SUCCESS if done else messages.INFO)
    report_refusals(modeladmin, request, refused)


@admin.action(description=ISSUE_SELECTED, permissions=["change"])
def issue_selected(modeladmin, request, queryset):
    _bulk(
        modeladmin,
        request,
        queryset,
        lambda invoice: actions.invoice_issue(invoice=invoice),
        lambda n: ngettext("%(count)d invoice issued.", "%(count)d invoices issued.", n) % {"count": n},
    )


@admin.action(description=VOID_SELECTED, permissions=["change"])
def void_selected(modeladmin, request, queryset):
    _bulk(
        modeladmin,
        request,
        queryset,
        lambda invoice: actions.invoice_void(invoice=invoice),
        lambda n: ngettext("%(count)d invoice voided.", "%(count)d invoices voided.", n) % {"count": n},
    )


class PaymentInline(ScopedTabularInline):
    model = Payment
    fk_name = "invoice"
    extra = 0
    fields = ("paid_at", "amount", "method", "reference", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    # listed on the invoice; recorded on the payments' own page (a payment stands as recorded)
    permissions = {"view": VIEW}


class InvoiceForm(forms.ModelForm):
    """A draft's discount and note; the rest is read-only (lines are edited through the API)."""

    class Meta:
        model = Invoice
        fields = ("discount", "note")


@admin.register(Invoice)
class InvoiceAdmin(HistoryAdmin):
    # never added here (a draft comes from a session, or from a fee) nor deleted (void it: its
    # number stays taken)
    permissions = {"view": VIEW, "change": MANAGE}
    form = InvoiceForm
    list_display = (
        "invoice_label",
        "status",
        "client",
        "date",
        "total_display",
        "paid_display",
        "workspace",
        "pdf_link",
    )
    list_display_links = ("invoice_label",)
    list_filter = ("status", ("client", admin.RelatedOnlyFieldListFilter), "date", "workspace")
    search_fields = ("number", "client__name", "=id", "=client__id", "=workspace__id")
    list_select_related = ("workspace", "client")
    date_hierarchy = "date"
    ordering = ("-date", "-created_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    actions = (issue_selected, void_selected)
    inlines = (PaymentInline,)
    readonly_fields = (
        *TIMESTAMPS,
        "workspace",
        "client",
        "kind",
        "status",
        "number",
        "currency",
        "date",
        "issued_at",
        "paid_at",
        "voided_at",
        "lines_table",
        "subtotal_display",
        "tax_display",
        "total_display",
        "paid_display",
        "pdf_link",
    )
    fieldsets = (
        (None, {"fields": ("id", "workspace", "client", "kind", "status", "number", "pdf_link")}),
        (_("Lines"), {"fields": ("lines_table", "currency", "subtotal_display", "discount", "tax_display")}),
        (_("Totals"), {"fields": ("total_display", "paid_display", "note")}),
        (_("Dates"), {"fields": ("date", "issued_at", "paid_at", "voided_at", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return (*self.readonly_fields, "discount", "note")
        return self.readonly_fields

    # -- the columns --------------------------------------------------------------------------

    @admin.display(description=_("invoice"), ordering="number")
    def invoice_label(self, obj: Invoice) -> str:
        return str(obj)

    def _money(self, obj: Invoice, value: Decimal) -> str:
        return f"{format_money(value, obj.currency_decimals)} {obj.currency}"

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: Invoice) -> str:
        return self._money(obj, obj.total)

    @admin.display(description=_("paid amount"), ordering="paid_amount")
    def paid_display(self, obj: Invoice) -> str:
        return self._money(obj, obj.paid_amount)

    @admin.display(description=_("subtotal"))
    def subtotal_display(self, obj: Invoice) -> str:
        return self._money(obj, obj.subtotal)

    @admin.display(description=_("tax"))
    def tax_display(self, obj: Invoice) -> str:
        return self._money(obj, obj.tax)

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj: Invoice):
        if obj.pk is None:
            return NOTHING
        url = reverse("admin:billing_invoice_pdf", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, OPEN_PDF)

    @admin.display(description=_("lines"))
    def lines_table(self, obj: Invoice):
        if not obj.lines:
            return NOTHING
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}%</td><td>{}</td></tr>",
            (
                (
                    line["description"],
                    format_number(Decimal(line["quantity"])),
                    format_money(Decimal(line["unitPrice"]), obj.currency_decimals),
                    format_number(Decimal(line["taxRate"])),
                    format_money(Decimal(line["total"]), obj.currency_decimals),
                )
                for line in obj.lines
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Description"),
            _("Qty"),
            _("Unit price"),
            _("Tax"),
            _("Amount"),
            rows,
        )

    # -- the PDF ------------------------------------------------------------------------------

    def get_urls(self):
        urls = super().get_urls()
        pdf = path("<str:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="billing_invoice_pdf")
        return [pdf, *urls]

    def pdf_view(self, request, object_id: str):
        invoice = self.get_queryset(request).select_related("workspace", "client").filter(pk=object_id).first()
        if invoice is None:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice)}"'
        return response

    # -- saving -------------------------------------------------------------------------------

    def save_model(self, request, obj: Invoice, form, change):
        changes = {name: form.cleaned_data[name] for name in ("discount", "note") if name in form.changed_data}
        if changes:
            saved = actions.invoice_update(invoice=Invoice.objects.get(pk=obj.pk), **changes)
            obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # refused by the action (a discount over the subtotal, an invoice issued meanwhile)
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --------------------------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------------------------


class PaymentForm(forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("invoice", "amount", "method", "paid_at", "reference")

    def clean(self):
        cleaned = super().clean()
        invoice, amount = cleaned.get("invoice"), cleaned.get("amount")
        if invoice is not None and amount is not None:
            refusal = actions.payment_refusal(invoice, amount)  # the action's own rule
            if refusal is not None:
                add_domain_error(self, refusal)
        return cleaned


@admin.register(Payment)
class PaymentAdmin(HistoryAdmin):
    # recorded (POST .../invoices/{id}/payments), then standing as recorded: never changed or deleted
    permissions = {"view": VIEW, "add": MANAGE}
    form = PaymentForm
    list_display = ("paid_at", "invoice", "amount_display", "method", "reference", "workspace")
    list_filter = ("method", "paid_at", "workspace")
    search_fields = ("invoice__number", "reference", "=id", "=invoice__id", "=workspace__id")
    list_select_related = ("workspace", "invoice")
    date_hierarchy = "paid_at"
    ordering = ("-paid_at", "-id")
    readonly_fields = TIMESTAMPS
    fields = ("id", "invoice", "amount", "method", "paid_at", "reference", "created_at", "updated_at")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return f"{format_money(obj.amount, obj.invoice.currency_decimals)} {obj.invoice.currency}"

    def get_autocomplete_fields(self, request):
        return ["invoice"] if _registered_with_search(Invoice) else []

    def save_model(self, request, obj: Payment, form, change):
        data = form.cleaned_data
        saved = actions.payment_record(
            invoice=data["invoice"],
            amount=data["amount"],
            method=data["method"],
            paid_at=data["paid_at"],
            reference=data.get("reference") or "",
        )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        obj._state.adding, obj._state.db = False, saved._state.db

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:  # the invoice changed between the form's check and the save
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
