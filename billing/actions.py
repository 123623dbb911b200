"""Write logic of billing: keyword-only, typed, each in one transaction, raising domain errors.

Every door (API, admin forms and bulk actions, the booking core's status changes) writes
invoices through these functions, which lock the invoice row (``SELECT ... FOR UPDATE``) before
reading its state, so a payment, an edit, an issue and a void of one invoice never interleave.

Numbers: :func:`invoice_issue` takes the next number of the workspace and year from
:class:`~billing.models.InvoiceCounter` with one upsert (``INSERT ... ON CONFLICT DO UPDATE
... RETURNING``) inside the issuing transaction. The upsert locks the counter row like ``SELECT
... FOR UPDATE`` would, until the transaction ends: concurrent issues of one workspace and year
queue on that row and each reads the number the one before it committed; an issue that rolls
back (anything failing after the number was taken) rolls the counter back with it. So numbers
are unique and gapless, which the database also holds (``invoice_ws_sequence_unique``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from billing.models import (
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceSession,
    InvoiceStatus,
    Payment,
)
from billing.money import currency_decimals, has_at_most, is_country, is_currency, normalized, round_money
from billing.selectors import billing_settings_of, invoice_language
from billing.totals import Line, invoice_totals
from config.api.formats import format_clock
from nutrition.models import ConsultationStatus, NutritionSession
from sessions.models import Session, SessionService, SessionStatus
from workspaces.errors import ConflictError, InvalidError, refuse_unknown_changes
from workspaces.ids import new_object_id
from workspaces.models import Workspace
from workspaces.timezones import utc_to_local

NOT_DRAFT = _("Only a draft invoice can be changed or issued.")
EMPTY_INVOICE = _("An invoice needs at least one line to be issued.")
ALREADY_VOID = _("This invoice is already void.")
HAS_PAYMENTS = _("An invoice with payments cannot be voided.")
NOT_ISSUED = _("Payments are recorded against an issued invoice.")
INVOICE_VOID = _("This invoice is void.")
OVERPAYMENT = _("The amount is more than the balance of %(balance)s %(currency)s.")
TOO_PRECISE = _("%(currency)s amounts have at most %(decimals)s decimals.")
DISCOUNT_TOO_LARGE = _("The discount cannot exceed the subtotal.")
AMOUNT_NOT_POSITIVE = _("The amount must be more than zero.")
ALREADY_INVOICED = _("This session is already on invoice %(invoice)s; void it to invoice the session again.")
LATE_CANCEL_LINE = _("Late cancellation fee: %(booking)s on %(date)s at %(time)s")
NO_SHOW_LINE = _("No-show fee: %(booking)s on %(date)s at %(time)s")
CONSULTATION = _("Consultation")
UNKNOWN_CURRENCY = _("Enter an ISO 4217 currency code with 0, 2 or 3 decimals, such as USD, JPY or KWD.")
UNKNOWN_COUNTRY = _("Enter an ISO 3166 country code of two letters, such as SA.")
TAX_RATE_RANGE = _("Enter a percentage from 0 to 100 with at most 2 decimals.")
PREFIX_INVALID = _("Use 1 to 20 letters, digits, hyphens or underscores, starting with a letter or digit.")
LEGAL_NAME_TOO_LONG = _("The legal name is too long for the tax QR code (at most 255 bytes in UTF-8).")
SA_TAX_NUMBER_INVALID = _("A Saudi VAT number has 15 digits, starting and ending with 3.")
FEE_NEGATIVE = _("A fee cannot be negative.")
SETTINGS_RACE = _("The settings were being changed at the same time; try again.")


@dataclass(frozen=True)
class LineInput:
    """A line as a caller gives it; ``tax_rate`` None takes the workspace's rate."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------

#: what a workspace's billing settings hold, in the order forms show them
SETTINGS_FIELDS = (
    "currency",
    "tax_rate",
    "tax_number",
    "legal_name",
    "address",
    "country",
    "invoice_prefix",
    "late_cancel_hours",
    "late_cancel_fee",
    "no_show_fee",
)


PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
SA_TAX_NUMBER_RE = re.compile(r"^3\d{13}3$")
#: the tax QR code gives a field at most 255 bytes (its length is one byte)
MAX_TLV_BYTES = 255


