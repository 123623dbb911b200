"""An invoice as a PDF, in its client's language: Arabic right to left, English left to right.

fpdf2 lays the page out and shapes the text through HarfBuzz (``uharfbuzz``): Arabic letters
take their joined forms, and fpdf2's implementation of the Unicode bidirectional algorithm puts
mixed runs (an English name, a number, a currency code in Arabic text, an Arabic service name on
an English invoice) in their visual order. Everything installs with pip; the fonts ship in
``billing/fonts`` (Noto Sans and Noto Sans Arabic, SIL Open Font License), each one the other's
fallback for the glyphs it lacks. Every text is written with a ToUnicode map in logical order,
so the PDF's text can be searched and copied.

The page: the seller's legal details (kept on the invoice when issued; a draft prints the
current ones), the title, number and dates, the client, the lines, the totals, the note, and
for a workspace whose billing country is SA (once issued) the simplified tax invoice QR code.
Drafts and void invoices carry a large stamp saying so.
"""

from __future__ import annotations

import gettext
import unicodedata
from decimal import Decimal
from pathlib import Path

import segno
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing.actions import seller_details
from billing.models import Invoice, InvoiceStatus
from billing.money import format_money, format_number, format_plain, normalized
from billing.selectors import billing_settings_of, invoice_language
from billing.zatca import zatca_qr_text
from workspaces.timezones import utc_to_local

FONTS = Path(__file__).resolve().parent / "fonts"

TITLE = _("Invoice")
TITLE_SIMPLIFIED_TAX = _("Simplified tax invoice")
NUMBER = _("Invoice number")
ISSUE_DATE = _("Issue date")
DRAFT_DATE = _("Draft date")
BILL_TO = _("Bill to")
TAX_NUMBER = _("Tax number")
DESCRIPTION = _("Description")
QUANTITY = _("Qty")
UNIT_PRICE = _("Unit price")
TAX_RATE = _("Tax")
LINE_TOTAL = _("Amount")
SUBTOTAL = _("Subtotal")
DISCOUNT = _("Discount")
TAX = _("Tax")
TOTAL = _("Total")
PAID = _("Amount paid")
BALANCE = _("Balance due")
NOTE = _("Note")
DRAFT_STAMP = _("DRAFT")
VOID_STAMP = _("VOID")
PAID_STAMP = _("PAID")
NOT_ISSUED = _("Not issued")
QR_CAPTION = _("Scan to verify this tax invoice")
CURRENCY = _("Currency")

LRM = "\u200e"
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (206, 212, 218)
HEADER_FILL = (241, 243, 245)
STAMP = (220, 53, 69)


def _country_name(code: str, language: str) -> str:
    """The country's name in ``language`` (pycountry's ISO 3166 names and their translations)."""
    if not code:
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    try:
        names = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return country.name
    return names.gettext(country.name)


