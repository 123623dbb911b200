"""Session records for the benchmark's lists: notes, attachments and invoices, written by hand.

``seed_records`` gives the general sessions of one workspace in a date range what a practice's
sessions carry, so that the measured lists build their ``notes``, ``attachments`` and ``invoice``
columns from real rows (``seed_demo`` writes none). The rows are the ones the app writes
(``records.actions``, ``billing.actions``): 24-hex time-ordered ids, attachments under a random
``records/<workspace>/<32 hex>`` key (no bytes stored: the list never reads them), invoices with
their lines snapshotted from the session's services at their price, the totals of
``billing.totals`` (the one definition of the arithmetic), numbers gapless per workspace and
local year continuing the workspace's counter (which is moved on to match), a payment for each
paid invoice. Like ``seed_demo``, no historical rows and no jobs: nothing is notified.

The mix, drawn from a seeded generator (the same for the same seed and rows): 2 to 4 notes a
session, private and shared, by the session's staff member or another clinician; 0 to 3
attachments (PDF, images, a text or Word file, some names in Arabic); about 3 sessions in 4 on
an invoice of their services: past ones mostly paid or issued, some still draft, some voided and
invoiced again (the list shows the newer one); coming ones drafted or billed ahead; a cancelled
one now and then on a voided draft.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import secrets
import zoneinfo
from decimal import Decimal

import psycopg

from billing.money import currency_decimals, normalized, round_money
from billing.totals import Line, invoice_totals
from workspaces.ids import new_object_id

zoneinfo.reset_tzpath(to=[])  # the tzdata package, as the app's settings

CLINICIANS = ("owner", "admin", "specialist")
NOTE_BODIES = (
    "Client reports less pain since the last session; range of motion improved.",
    "Reviewed home exercises. Continue twice daily for two weeks.",
    "Blood pressure 128/82 before the session, 121/79 after.",
    "Discussed goals for the next month; client wants to return to running.",
    "Mild soreness after the previous session, resolved within a day.",
    "Referred for imaging; results to be attached when received.",
    "Follow-up in three weeks. Client prefers morning appointments.",
    "تحسن ملحوظ في الحركة. يستمر العميل في التمارين المنزلية.",
    "ناقشنا خطة العلاج للأسابيع القادمة، والعميل موافق عليها.",
    "يشكو العميل من ألم خفيف في أسفل الظهر بعد الجلسة السابقة.",
)
#: (name, content type, smallest size, largest size)
FILES = (
    ("lab-results.pdf", "application/pdf", 40_000, 900_000),
    ("referral-letter.pdf", "application/pdf", 30_000, 300_000),
    ("x-ray.jpg", "image/jpeg", 200_000, 4_000_000),
    ("posture-photo.png", "image/png", 150_000, 2_500_000),
    ("exercise-plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 15_000, 90_000),
    ("measurements.txt", "text/plain", 300, 6_000),
    ("تقرير-طبي.pdf", "application/pdf", 50_000, 700_000),
    ("صورة-أشعة.jpg", "image/jpeg", 300_000, 3_500_000),
)
PAYMENT_METHODS = ("card", "card", "cash", "bank_transfer", "online")
INVOICE_COLUMNS = (
    "id, created_at, updated_at, workspace_id, client_id, kind, status, number, year, sequence, currency,"
    " currency_decimals, lines, subtotal, discount, tax, total, paid_amount, note, date, issued_at, paid_at,"
    " voided_at, seller, client_name"
)


#: an invoice's link to a session, as COPY names its columns
LINK_COLUMNS = "id, created_at, updated_at, workspace_id, invoice_id, session_id, position"


def copy_rows(conn: psycopg.Connection, table: str, columns: str, rows) -> None:
    """``rows`` into ``table``'s ``columns`` (a comma-separated list) by one COPY."""
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def row_id(at: dt.datetime) -> str:
    """The app's id (``workspaces.ids``) of a row made at ``at``: its creation second comes first."""
    return new_object_id(at.timestamp())


