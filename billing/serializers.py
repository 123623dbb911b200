"""Billing on the wire: settings, invoices, lines, payments. Money is a JSON number, exact.

Amounts are written with exactly their currency's decimals (``150.00``, ``1500``, ``1.250``):
the read fields hand the JSON renderer a Decimal of that scale, which it writes as it is.
Amounts read from a body must be JSON numbers (not strings); a float from the JSON parser is
read back through its ``repr`` (the shortest text giving the same float: the text that was sent,
for every number of up to 15 significant digits), so nothing is rounded on the way in.

Bodies: a field the endpoint does not know is a 400 ``unknown_field`` naming it; the fields the
server owns (ids, totals, status, names, timestamps) are accepted and ignored, so a client may
send back what it read.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import BillingSettings, Invoice, InvoiceStatus, Payment, PaymentMethod
from billing.money import format_number, normalized
from config.api.errors import BadRequest
from config.api.fields import InstantField, NumberField, StrictCharField, StrictChoiceField, StrictIntegerField
from config.api.serializers import ApiSerializer, to_camel

UNKNOWN_FIELD = _("Unknown field.")
NOT_AN_OBJECT = _("Expected a JSON object.")
MAX_LINES = 100
MAX_AMOUNT = Decimal("999999999999")
MAX_QUANTITY = Decimal("100000")

#: what every money number says about itself in the schema
MONEY_SCHEMA = {
    "type": "number",
    "format": "decimal",
    "description": "Exact, with as many decimals as the currency's minor unit (JPY 0, USD 2, KWD 3).",
    "example": 150.00,
}


# --------------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------------


@extend_schema_field({**MONEY_SCHEMA, "minimum": 0, "maximum": float(MAX_AMOUNT)})
class MoneyInField(NumberField):
    """An amount in a body: 0 to 999999999999, at most 3 decimals here (the currency's minor
    unit is checked by the action, which knows the currency)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", MAX_AMOUNT)
        super().__init__(**kwargs)


@extend_schema_field({"type": "number", "minimum": 0, "maximum": 100, "example": 15.00})
class TaxRateField(NumberField):
    """A rate in percent, 0 to 100, at most 2 decimals; written with 2 (``15.00``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(100))
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value is None else normalized(Decimal(value), 2)


@extend_schema_field({"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_QUANTITY), "example": 1})
class QuantityField(NumberField):
    """More than 0, up to 100000, at most 3 decimals; written without trailing zeros (1, 1.5)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 3)
        kwargs.setdefault("min_value", Decimal("0.001"))
        kwargs.setdefault("max_value", MAX_QUANTITY)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return Decimal(format_number(Decimal(value)))


@extend_schema_field({**MONEY_SCHEMA, "readOnly": True})
class MoneyOutField(serializers.Field):
    """An invoice's amount (``attribute``), with exactly the invoice's currency decimals."""

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return normalized(getattr(obj, self.attribute), obj.currency_decimals)


@extend_schema_field({**MONEY_SCHEMA, "nullable": True})
class SettingsMoneyField(MoneyInField):
    """A fee of the settings, written with the settings' currency decimals."""

    def get_attribute(self, instance):
        self._decimals = _settings_decimals(instance)
        return super().get_attribute(instance)

    def to_representation(self, value):
        return None if value is None else normalized(value, getattr(self, "_decimals", 2))


def _settings_decimals(settings: BillingSettings) -> int:
    from billing.money import currency_decimals

    return currency_decimals(settings.currency)


class KnownFieldsMixin:
    """A body's unknown field is a 400 ``unknown_field`` naming it; ``ignored`` ones are dropped."""

    #: wire names the server owns: accepted and ignored
    ignored: frozenset[str] = frozenset()

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"nonFieldErrors": [str(NOT_AN_OBJECT)]}, code="invalid")
        known = set(self.fields)
        for name in data:
            if name not in known and name not in self.ignored:
                raise BadRequest(UNKNOWN_FIELD, code="unknown_field", field=name)
        return super().to_internal_value({k: v for k, v in data.items() if k in known})


# --------------------------------------------------------------------------------------------
# Billing settings
# --------------------------------------------------------------------------------------------


class BillingSettingsSerializer(KnownFieldsMixin, ApiSerializer):
    """The settings, read and written in one shape (every field optional on PATCH)."""

    ignored = frozenset({"workspaceId", "updatedAt", "createdAt"})

    currency = StrictCharField(min_length=3, max_length=3, required=False, help_text="ISO 4217, e.g. USD.")
    tax_rate = TaxRateField(required=False)
    tax_number = StrictCharField(max_length=50, required=False, allow_blank=True)
    legal_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    address = StrictCharField(max_length=1000, required=False, allow_blank=True, trim_whitespace=False)
    country = StrictCharField(max_length=2, required=False, allow_blank=True, help_text="ISO 3166, e.g. SA.")
    invoice_prefix = StrictCharField(min_length=1, max_length=20, required=False)
    late_cancel_hours = StrictIntegerField(min_value=0, max_value=8760, required=False)
    late_cancel_fee = SettingsMoneyField(required=False, allow_null=True)
    no_show_fee = SettingsMoneyField(required=False, allow_null=True)


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------