def check_settings(settings: BillingSettings) -> None:
    """The rules of billing settings, each a 400 naming its field."""
    if not is_currency(settings.currency):
        raise InvalidError(UNKNOWN_CURRENCY, code="invalid", field="currency")
    if settings.country and not is_country(settings.country):
        raise InvalidError(UNKNOWN_COUNTRY, code="invalid", field="country")
    if not 0 <= settings.tax_rate <= 100 or not has_at_most(settings.tax_rate, 2):
        raise InvalidError(TAX_RATE_RANGE, code="invalid", field="tax_rate")
    if not PREFIX_RE.match(settings.invoice_prefix or ""):
        raise InvalidError(PREFIX_INVALID, code="invalid", field="invoice_prefix")
    if len(settings.legal_name.encode()) > MAX_TLV_BYTES:
        raise InvalidError(LEGAL_NAME_TOO_LONG, code="invalid", field="legal_name")
    if settings.country == "SA" and settings.tax_number and not SA_TAX_NUMBER_RE.match(settings.tax_number):
        raise InvalidError(SA_TAX_NUMBER_INVALID, code="invalid", field="tax_number")
    decimals = currency_decimals(settings.currency)
    for name in ("late_cancel_fee", "no_show_fee"):
        value = getattr(settings, name)
        if value is not None:
            if value < 0:
                raise InvalidError(FEE_NEGATIVE, code="invalid", field=name)
            _check_precision(value, settings.currency, decimals, field=name)
            setattr(settings, name, normalized(value, decimals))


@transaction.atomic
def billing_settings_update(*, workspace: Workspace, **changes: Any) -> BillingSettings:
    """Change the workspace's billing settings (its row is written on the first change).

    The currency is an ISO 4217 code of 0, 2 or 3 decimals and the fees are amounts of it (at
    most its decimals: ``too_precise``, also when a new currency has fewer); the country an
    ISO 3166 code; a Saudi tax number 15 digits from 3 to 3; the legal name fits the tax QR code.
    """
    refuse_unknown_changes("billing_settings_update", changes, SETTINGS_FIELDS)
    for _attempt in range(2):
        settings = BillingSettings.objects.select_for_update().filter(workspace=workspace).first()
        creating = settings is None
        settings = settings or BillingSettings(workspace=workspace)
        settings.workspace = workspace
        for name, value in changes.items():
            if name in ("currency", "country") and isinstance(value, str):
                value = value.strip().upper()  # "sar" is SAR
            setattr(settings, name, value)
        check_settings(settings)
        try:
            with transaction.atomic():  # a savepoint: a first write racing another one retries
                settings.save(force_insert=creating)
        except IntegrityError:
            if not creating:
                raise
            continue
        return settings
    raise ConflictError(SETTINGS_RACE, code="conflict")  # pragma: no cover - two lost races in a row


# --------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------


def _check_precision(value: Decimal, currency: str, decimals: int, *, field: str) -> None:
    if not has_at_most(value, decimals):
        raise InvalidError(TOO_PRECISE % {"currency": currency, "decimals": decimals}, code="too_precise", field=field)


def _local_date(workspace: Workspace, instant: dt.datetime) -> dt.date:
    return utc_to_local(instant, workspace.timezone).date()


def _stored_line(line: Line, decimals: int) -> dict[str, str]:
    """A line as the invoice keeps it: exact decimal strings, in the wire's names."""
    return {
        "description": line.description,
        "quantity": str(line.quantity),
        "unitPrice": str(normalized(line.unit_price, decimals)),
        "taxRate": str(normalized(line.tax_rate, 2)),
        "total": str(line.total(decimals)),
    }


def stored_lines(invoice: Invoice) -> list[Line]:
    """The invoice's lines for arithmetic."""
    return [
        Line(
            description=item["description"],
            quantity=Decimal(item["quantity"]),
            unit_price=Decimal(item["unitPrice"]),
            tax_rate=Decimal(item["taxRate"]),
        )
        for item in invoice.lines
    ]


def _set_lines(invoice: Invoice, lines: list[Line], discount: Decimal) -> None:
    """Write ``lines`` and ``discount`` on ``invoice`` with the totals they make."""
    decimals = invoice.currency_decimals
    totals = invoice_totals(lines, discount, decimals)
    if totals.discount > totals.subtotal:
        raise InvalidError(DISCOUNT_TOO_LARGE, code="discount_too_large", field="discount")
    invoice.lines = [_stored_line(line, decimals) for line in lines]
    invoice.subtotal, invoice.discount, invoice.tax, invoice.total = (
        totals.subtotal,
        totals.discount,
        totals.tax,
        totals.total,
    )


