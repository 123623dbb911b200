"""Invoices and payments: a workspace's billing settings, its invoices, their payments.

Money columns are ``numeric(15, 3)``: exact, with room for the currencies of 3 decimals. An
invoice keeps its currency and that currency's minor unit (``currency_decimals``) from the day
it was drafted; every amount of it is a multiple of that minor unit (the actions round, the
serializers write it with exactly that many decimals).

An invoice's lines are a snapshot (``lines``, a JSON list): descriptions and prices as they were
when the draft was made or edited, never following later changes of the services. Each line is
``{"description", "quantity", "unitPrice", "taxRate", "total"}`` with the numbers kept as exact
decimal strings. The totals are columns, checked by the database (``total = subtotal - discount
+ tax``, ``0 <= paid_amount <= total``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from billing.money import DEFAULT_CURRENCY
from workspaces.models import WorkspaceScopedModel

MONEY_DIGITS = 15
MONEY_PLACES = 3
DEFAULT_PREFIX = "INV"
DEFAULT_LATE_CANCEL_HOURS = 24


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class BillingSettings(WorkspaceScopedModel):
    """How a workspace bills: currency, tax, legal details printed on invoices, fees.

    A workspace without a row has the defaults (:func:`billing.selectors.billing_settings_of`);
    the first PATCH writes the row.
    """

    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=0)
    tax_number = models.CharField(_("tax number"), max_length=50, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("address"), max_length=1000, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, e.g. SA."))
    invoice_prefix = models.CharField(_("invoice prefix"), max_length=20, default=DEFAULT_PREFIX)
    late_cancel_hours = models.PositiveIntegerField(_("late cancellation (hours)"), default=DEFAULT_LATE_CANCEL_HOURS)
    late_cancel_fee = money_field(_("late cancellation fee"), null=True, blank=True)
    no_show_fee = money_field(_("no-show fee"), null=True, blank=True)

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="billing_settings_ws_unique"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="billing_tax_rate_range"),
            models.CheckConstraint(condition=Q(late_cancel_fee__gte=0), name="billing_late_fee_not_negative"),
            models.CheckConstraint(condition=Q(no_show_fee__gte=0), name="billing_no_show_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.workspace)


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class InvoiceKind(models.TextChoices):
    """What an invoice bills: a session's services, or a fee of the workspace's policy."""

    SERVICES = "services", _("Services")
    LATE_CANCEL_FEE = "late_cancel_fee", _("Late cancellation fee")
    NO_SHOW_FEE = "no_show_fee", _("No-show fee")


#: statuses that carry a number (given when issued, kept when voided)
NUMBERED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)


class Invoice(WorkspaceScopedModel):
    client = models.ForeignKey(
        "workspaces.Client", on_delete=models.PROTECT, related_name="+", verbose_name=_("client"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.SERVICES)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    number = models.CharField(_("number"), max_length=40, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    currency_decimals = models.PositiveSmallIntegerField(_("currency decimals"))
    lines = models.JSONField(_("lines"), default=list, blank=True)
    subtotal = money_field(_("subtotal"), default=0)
    discount = money_field(_("discount"), default=0)
    tax = money_field(_("tax"), default=0)
    total = money_field(_("total"), default=0)
    paid_amount = money_field(_("paid amount"), default=0)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    #: the invoice's calendar date in the workspace's time zone: when drafted, then when issued
    date = models.DateField(_("date"))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    #: what the invoice printed when issued: the seller's legal details and the client's name
    seller = models.JSONField(_("seller"), null=True, blank=True)
    client_name = models.CharField(_("client name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["workspace", "date", "id"], name="invoice_ws_date_idx"),
            models.Index(fields=["workspace", "client", "date"], name="invoice_ws_client_idx"),
            models.Index(fields=["workspace", "status", "date"], name="invoice_ws_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], condition=Q(number__isnull=False), name="invoice_ws_number_unique"
            ),
            models.UniqueConstraint(
                fields=["workspace", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="invoice_ws_sequence_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=InvoiceKind.values), name="invoice_kind_valid"),
            models.CheckConstraint(condition=Q(currency_decimals__in=[0, 2, 3]), name="invoice_decimals_valid"),
            # a number from issuing on (a voided draft has none), never on a draft
            models.CheckConstraint(
                condition=~Q(status__in=NUMBERED) | Q(number__isnull=False, issued_at__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(status=InvoiceStatus.DRAFT) | Q(number__isnull=True, sequence__isnull=True),
                name="invoice_draft_has_no_number",
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, discount__gte=0, tax__gte=0, discount__lte=F("subtotal")),
                name="invoice_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount") + F("tax")), name="invoice_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("total")), name="invoice_paid_within_total"
            ),
            models.CheckConstraint(
                condition=~Q(status=InvoiceStatus.PAID) | Q(paid_amount=F("total")), name="invoice_paid_in_full"
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft %(id)s") % {"id": self.pk}

    @property
    def balance(self):
        return self.total - self.paid_amount


class InvoiceSession(WorkspaceScopedModel):
    """A session (or a consultation) an invoice bills: what ``sessionIds`` lists.

    Like a session's services, the link to the session is a composite foreign key
    ``(workspace_id, session_id) -> appointments_session (workspace_id, id)`` made in migration
    0001 with ``ON DELETE CASCADE`` (Django cannot declare one), so a link never points into
    another workspace and deleting a session costs Django no query here; the invoice stays,
    with its lines. A consultation's link cascades the same way on ``consultation_id``.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="session_links", db_index=False, verbose_name=_("invoice")
    )
    session = models.ForeignKey(
        "appointments.Session",
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        verbose_name=_("session"),
    )
    consultation = models.ForeignKey(
        "nutrition.NutritionSession",
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        verbose_name=_("nutrition consultation"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("invoiced session")
        verbose_name_plural = _("invoiced sessions")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["workspace", "invoice", "position"], name="invoice_link_ws_inv_idx"),
            # the session's invoice: its links, newest invoice first
            models.Index(fields=["workspace", "session", "invoice"], name="invoice_link_ws_session_idx"),
            models.Index(fields=["workspace", "consultation", "invoice"], name="invoice_link_ws_consult_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, consultation__isnull=True)
                | Q(session__isnull=True, consultation__isnull=False),
                name="invoice_link_one_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} · {self.session_id or self.consultation_id}"

    @property
    def booking_id(self) -> str:
        return self.session_id or self.consultation_id


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CHEQUE = "cheque", _("Cheque")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class Payment(WorkspaceScopedModel):
    """Money received against an issued invoice; the invoice is ``paid`` once they reach its total."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", db_index=False, verbose_name=_("invoice")
    )
    amount = money_field(_("amount"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    paid_at = models.DateTimeField(_("paid at"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_at", "id"]
        indexes = [models.Index(fields=["workspace", "invoice", "paid_at", "id"], name="payment_ws_invoice_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_method_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} ({self.get_method_display()})"


class InvoiceCounter(WorkspaceScopedModel):
    """The last number issued in a workspace and year.

    Issuing increments it with one upsert inside the issuing transaction, which holds the row's
    lock until that transaction ends: issues of one workspace and year take their numbers one
    after the other, and a transaction that rolls back gives its number back with it (no gap).
    """

    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice counter")
        verbose_name_plural = _("invoice counters")
        constraints = [models.UniqueConstraint(fields=["workspace", "year"], name="invoice_counter_ws_year_unique")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.year}: {self.last_number}"