class LineSerializer(ApiSerializer):
    """A line as read: exact numbers, money with the invoice's decimals."""

    description = serializers.CharField()
    quantity = QuantityField()
    unit_price = serializers.SerializerMethodField(method_name="get_unit_price")
    tax_rate = TaxRateField()
    total = serializers.SerializerMethodField(method_name="get_total")

    @extend_schema_field(MONEY_SCHEMA)
    def get_unit_price(self, line) -> Decimal:
        return normalized(Decimal(line["unitPrice"]), self.context["decimals"])

    @extend_schema_field(MONEY_SCHEMA)
    def get_total(self, line) -> Decimal:
        return normalized(Decimal(line["total"]), self.context["decimals"])

    def to_representation(self, line):
        # stored with the wire's names; read them as such
        return {
            "description": line["description"],
            "quantity": Decimal(format_number(Decimal(line["quantity"]))),
            "unitPrice": self.get_unit_price(line),
            "taxRate": normalized(Decimal(line["taxRate"]), 2),
            "total": self.get_total(line),
        }


class InvoiceReadSerializer(ApiSerializer):
    """An invoice as every endpoint shows it (the contract's shape, plus ``workspaceId`` and ``note``).

    Rows come from :func:`billing.selectors.invoice_queryset`: the client joined, the session
    ids annotated, so no field queries per row.
    """

    id = serializers.CharField(read_only=True)
    workspace_id = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, read_only=True)
    client_id = serializers.CharField(read_only=True)
    client_name = serializers.CharField(source="client.name", read_only=True)
    session_ids = serializers.SerializerMethodField(method_name="get_session_ids")
    currency = serializers.CharField(read_only=True)
    lines = serializers.SerializerMethodField(method_name="get_lines")
    subtotal = MoneyOutField("subtotal")
    tax = MoneyOutField("tax")
    discount = MoneyOutField("discount")
    total = MoneyOutField("total")
    paid_amount = MoneyOutField("paid_amount")
    note = serializers.CharField(read_only=True)
    issued_at = InstantField(read_only=True, allow_null=True)
    created_at = InstantField(read_only=True)
    updated_at = InstantField(read_only=True)

    @extend_schema_field({"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{24}$"}})
    def get_session_ids(self, invoice: Invoice) -> list[str]:
        return list(invoice.session_id_list or [])  # annotated by billing.selectors.invoice_queryset

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, invoice: Invoice) -> list[dict]:
        return LineSerializer(invoice.lines, many=True, context={"decimals": invoice.currency_decimals}).data


class LineWriteSerializer(ApiSerializer):
    """A line in a body (its unknown fields are found by :class:`InvoiceWriteSerializer`)."""

    #: wire names the server owns: accepted and ignored
    ignored = frozenset({"total"})

    description = StrictCharField(min_length=1, max_length=500)
    quantity = QuantityField()
    unit_price = MoneyInField()
    tax_rate = TaxRateField(required=False, allow_null=True, help_text="Percent; omitted or null: the workspace's.")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in self.ignored}
        attrs = super().to_internal_value(data)
        # nested items are never partial, even in a PATCH
        missing = {
            to_camel(name): [str(self.error_messages["required"])]
            for name in ("description", "quantity", "unit_price")
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class InvoiceWriteSerializer(KnownFieldsMixin, ApiSerializer):
    """A draft's lines (the whole list, replaced), discount and note."""

    ignored = frozenset(
        {
            "id",
            "workspaceId",
            "number",
            "status",
            "clientId",
            "clientName",
            "sessionIds",
            "currency",
            "subtotal",
            "tax",
            "total",
            "paidAmount",
            "issuedAt",
            "createdAt",
            "updatedAt",
        }
    )

    lines = LineWriteSerializer(many=True, required=False, max_length=MAX_LINES)
    discount = MoneyInField(required=False)
    note = StrictCharField(max_length=2000, required=False, allow_blank=True, trim_whitespace=False)

    def to_internal_value(self, data):
        lines = data.get("lines") if isinstance(data, dict) else None
        if isinstance(lines, list):
            known = set(LineWriteSerializer().fields) | LineWriteSerializer.ignored
            for index, line in enumerate(lines):
                for name in line if isinstance(line, dict) else ():
                    if name not in known:
                        raise BadRequest(UNKNOWN_FIELD, code="unknown_field", field=f"lines[{index}].{name}")
        return super().to_internal_value(data)


# --------------------------------------------------------------------------------------------
# Payments
# --------------------------------------------------------------------------------------------


class PaymentReadSerializer(ApiSerializer):
    id = serializers.CharField(read_only=True)
    invoice_id = serializers.CharField(read_only=True)
    amount = serializers.SerializerMethodField(method_name="get_amount")
    method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)
    paid_at = InstantField(read_only=True)
    reference = serializers.CharField(read_only=True)
    created_at = InstantField(read_only=True)

    @extend_schema_field(MONEY_SCHEMA)
    def get_amount(self, payment: Payment) -> Decimal:
        return normalized(payment.amount, payment.invoice.currency_decimals)


class PaymentWriteSerializer(KnownFieldsMixin, ApiSerializer):
    ignored = frozenset({"id", "invoiceId", "createdAt"})

    amount = MoneyInField()
    method = StrictChoiceField(choices=PaymentMethod.choices)
    paid_at = InstantField(required=False, help_text="When the money was received (ISO 8601); default now.")
    reference = StrictCharField(max_length=200, required=False, allow_blank=True)


class InvoiceSummarySerializer(ApiSerializer):
    """A session's ``invoice``: its invoice in short (for the schema of the sessions' shape)."""

    id = serializers.CharField()
    number = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices)
    total = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=False)
    paid_amount = serializers.DecimalField(max_digits=15, decimal_places=3, coerce_to_string=False)
    currency = serializers.CharField()