def _new_draft(
    *, workspace: Workspace, client, kind: str, settings: BillingSettings, now: dt.datetime | None = None
) -> Invoice:
    return Invoice(
        workspace=workspace,
        client=client,
        kind=kind,
        currency=settings.currency,
        currency_decimals=currency_decimals(settings.currency),
        date=_local_date(workspace, now or timezone.now()),
    )


def _link(invoice: Invoice, *, session: Session | None = None, consultation: NutritionSession | None = None) -> None:
    InvoiceSession.objects.create(
        workspace_id=invoice.workspace_id, invoice=invoice, session=session, consultation=consultation
    )


def _open_invoice_of(*, workspace_id: str, kind: str, session_id=None, consultation_id=None) -> Invoice | None:
    """The newest invoice of ``kind`` that is not void and bills this session or consultation."""
    links = InvoiceSession.objects.filter(workspace_id=workspace_id)
    links = links.filter(session_id=session_id) if session_id else links.filter(consultation_id=consultation_id)
    return (
        Invoice.objects.filter(
            workspace_id=workspace_id,
            kind=kind,
            pk__in=links.values("invoice_id"),
        )
        .exclude(status=InvoiceStatus.VOID)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def invoice_draft_for_session(*, session: Session) -> Invoice:
    """A draft for the session's client: one line a service of the session, at its current price.

    The session row is locked first, so two drafts of one session cannot race; a session already
    on an invoice of its services that is not void is a 409 ``session_already_invoiced`` (void
    that invoice to invoice the session again). Prices are rounded half-up to the currency's
    minor unit; a service without a price is a line at 0, to be edited in the draft.
    """
    workspace = session.workspace
    Session.objects.select_for_update().filter(workspace=workspace, pk=session.pk).values_list("pk").first()
    existing = _open_invoice_of(workspace_id=workspace.pk, kind=InvoiceKind.SERVICES, session_id=session.pk)
    if existing is not None:
        raise ConflictError(
            ALREADY_INVOICED % {"invoice": existing.number or existing.pk},
            code="session_already_invoiced",
        )
    settings = billing_settings_of(workspace)
    invoice = _new_draft(workspace=workspace, client=session.client, kind=InvoiceKind.SERVICES, settings=settings)
    services = (
        SessionService.objects.filter(workspace=workspace, session=session)
        .order_by("position", "id")
        .values_list("service__name", "service__price")
    )
    lines = [
        Line(
            description=name,
            quantity=Decimal(1),
            unit_price=round_money(price or Decimal(0), invoice.currency_decimals),
            tax_rate=settings.tax_rate,
        )
        for name, price in services
    ]
    _set_lines(invoice, lines, Decimal(0))
    invoice.save(force_insert=True)
    _link(invoice, session=session)
    return invoice


def _late(booking, settings: BillingSettings, at: dt.datetime) -> bool:
    return booking.starts_at - at < dt.timedelta(hours=settings.late_cancel_hours)


@transaction.atomic
def fee_draft_for(booking: Session | NutritionSession, *, at: dt.datetime | None = None) -> Invoice | None:
    """The fee draft the workspace's policy gives ``booking`` as it now stands, or None.

    Call it from the status change, in its transaction, once the new status is saved (``at``:
    when it changed, default now):

    - a session or a consultation ``cancelled`` less than ``lateCancelHours`` before its start
      (or after it) gets a draft for ``lateCancelFee``;
    - a consultation marked ``no_show`` gets a draft for ``noShowFee``;
    - a fee that is not set (or 0) gives no draft; any other status gives none.

    One line: the fee, with the workspace's tax rate, described in the invoice's language. The
    booking row is locked first and a fee draft already made for it (not void) is returned
    instead of a second one, so calling this twice is harmless.
    """
    at = at or timezone.now()
    workspace = booking.workspace
    settings = billing_settings_of(workspace)
    is_consultation = isinstance(booking, NutritionSession)
    if is_consultation and booking.status == ConsultationStatus.NO_SHOW:
        kind, fee, template = InvoiceKind.NO_SHOW_FEE, settings.no_show_fee, NO_SHOW_LINE
    elif booking.status in (SessionStatus.CANCELLED, ConsultationStatus.CANCELLED) and _late(booking, settings, at):
        kind, fee, template = InvoiceKind.LATE_CANCEL_FEE, settings.late_cancel_fee, LATE_CANCEL_LINE
    else:
        return None
    if not fee:
        return None
    model = type(booking)
    model.objects.select_for_update().filter(workspace=workspace, pk=booking.pk).values_list("pk").first()
    key = {"consultation_id": booking.pk} if is_consultation else {"session_id": booking.pk}
    existing = _open_invoice_of(workspace_id=workspace.pk, kind=kind, **key)
    if existing is not None:
        return existing

    invoice = _new_draft(workspace=workspace, client=booking.client, kind=kind, settings=settings, now=at)
    with translation.override(invoice_language(invoice)):
        name = (booking.topic or str(CONSULTATION)) if is_consultation else booking.name
        description = str(template) % {
            "booking": name,
            "date": booking.date.isoformat(),
            "time": format_clock(booking.start_time),
        }
    line = Line(
        description=description,
        quantity=Decimal(1),
        unit_price=round_money(fee, invoice.currency_decimals),
        tax_rate=settings.tax_rate,
    )
    _set_lines(invoice, [line], Decimal(0))
    invoice.save(force_insert=True)
    _link(invoice, **({"consultation": booking} if is_consultation else {"session": booking}))
    return invoice


# --------------------------------------------------------------------------------------------
# Changes of one invoice
# --------------------------------------------------------------------------------------------


def _locked(invoice: Invoice) -> Invoice:
    """``invoice`` re-read under a row lock (its workspace and client kept)."""
    fresh = Invoice.objects.select_for_update().get(workspace_id=invoice.workspace_id, pk=invoice.pk)
    for relation in ("workspace", "client"):
        if Invoice._meta.get_field(relation).is_cached(invoice):
            setattr(fresh, relation, getattr(invoice, relation))
    return fresh


_UNSET: Any = object()


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    lines: list[LineInput] = _UNSET,
    discount: Decimal = _UNSET,
    note: str = _UNSET,
) -> Invoice:
    """Change a draft's lines (all of them, replaced), discount or note; the totals follow.

    A unit price or a discount finer than the currency's minor unit is a 400 ``too_precise``
    (``lines[i].unitPrice``, ``discount``); a discount over the subtotal a 400
    ``discount_too_large``; an invoice that is not a draft a 409 ``invoice_not_draft``.
    """
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ConflictError(NOT_DRAFT, code="invoice_not_draft", field="status")
    currency, decimals = invoice.currency, invoice.currency_decimals
    if lines is _UNSET:
        current = stored_lines(invoice)
    else:
        default_rate = None
        current = []
        for index, item in enumerate(lines):
            _check_precision(item.unit_price, currency, decimals, field=f"lines[{index}].unit_price")
            rate = item.tax_rate
            if rate is None:
                if default_rate is None:
                    default_rate = billing_settings_of(invoice.workspace).tax_rate
                rate = default_rate
            current.append(
                Line(description=item.description, quantity=item.quantity, unit_price=item.unit_price, tax_rate=rate)
            )
    if discount is _UNSET:
        discount = invoice.discount
    else:
        _check_precision(discount, currency, decimals, field="discount")
    _set_lines(invoice, current, discount)
    if note is not _UNSET:
        invoice.note = note
    invoice.save()
    return invoice


