"""Read logic of billing: settings with their defaults, the invoice rows, a session's invoice."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case, DecimalField, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from billing.models import BillingSettings, Invoice, InvoiceSession, InvoiceStatus
from config.api.formats import JsonObject
from workspaces.models import Workspace

#: the languages an invoice can be printed in
INVOICE_LANGUAGES = ("en", "ar")
DEFAULT_INVOICE_LANGUAGE = "en"


def billing_settings_of(workspace: Workspace) -> BillingSettings:
    """The workspace's billing settings: its row, or the defaults (unsaved) when it has none."""
    found = BillingSettings.objects.filter(workspace=workspace).first()
    if found is None:
        found = BillingSettings(workspace=workspace)
    found.workspace = workspace
    return found


def invoice_language(invoice: Invoice) -> str:
    """The language ``invoice`` is printed in: its client's, else its workspace's, else English
    (a language the product does not print in is passed over). The one place that decides it."""
    for owner in (invoice.client, invoice.workspace):
        language = owner.language
        if language in INVOICE_LANGUAGES:
            return language
    return DEFAULT_INVOICE_LANGUAGE


def _session_links():
    """An invoice's links, in order (workspace-led lookup)."""
    return InvoiceSession.objects.filter(workspace=OuterRef("workspace"), invoice=OuterRef("pk")).order_by(
        "position", "id"
    )


def invoice_queryset() -> QuerySet[Invoice]:
    """Invoices with everything ``InvoiceReadSerializer`` shows, in one query.

    The client joined (its name), the workspace joined (the PDF's language and time zone), and
    ``session_id_list``: the ids of the sessions of either kind it bills, in order.
    """
    return Invoice.objects.select_related("client", "workspace").annotate(
        session_id_list=ArraySubquery(_session_links().values(booking=Coalesce(F("session_id"), F("consultation_id")))),
    )


# --------------------------------------------------------------------------------------------
# A session's invoice (the session's ``invoice`` field, seeds 001 and 002)
# --------------------------------------------------------------------------------------------
#
# Which one: a session can be on several invoices (one voided and drafted again, a late
# cancellation fee beside the services). It shows the newest invoice that is not void, else
# the newest void one; null when no invoice includes it.


def _newest_first(queryset: QuerySet[InvoiceSession]) -> QuerySet[InvoiceSession]:
    void_last = Case(
        When(invoice__status=InvoiceStatus.VOID, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return queryset.alias(void_last=void_last)


def session_invoice_summaries(*, workspace_id: str, session_ids: Iterable[str]) -> dict[str, dict]:
    """session id -> its invoice's summary, for the sessions of one workspace, in ONE query.

    Sessions that no invoice includes are absent from the answer (their ``invoice`` is null).
    The query reads the links through ``invoice_link_ws_session_idx`` (workspace, session,
    invoice) and keeps one row a session (``DISTINCT ON``), the invoice joined by primary key.
    """
    session_ids = list(session_ids)
    if not session_ids:
        return {}
    rows = (
        _newest_first(InvoiceSession.objects.filter(workspace_id=workspace_id, session_id__in=session_ids))
        .order_by("session_id", "void_last", "-invoice__created_at", "-invoice_id")
        .distinct("session_id")
        .values(
            "session_id",
            "invoice_id",
            "invoice__number",
            "invoice__status",
            "invoice__total",
            "invoice__paid_amount",
            "invoice__currency",
            "invoice__currency_decimals",
        )
    )
    from billing.money import normalized

    return {
        row["session_id"]: {
            "id": row["invoice_id"],
            "number": row["invoice__number"],
            "status": row["invoice__status"],
            "total": normalized(row["invoice__total"], row["invoice__currency_decimals"]),
            "paidAmount": normalized(row["invoice__paid_amount"], row["invoice__currency_decimals"]),
            "currency": row["invoice__currency"],
        }
        for row in rows
    }


def session_invoice_json(*, session: str = "pk", workspace: str = "workspace") -> Subquery:
    """A session's invoice summary as JSON text (or NULL), for a session query to annotate.

    ``session`` and ``workspace`` name the outer query's session id and workspace. One
    correlated subquery a row, through ``invoice_link_ws_session_idx`` (workspace, session,
    invoice) and the invoice's primary key, first row only: the list keeps its single query.
    The amounts are rounded to the currency's minor unit (``round(numeric, n)`` keeps n decimals:
    150.00, 1500, 1.250) and written as they are: write the text out as it is (the sessions' read
    shape does), or parse it with :func:`invoice_summary_from_json` (exact Decimals; ``orjson.loads``
    would make floats of them and lose their trailing zeros).
    """
    links = _newest_first(
        InvoiceSession.objects.filter(workspace=OuterRef(workspace), session=OuterRef(session))
    ).order_by("void_last", "-invoice__created_at", "-invoice_id")
    decimals = F("invoice__currency_decimals")
    return JsonObject(
        links,
        id="invoice_id",
        number="invoice__number",
        status="invoice__status",
        total=Func(F("invoice__total"), decimals, function="round", output_field=DecimalField()),
        paidAmount=Func(F("invoice__paid_amount"), decimals, function="round", output_field=DecimalField()),
        currency="invoice__currency",
    )


def invoice_summary_from_json(text: str | None) -> dict | None:
    """The text of :func:`session_invoice_json` as the session's ``invoice`` value (or None)."""
    if text is None:
        return None
    return json.loads(text, parse_float=Decimal)