class InvoicePDF(FPDF):
    """A page that knows its reading direction: ``start`` is the right side in Arabic."""

    def __init__(self, *, rtl: bool):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.rtl = rtl
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        for family, stem in (("latin", "NotoSans"), ("arabic", "NotoSansArabic")):
            self.add_font(family, "", FONTS / f"{stem}-Regular.ttf")
            self.add_font(family, "B", FONTS / f"{stem}-Bold.ttf")
        self.base = "arabic" if rtl else "latin"
        self._wanted_font = (self.base, "", 9.5)
        self.set_fallback_fonts(["latin" if rtl else "arabic"], exact_match=False)
        self.direction = None
        self.set_direction_for("")
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)

    # -- fonts ------------------------------------------------------------------------------

    def font(self, style: str = "", size: float = 9.5) -> None:
        self._wanted_font = (self.base, style, size)
        self._refont()

    def _refont(self) -> None:
        """Make the wanted font current again. fpdf2 (2.8) leaves the fallback font current
        after a text that began with it (an Arabic name on an English page), and ``set_font``
        with the same family, style and size then keeps it: the next Latin text was shaped with
        the Arabic font's glyphs and came out garbled. Forgetting the family forces the reload."""
        family, style, size = self._wanted_font
        self.font_family = ""
        self.set_font(family, style, size)

    def cell(self, *args, **kwargs):
        self._refont()
        return super().cell(*args, **kwargs)

    def multi_cell(self, *args, **kwargs):
        self._refont()
        return super().multi_cell(*args, **kwargs)

    # -- direction-aware placement ------------------------------------------------------------

    def set_direction_for(self, text: str) -> None:
        """Each text is a paragraph of its own direction, by its first strong letter (as HTML's
        ``dir="auto"``): an Arabic service name on an English invoice reads right to left, an
        English name on an Arabic one left to right; text without letters takes the page's.

        Only the direction is given: HarfBuzz finds each run's script (naming one would shape
        an Arabic name as Latin, its letters unjoined).
        """
        direction = _first_strong(text) or ("rtl" if self.rtl else "ltr")
        if direction != self.direction:
            self.set_text_shaping(use_shaping_engine=True, direction=direction)
            self.direction = direction

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def start_align(self) -> str:
        return "R" if self.rtl else "L"

    def end_align(self) -> str:
        return "L" if self.rtl else "R"

    def x_at(self, offset: float, width: float) -> float:
        """The left x of a box ``width`` wide whose start edge is ``offset`` from the start margin."""
        if self.rtl:
            return self.w - self.r_margin - offset - width
        return self.l_margin + offset

    def text_box(self, offset: float, width: float, text: str, *, size=9.5, bold=False, color=INK, align=None, h=5):
        """A wrapped paragraph at ``offset`` from the start margin; the cursor goes below it."""
        self.font("B" if bold else "", size)
        self.set_text_color(*color)
        for line in text.splitlines() or [""]:  # each line its own paragraph (and direction)
            self.set_x(self.x_at(offset, width))
            self.set_direction_for(line)
            self.multi_cell(width, h, line, align=align or self.start_align(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def one_line(self, x: float, y: float, width: float, h: float, text: str, align: str) -> None:
        self.set_xy(x, y)
        self.set_direction_for(text)
        self.cell(width, h, text, align=align)


def _first_strong(text: str) -> str | None:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _dates(invoice: Invoice) -> tuple[str, str]:
    if invoice.issued_at is not None:
        return str(ISSUE_DATE), utc_to_local(invoice.issued_at, invoice.workspace.timezone).date().isoformat()
    return str(DRAFT_DATE), invoice.date.isoformat()


def _seller(invoice: Invoice) -> dict[str, str]:
    if invoice.seller:
        return invoice.seller
    return seller_details(invoice.workspace, billing_settings_of(invoice.workspace))


def _money(invoice: Invoice, value: Decimal) -> str:
    return f"{format_money(value, invoice.currency_decimals)} {invoice.currency}"


def zatca_qr_for(invoice: Invoice) -> str | None:
    """The tax QR code's text for ``invoice``, when it carries one: its seller's country is SA
    and it was issued (a draft is no tax invoice)."""
    if invoice.issued_at is None:
        return None
    seller = _seller(invoice)
    if seller.get("country") != "SA":
        return None
    decimals = invoice.currency_decimals
    return zatca_qr_text(
        seller_name=seller.get("legalName") or invoice.workspace.name,
        vat_number=seller.get("taxNumber") or "",
        issued_at=invoice.issued_at,
        total=format_plain(invoice.total, decimals),
        vat=format_plain(invoice.tax, decimals),
    )


def _draw_qr(pdf: InvoicePDF, text: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (crisp at any zoom), one rectangle per run of dark modules."""
    qr = segno.make(text, error="m", micro=False)
    modules = qr.symbol_size(border=0)[0]
    step = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(qr.matrix):
        column = 0
        while column < len(row):
            if row[column] & 1:
                first = column
                while column < len(row) and row[column] & 1:
                    column += 1
                pdf.rect(x + first * step, y + row_index * step, (column - first) * step, step, style="F")
            else:
                column += 1


def _stamp(pdf: InvoicePDF, invoice: Invoice) -> None:
    text = {InvoiceStatus.DRAFT: DRAFT_STAMP, InvoiceStatus.VOID: VOID_STAMP}.get(invoice.status)
    if text is None:
        return
    pdf.font("B", 72)
    pdf.set_text_color(*STAMP)
    with pdf.local_context(fill_opacity=0.12, stroke_opacity=0.12), pdf.rotation(30, x=pdf.w / 2, y=pdf.h / 2):
        pdf.set_xy(0, pdf.h / 2 - 15)
        pdf.cell(pdf.w, 30, str(text), align="C")
    pdf.set_text_color(*INK)


def _header(pdf: InvoicePDF, invoice: Invoice, language: str, seller: dict[str, str], qr: str | None) -> None:
    half = pdf.width / 2
    top = pdf.get_y()
    # the seller, at the start side
    pdf.text_box(0, half + 10, seller.get("legalName") or invoice.workspace.name, size=14, bold=True, h=7)
    if seller.get("address"):
        pdf.text_box(0, half + 10, seller["address"], color=MUTED)
    country = _country_name(seller.get("country") or "", language)
    if country:
        pdf.text_box(0, half + 10, country, color=MUTED)
    if seller.get("taxNumber"):
        pdf.text_box(0, half + 10, f"{TAX_NUMBER}: {seller['taxNumber']}", color=MUTED)
    seller_bottom = pdf.get_y()
    # the title, number and date, at the end side
    pdf.set_y(top)
    title = TITLE_SIMPLIFIED_TAX if qr else TITLE
    box = half - 10
    pdf.text_box(half + 10, box, str(title), size=18, bold=True, align=pdf.end_align(), h=9)
    pdf.text_box(half + 10, box, f"{NUMBER}: {invoice.number or NOT_ISSUED}", align=pdf.end_align())
    label, day = _dates(invoice)
    # a left-to-right mark keeps 2026-03-01 whole in a right-to-left line (fpdf2's bidirectional
    # algorithm would otherwise print its three numbers in reverse order)
    pdf.text_box(half + 10, box, f"{label}: {LRM}{day}", align=pdf.end_align())
    pdf.text_box(half + 10, box, f"{CURRENCY}: {invoice.currency}", align=pdf.end_align(), color=MUTED)
    if invoice.status == InvoiceStatus.PAID:
        pdf.text_box(half + 10, box, str(PAID_STAMP), bold=True, align=pdf.end_align(), color=(25, 135, 84))
    pdf.set_y(max(seller_bottom, pdf.get_y()) + 4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)
    # the client
    pdf.text_box(0, pdf.width, str(BILL_TO), size=8.5, bold=True, color=MUTED)
    pdf.text_box(0, pdf.width, invoice.client_name or invoice.client.name, size=12, bold=True, h=6)
    contact = "  ·  ".join(part for part in (invoice.client.email, invoice.client.phone) if part)
    if contact:
        pdf.text_box(0, pdf.width, contact, color=MUTED)
    pdf.ln(5)


def _lines(pdf: InvoicePDF, invoice: Invoice) -> None:
    """The lines as a table, first column at the start side; each cell its own direction."""
    decimals = invoice.currency_decimals
    headings = [str(DESCRIPTION), str(QUANTITY), str(UNIT_PRICE), str(TAX_RATE), str(LINE_TOTAL)]
    widths = [76, 18, 30, 20, 36]
    start, end = pdf.start_align(), pdf.end_align()
    aligns = [start, end, end, end, end]
    rows = [
        [
            line["description"],
            format_number(Decimal(line["quantity"])),
            format_money(Decimal(line["unitPrice"]), decimals),
            f"{format_number(Decimal(line['taxRate']))}%",
            format_money(Decimal(line["total"]), decimals),
        ]
        for line in invoice.lines
    ]
    scale = pdf.width / sum(widths)
    widths = [w * scale for w in widths]
    offsets = [sum(widths[:i]) for i in range(len(widths))]

    def row(values: list[str], *, heading: bool) -> None:
        pdf.font("B" if heading else "", 9 if heading else 9.5)
        pdf.set_text_color(*(MUTED if heading else INK))
        line_h, pad = 5.2, 2.2
        heights = []
        for value, width in zip(values, widths, strict=True):
            pdf.set_direction_for(value)
            heights.append(len(pdf.multi_cell(width - 4, line_h, value, dry_run=True, output="LINES")) * line_h)
        height = max(heights) + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if not heading:
                row(headings, heading=True)
        top = pdf.get_y()
        if heading:
            pdf.set_fill_color(*HEADER_FILL)
            pdf.rect(pdf.l_margin, top, pdf.width, height, style="F")
        for value, width, offset, align in zip(values, widths, offsets, aligns, strict=True):
            pdf.set_xy(pdf.x_at(offset, width) + 2, top + pad)
            pdf.set_direction_for(value)
            pdf.multi_cell(width - 4, line_h, value, align=align)
        pdf.set_y(top + height)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.set_text_color(*INK)

    row(headings, heading=True)
    for values in rows:
        row(values, heading=False)
    pdf.ln(4)


def _totals(pdf: InvoicePDF, invoice: Invoice, qr: str | None) -> None:
    rows = [(SUBTOTAL, invoice.subtotal, False)]
    if invoice.discount:
        rows.append((DISCOUNT, invoice.discount, False))  # taken off: said by its label, not a sign
    rows += [(TAX, invoice.tax, False), (TOTAL, invoice.total, True)]
    if invoice.issued_at is not None:
        rows += [(PAID, invoice.paid_amount, False), (BALANCE, invoice.balance, True)]
    top = pdf.get_y()
    label_width, value_width = 45, 40
    offset = pdf.width - label_width - value_width  # at the end side
    for label, value, strong in rows:
        pdf.font("B" if strong else "", 10.5 if strong else 9.5)
        y = pdf.get_y()
        pdf.one_line(pdf.x_at(offset, label_width), y, label_width, 6.5, str(label), pdf.start_align())
        amount = _money(invoice, normalized(value, invoice.currency_decimals))
        pdf.one_line(pdf.x_at(offset + label_width, value_width), y, value_width, 6.5, amount, pdf.end_align())
        pdf.set_y(y + 6.5)
    bottom = pdf.get_y()
    if qr:
        size = 32
        _draw_qr(pdf, qr, x=pdf.x_at(0, size), y=top, size=size)
        pdf.set_y(top + size + 1)
        pdf.text_box(0, 60, str(QR_CAPTION), size=7.5, color=MUTED, h=4)
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom + 4)


def _note(pdf: InvoicePDF, invoice: Invoice) -> None:
    if not invoice.note:
        return
    pdf.text_box(0, pdf.width, str(NOTE), size=8.5, bold=True, color=MUTED)
    pdf.text_box(0, pdf.width, invoice.note)


def invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF of ``invoice`` (read with its client and workspace) in its language."""
    language = invoice_language(invoice)
    with translation.override(language):
        pdf = InvoicePDF(rtl=translation.get_language_bidi())
        pdf.set_title(f"{TITLE} {invoice.number or invoice.pk}")
        seller = _seller(invoice)  # (a draft's: from the workspace's settings, read once)
        pdf.set_author(seller.get("legalName") or invoice.workspace.name)
        pdf.set_lang(language)
        pdf.add_page()
        qr = zatca_qr_for(invoice)
        _stamp(pdf, invoice)
        _header(pdf, invoice, language, seller, qr)
        _lines(pdf, invoice)
        _totals(pdf, invoice, qr)
        _note(pdf, invoice)
        return bytes(pdf.output())


def pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number or 'draft-' + invoice.pk}.pdf"