def _next_number(workspace_id: str, year: int) -> int:
    """The workspace's next number for ``year``, its counter row locked until the transaction ends."""
    table = InvoiceCounter._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS counter (id, created_at, updated_at, workspace_id, year, last_number)"
            " VALUES (%s, %s, %s, %s, %s, 1)"
            " ON CONFLICT (workspace_id, year)"
            " DO UPDATE SET last_number = counter.last_number + 1, updated_at = EXCLUDED.updated_at"
            " RETURNING last_number",
            [new_object_id(), now, now, workspace_id, year],
        )
        return cursor.fetchone()[0]


def invoice_number(prefix: str, year: int, sequence: int) -> str:
    """``{prefix}-{year}-{000001}``."""
    return f"{prefix}-{year}-{sequence:06d}"


def seller_details(workspace: Workspace, settings: BillingSettings) -> dict[str, str]:
    """What an invoice prints about its seller (kept on the invoice when it is issued)."""
    return {
        "legalName": settings.legal_name or workspace.name,
        "taxNumber": settings.tax_number,
        "address": settings.address,
        "country": settings.country,
    }


@transaction.atomic
def invoice_issue(*, invoice: Invoice, at: dt.datetime | None = None) -> Invoice:
    """Issue a draft: the next number of its workspace and year, its date, its seller's details.

    The year and date are the workspace's local ones at ``at`` (default now). An empty draft is
    a 400 ``invoice_empty``; an invoice that is not a draft a 409 ``invoice_not_draft``. An
    invoice whose total is 0 is paid as soon as it is issued.
    """
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ConflictError(NOT_DRAFT, code="invoice_not_draft", field="status")
    if not invoice.lines:
        raise InvalidError(EMPTY_INVOICE, code="invoice_empty", field="lines")
    at = at or timezone.now()
    workspace = invoice.workspace
    settings = billing_settings_of(workspace)
    local_day = _local_date(workspace, at)
    sequence = _next_number(workspace.pk, local_day.year)
    invoice.year, invoice.sequence = local_day.year, sequence
    invoice.number = invoice_number(settings.invoice_prefix, local_day.year, sequence)
    invoice.date = local_day
    invoice.issued_at = at
    invoice.seller = seller_details(workspace, settings)
    invoice.client_name = invoice.client.name
    invoice.status = InvoiceStatus.ISSUED
    invoice.save()
    if invoice.total == 0:  # issued, then paid at once (its history and its events say both)
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, at
        invoice.save(update_fields=["status", "paid_at", "updated_at"])
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, at: dt.datetime | None = None) -> Invoice:
    """Void a draft or an issued invoice. It keeps its number (the sequence keeps no gap).

    Void already: 409 ``invoice_already_void``; with payments: 409 ``invoice_has_payments``.
    """
    invoice = _locked(invoice)
    if invoice.status == InvoiceStatus.VOID:
        raise ConflictError(ALREADY_VOID, code="invoice_already_void", field="status")
    if invoice.paid_amount > 0:
        raise ConflictError(HAS_PAYMENTS, code="invoice_has_payments", field="status")
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = at or timezone.now()
    invoice.save()
    return invoice