class _Clock:
    """Moments one after the other from ``start``, never past ``now``."""

    def __init__(self, rng: random.Random, start: dt.datetime, now: dt.datetime) -> None:
        self.rng, self.at, self.now = rng, start, now

    def __call__(self, low: int, high: int) -> dt.datetime:
        step = dt.timedelta(minutes=self.rng.randint(low, high), seconds=self.rng.randint(0, 59))
        self.at = min(self.at + step, self.now)
        return self.at


def _settings(conn: psycopg.Connection, workspace_id: str) -> dict:
    """The workspace's billing settings, or the app's defaults (``billing.models.BillingSettings``)."""
    row = conn.execute(
        "SELECT w.name, w.timezone, s.currency, s.tax_rate, s.invoice_prefix, s.legal_name, s.tax_number,"
        " s.address, s.country FROM workspaces_workspace w"
        " LEFT JOIN billing_billingsettings s ON s.workspace_id = w.id WHERE w.id = %s",
        (workspace_id,),
    ).fetchone()
    name, timezone, currency, tax_rate, prefix, legal_name, tax_number, address, country = row
    return {
        "zone": zoneinfo.ZoneInfo(timezone),
        "currency": currency or "USD",
        "tax_rate": Decimal(0) if tax_rate is None else tax_rate,
        "prefix": prefix or "INV",
        # what an issued invoice keeps of its seller (billing.actions.seller_details)
        "seller": {
            "legalName": legal_name or name,
            "taxNumber": tax_number or "",
            "address": address or "",
            "country": country or "",
        },
    }


def _bill(services: list[tuple[str, Decimal | None]], settings: dict, decimals: int) -> tuple[list[dict], object]:
    """A draft's lines and totals, as ``billing.actions.invoice_draft_for_session`` makes them."""
    lines = [
        Line(
            description=name,
            quantity=Decimal(1),
            unit_price=round_money(price or Decimal(0), decimals),
            tax_rate=settings["tax_rate"],
        )
        for name, price in services
    ]
    totals = invoice_totals(lines, Decimal(0), decimals)
    stored = [
        {
            "description": line.description,
            "quantity": str(line.quantity),
            "unitPrice": str(normalized(line.unit_price, decimals)),
            "taxRate": str(normalized(line.tax_rate, 2)),
            "total": str(line.total(decimals)),
        }
        for line in lines
    ]
    return stored, totals


def _plan(rng: random.Random, status: str, past: bool) -> list[str]:
    """The invoices of one session, oldest first, by their final status ([] for none)."""
    r = rng.random()
    if status == "cancelled":
        return ["void_draft"] if r < 0.3 else []
    if past:
        for limit, plan in ((0.2, []), (0.6, ["paid"]), (0.84, ["issued"]), (0.9, ["draft"])):
            if r < limit:
                return plan
        return ["void", rng.choice(("issued", "paid", "draft"))]
    for limit, plan in ((0.2, []), (0.65, ["draft"]), (0.9, ["issued"])):
        if r < limit:
            return plan
    return ["paid"]


