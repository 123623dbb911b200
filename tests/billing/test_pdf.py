"""The invoice PDF: in the client's language, Arabic joined and right to left, the Saudi QR code."""

from __future__ import annotations

import io
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from billing import actions
from billing.selectors import invoice_queryset
from billing.zatca import decode_tlv
from tests import factories
from tests.billing.conftest import invoice_url, make_session
from tests.billing.pdf_glyphs import drawn_runs, expected_form, find_drawn, form_of
from workspaces.models import Client, Workspace

pytestmark = pytest.mark.django_db

CLIENT = "محمد سعيد"
SERVICES = ["استشارة طبية", "جلسة تدليك"]


@pytest.fixture
def arabic(workspace):
    """The workspace speaks Arabic, and so do the clients made after this (they take its language)."""
    Workspace.objects.filter(pk=workspace.pk).update(language="ar")
    workspace.language = "ar"


@pytest.fixture
def saudi_invoice(workspace):
    actions.billing_settings_update(
        workspace=workspace,
        currency="SAR",
        tax_rate=Decimal("15"),
        country="SA",
        tax_number="310123456700003",
        legal_name="عيادة الشفاء",
        address="طريق الملك فهد\nالرياض",
    )
    client = factories.ClientFactory(workspace=workspace, name=CLIENT)
    services = [
        factories.ServiceFactory(workspace=workspace, name=SERVICES[0], price=Decimal("150.00")),
        factories.ServiceFactory(workspace=workspace, name=SERVICES[1], price=Decimal("275.50")),
    ]
    invoice = actions.invoice_draft_for_session(session=make_session(workspace, services, client=client))
    return actions.invoice_issue(invoice=invoice)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def qr_codes(pdf: bytes) -> list[str]:
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_an_arabic_invoice_holds_the_client_and_the_services_in_logical_order(arabic, saudi_invoice, owner, workspace):
    response = owner.get(invoice_url(workspace, saudi_invoice, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    # the extracted text reads in logical order (as typed), in Arabic
    for expected in (CLIENT, *SERVICES, "فاتورة ضريبية مبسطة", "عيادة الشفاء", "الإجمالي", "310123456700003"):
        assert expected in text, (expected, text)
    assert "INV-" in text and "489.33 SAR" in text  # 425.50 + 15%


def test_the_arabic_letters_are_drawn_joined(arabic, saudi_invoice):
    pdf = _pdf(saudi_invoice)
    runs = drawn_runs(pdf)
    for word in (*CLIENT.split(), *" ".join(SERVICES).split()):
        drawn = find_drawn(runs, word)
        assert drawn is not None, word
        # every letter in the form its place in the word asks for: initial, medial, final, isolated
        assert [form_of(char) for char in drawn] == [expected_form(word, i) for i in range(len(word))], word
        assert any(form_of(char) != "ISOLATED" for char in drawn)


def test_the_arabic_invoice_reads_right_to_left(arabic, saudi_invoice):
    # the client's name is set against the right margin, the English page's against the left
    arabic_x = _x_of(_pdf(saudi_invoice), CLIENT)
    Client.objects.filter(pk=saudi_invoice.client_id).update(language="en")
    english_x = _x_of(_pdf(saudi_invoice), CLIENT)
    assert arabic_x > 300 > english_x  # points, on a 595-point wide page


def test_the_saudi_qr_code_decodes_to_the_tlv_fields(saudi_invoice):
    (code,) = qr_codes(_pdf(saudi_invoice))
    assert decode_tlv(code) == {
        1: "عيادة الشفاء",
        2: "310123456700003",
        3: saudi_invoice.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        4: "489.33",
        5: "63.83",
    }


def test_no_qr_code_outside_saudi_arabia_nor_on_a_draft(workspace, saudi_invoice):
    actions.billing_settings_update(workspace=workspace, country="AE")
    client = factories.ClientFactory(workspace=workspace)
    draft = actions.invoice_draft_for_session(
        session=make_session(workspace, [factories.ServiceFactory(workspace=workspace)], client=client)
    )
    assert qr_codes(_pdf(draft)) == []
    assert "DRAFT" in text_of(_pdf(draft))
    # an invoice issued while the workspace was Saudi keeps its code (its seller was kept)
    assert len(qr_codes(_pdf(saudi_invoice))) == 1
    assert "Simplified tax invoice" in text_of(_pdf(saudi_invoice))


def test_an_english_invoice_by_default(saudi_invoice):
    pdf = _pdf(saudi_invoice)
    text = text_of(pdf)
    for expected in ("Simplified tax invoice", "Bill to", "Subtotal", "Balance due", "Saudi Arabia", "489.33 SAR"):
        assert expected in text, expected
    # the Arabic names on an English invoice are drawn joined too
    runs = drawn_runs(pdf)
    for word in (*CLIENT.split(), *" ".join(SERVICES).split()):
        drawn = find_drawn(runs, word)
        assert drawn is not None and [form_of(c) for c in drawn] == [expected_form(word, i) for i in range(len(word))]


def test_a_void_invoice_says_so(arabic, saudi_invoice):
    voided = actions.invoice_void(invoice=saudi_invoice)
    assert "ملغاة" in text_of(_pdf(voided))


def _pdf(invoice) -> bytes:
    from billing.pdf import invoice_pdf

    return invoice_pdf(invoice_queryset().get(pk=invoice.pk))


def _x_of(pdf: bytes, text: str) -> float:
    page = pypdfium2.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    found = textpage.search(text).get_next()
    assert found is not None, text
    left, _bottom, right, _top = textpage.get_charbox(found[0])
    return (left + right) / 2


def test_a_long_invoice_runs_over_pages_with_its_headings_repeated(workspace):
    client = factories.ClientFactory(workspace=workspace)
    draft = actions.invoice_draft_for_session(
        session=make_session(workspace, [factories.ServiceFactory(workspace=workspace)], client=client)
    )
    lines = [
        actions.LineInput(f"Session {n} " + "with a long description " * (n % 4), Decimal(1), Decimal(n))
        for n in range(80)
    ]
    actions.invoice_update(invoice=draft, lines=lines)
    pdf = _pdf(draft)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    assert all("Description" in page.extract_text() for page in pages[:-1])
    assert "Session 79" in text_of(pdf) and "Balance due" not in text_of(pdf)  # a draft has no balance yet