def payment_refusal(invoice: Invoice, amount: Decimal) -> ConflictError | InvalidError | None:
    """Why a payment of ``amount`` against ``invoice`` (as read) is refused, or None.

    A draft: 409 ``invoice_not_issued``; a void invoice: 409 ``invoice_void``; an amount of 0
    or less, or finer than the currency's minor unit: 400; more than the balance: 400
    ``overpayment`` (a paid invoice's balance is 0).
    """
    if invoice.status == InvoiceStatus.DRAFT:
        return ConflictError(NOT_ISSUED, code="invoice_not_issued", field="status")
    if invoice.status == InvoiceStatus.VOID:
        return ConflictError(INVOICE_VOID, code="invoice_void", field="status")
    currency, decimals = invoice.currency, invoice.currency_decimals
    if amount <= 0:
        return InvalidError(AMOUNT_NOT_POSITIVE, code="invalid", field="amount")
    if not has_at_most(amount, decimals):
        return InvalidError(
            TOO_PRECISE % {"currency": currency, "decimals": decimals}, code="too_precise", field="amount"
        )
    balance = invoice.balance
    if amount > balance:
        return InvalidError(
            OVERPAYMENT % {"balance": normalized(balance, decimals), "currency": currency},
            code="overpayment",
            field="amount",
        )
    return None


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    method: str,
    paid_at: dt.datetime | None = None,
    reference: str = "",
) -> Payment:
    """Record a payment of an issued invoice; at its total the invoice is ``paid``.

    Refused as :func:`payment_refusal` says. The invoice row is locked first and the refusal
    judged on what it then holds, so two payments racing for the last of the balance cannot
    both go through.
    """
    invoice = _locked(invoice)
    refusal = payment_refusal(invoice, amount)
    if refusal is not None:
        raise refusal
    paid_at = paid_at or timezone.now()
    decimals = invoice.currency_decimals
    payment = Payment.objects.create(
        workspace_id=invoice.workspace_id,
        invoice=invoice,
        amount=normalized(amount, decimals),
        method=method,
        paid_at=paid_at,
        reference=reference,
    )
    invoice.paid_amount = normalized(invoice.paid_amount + amount, decimals)
    if invoice.paid_amount == invoice.total:
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, paid_at
    invoice.save()
    return payment