def seed_records(
    conn: psycopg.Connection, workspace_id: str, date_from: str, date_to: str, *, seed: int = 1
) -> dict[str, int]:
    """Notes, attachments and invoices for the workspace's general sessions from ``date_from`` to
    ``date_to`` (inclusive), in one transaction; returns how many rows of each it wrote.

    Sessions already on an invoice get no other one. Numbers continue the workspace's counter of
    each year (its row locked until the commit, as an issue does), so issues after this stay gapless.
    """
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    settings = _settings(conn, workspace_id)
    decimals = currency_decimals(settings["currency"])
    staff = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM workspaces_membership WHERE workspace_id = %s AND is_active AND role = ANY(%s) ORDER BY id",
            (workspace_id, list(CLINICIANS)),
        ).fetchall()
    ]
    sessions = conn.execute(
        "SELECT s.id, s.client_id, c.name, s.staff_id, s.status, s.ends_at,"
        " EXISTS (SELECT 1 FROM billing_invoicesession l WHERE l.workspace_id = s.workspace_id"
        "         AND l.session_id = s.id)"
        " FROM appointments_session s JOIN workspaces_client c ON c.id = s.client_id"
        " WHERE s.workspace_id = %s AND s.date >= %s AND s.date <= %s ORDER BY s.date, s.start_time, s.id",
        (workspace_id, date_from, date_to),
    ).fetchall()
    services: dict[str, list[tuple[str, Decimal | None]]] = {}
    for session_id, name, price in conn.execute(
        "SELECT ss.session_id, sv.name, sv.price FROM appointments_sessionservice ss"
        " JOIN services_service sv ON sv.id = ss.service_id"
        " WHERE ss.workspace_id = %s AND ss.session_id = ANY(%s) ORDER BY ss.session_id, ss.position, ss.id",
        (workspace_id, [row[0] for row in sessions]),
    ):
        services.setdefault(session_id, []).append((name, price))

    notes, files, invoices, links, payments = [], [], [], [], []
    for session_id, client_id, client_name, staff_id, status, ends_at, invoiced in sessions:
        past = ends_at < now
        # records are written after a session, or (one still to come) in the days before now
        start = ends_at + dt.timedelta(minutes=5) if past else now - dt.timedelta(hours=rng.randint(2, 96))
        later = _Clock(rng, start, now)

        def author(staff_id: str | None = staff_id) -> str | None:
            """The session's own staff member more often than not, else another clinician."""
            if staff_id in staff and rng.random() < 0.6:
                return staff_id
            return rng.choice(staff) if staff else None

        for _ in range(rng.randint(2, 4)):
            at = later(1, 90)
            visibility = "private" if rng.random() < 0.5 else "shared"
            notes.append(
                (
                    row_id(at),
                    at,
                    at,
                    workspace_id,
                    session_id,
                    rng.choice(NOTE_BODIES),
                    visibility,
                    author(),
                )
            )
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            at = later(1, 60)
            name, content_type, low, high = rng.choice(FILES)
            files.append(
                (row_id(at), at, at, workspace_id, session_id, name, rng.randint(low, high), content_type,
                 "private" if rng.random() < 0.6 else "shared", author(),
                 f"records/{workspace_id}/{secrets.token_hex(16)}", hashlib.sha256(secrets.token_bytes(16)).hexdigest())
            )  # fmt: skip
        if invoiced:
            continue
        lines, totals = _bill(services.get(session_id, []), settings, decimals)
        plan = _plan(rng, status, past)
        if not lines and plan:  # nothing to bill: a draft waiting for its lines (an empty one is not issued)
            plan = ["draft"]
        for final in plan:
            drafted = later(5, 120)
            invoice = {
                "id": row_id(drafted),
                "created_at": drafted,
                "client_id": client_id,
                "client_name": client_name,
                "final": final,
                "drafted": drafted,
                "lines": lines,
                "totals": totals,
            }
            if final in ("issued", "paid", "void"):
                invoice["issued_at"] = later(1, 60 * 24)
            if final == "paid" or (final == "issued" and totals.total == 0):
                invoice["final"] = "paid"
                invoice["paid_at"] = later(0, 60 * 24 * 7) if totals.total else invoice["issued_at"]
            if final in ("void", "void_draft"):
                invoice["voided_at"] = later(10, 60 * 24 * 3)
            invoice["updated_at"] = max(invoice.get(k, drafted) for k in ("issued_at", "paid_at", "voided_at"))
            invoices.append(invoice)
            links.append((row_id(drafted), drafted, drafted, workspace_id, invoice["id"], session_id, 0))

    with conn.transaction():
        numbered = sorted((i for i in invoices if "issued_at" in i), key=lambda i: (i["issued_at"], i["id"]))
        last: dict[int, int] = {}
        for invoice in numbered:
            year = invoice["issued_at"].astimezone(settings["zone"]).year
            if year not in last:  # the counter row, locked until the commit, as an issue's upsert does
                last[year] = conn.execute(
                    "INSERT INTO billing_invoicecounter AS counter (id, created_at, updated_at, workspace_id, year,"
                    " last_number) VALUES (%s, %s, %s, %s, %s, 0) ON CONFLICT (workspace_id, year)"
                    " DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING last_number",
                    (row_id(now), now, now, workspace_id, year),
                ).fetchone()[0]
            last[year] += 1
            invoice["year"], invoice["sequence"] = year, last[year]
        for year, number in last.items():
            conn.execute(
                "UPDATE billing_invoicecounter SET last_number = %s, updated_at = %s"
                " WHERE workspace_id = %s AND year = %s",
                (number, now, workspace_id, year),
            )
        copy_rows(
            conn,
            "billing_invoice",
            INVOICE_COLUMNS,
            [_invoice_row(i, workspace_id, settings, decimals) for i in invoices],
        )
        copy_rows(conn, "billing_invoicesession", LINK_COLUMNS, links)
        for i in invoices:
            if i["final"] == "paid" and i["totals"].total:
                at = i["paid_at"]
                payments.append((row_id(at), at, at, workspace_id, i["id"], i["totals"].total,
                                 rng.choice(PAYMENT_METHODS), at, ""))  # fmt: skip
        copy_rows(
            conn,
            "billing_payment",
            "id, created_at, updated_at, workspace_id, invoice_id, amount, method, paid_at, reference",
            payments,
        )
        copy_rows(
            conn,
            "records_note",
            "id, created_at, updated_at, workspace_id, session_id, body, visibility, author_id",
            notes,
        )
        copy_rows(
            conn,
            "records_sessionattachment",
            "id, created_at, updated_at, workspace_id, booking_id, name, size, content_type, visibility,"
            " uploaded_by_id, storage_key, sha256",
            files,
        )
    for table in ("records_note", "records_sessionattachment", "billing_invoice", "billing_invoicesession",
                  "billing_payment"):  # fmt: skip
        conn.execute(f"ANALYZE {table}")
    by_status: dict[str, int] = {}
    for i in invoices:
        key = "void" if i["final"] in ("void", "void_draft") else i["final"]
        by_status[key] = by_status.get(key, 0) + 1
    return {
        "sessions": len(sessions),
        "notes": len(notes),
        "attachments": len(files),
        "invoices": len(invoices),
        "invoiced_sessions": len({row[5] for row in links}),
        "payments": len(payments),
        **{f"invoices_{status}": n for status, n in sorted(by_status.items())},
    }


def _invoice_row(i: dict, workspace_id: str, settings: dict, decimals: int) -> tuple:
    """An invoice as ``billing.actions`` leaves it in its final status (a void one keeps its number)."""
    final, totals, zone = i["final"], i["totals"], settings["zone"]
    status = "void" if final in ("void", "void_draft") else final
    issued_at = i.get("issued_at")
    numbered = issued_at is not None
    number = f"{settings['prefix']}-{i['year']}-{i['sequence']:06d}" if numbered else None
    day = (issued_at or i["drafted"]).astimezone(zone).date()
    return (
        i["id"], i["created_at"], i["updated_at"], workspace_id, i["client_id"], "services", status, number,
        i.get("year"), i.get("sequence"), settings["currency"], decimals, json.dumps(i["lines"]),
        totals.subtotal, totals.discount, totals.tax, totals.total,
        totals.total if status == "paid" else normalized(Decimal(0), decimals), "", day, issued_at,
        i.get("paid_at"), i.get("voided_at"), json.dumps(settings["seller"]) if numbered else None,
        i["client_name"] if numbered else "",
    )  # fmt: skip
