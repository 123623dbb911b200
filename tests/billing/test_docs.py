"""The README's invoice pictures: the first page of an Arabic and of an English invoice.

Every run renders both to tests/artifacts/ (git-ignored) and checks them; with
``UPDATE_DOCS_SCREENSHOT=1`` they also replace docs/invoice-ar.png and docs/invoice-en.png.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pypdfium2
import pytest

from billing import actions
from billing.pdf import invoice_pdf
from billing.selectors import invoice_queryset
from tests import factories
from tests.billing.conftest import make_session
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
ISSUED = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)


def _invoice(*, name, timezone, settings, client, lines, discount, note, paid):
    workspace = factories.WorkspaceFactory(name=name, timezone=timezone)
    actions.billing_settings_update(workspace=workspace, **settings)
    client = factories.ClientFactory(workspace=workspace, **client)
    services = [
        factories.ServiceFactory(workspace=workspace, name=service, price=Decimal(price))
        for service, _qty, price in lines
    ]
    draft = actions.invoice_draft_for_session(session=make_session(workspace, services, client=client))
    draft = actions.invoice_update(
        invoice=draft,
        lines=[actions.LineInput(service, Decimal(qty), Decimal(price)) for service, qty, price in lines],
        discount=Decimal(discount),
        note=note,
    )
    invoice = actions.invoice_issue(invoice=draft, at=ISSUED)
    actions.payment_record(invoice=invoice, amount=Decimal(paid), method="card", paid_at=ISSUED)
    return invoice_queryset().get(pk=invoice.pk)


def arabic_invoice():
    return _invoice(
        name="عيادة الشفاء",
        timezone="Asia/Riyadh",
        settings={
            "currency": "SAR",
            "tax_rate": Decimal("15"),
            "country": "SA",
            "tax_number": "310123456700003",
            "legal_name": "عيادة الشفاء للعلاج الطبيعي",
            "address": "طريق الملك فهد، حي العليا\nالرياض 12214",
        },
        client={"name": "محمد عبد الرحمن السعيد", "email": "m.alsaeed@example.com", "phone": "+966 50 123 4567"},
        lines=[
            ("استشارة طبية", "1", "150.00"),
            ("جلسة علاج طبيعي (60 دقيقة)", "3", "275.50"),
            ("تحليل دم شامل", "1", "95"),
        ],
        discount="50",
        note="شكرًا لزيارتكم. يُرجى السداد خلال 14 يومًا من تاريخ الفاتورة.",
        paid="500",
    )


def english_invoice():
    return _invoice(
        name="Gulf Sports Clinic",
        timezone="Asia/Kuwait",
        settings={
            "currency": "KWD",
            "tax_rate": Decimal("0"),
            "country": "KW",
            "legal_name": "Gulf Sports Clinic W.L.L.",
            "address": "Salem Al Mubarak Street, Salmiya\nKuwait City",
            "invoice_prefix": "GSC",
        },
        client={"name": "Sarah Johnson", "email": "sarah.johnson@example.com", "phone": "+965 5512 3456"},
        lines=[
            ("Initial assessment", "1", "25.000"),
            ("Sports massage, 45 minutes", "2", "18.500"),
            ("Kinesiology taping", "1.5", "4.250"),
        ],
        discount="0",
        note="Thank you for choosing Gulf Sports Clinic.",
        paid="30",
    )


def first_page_png(pdf: bytes, path: Path) -> None:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=1.25).to_pil().convert("RGB")
    image = image.crop((0, 0, image.width, int(image.height * 0.62)))  # the page's content; the rest is blank
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_readme_pictures(language, monkeypatch):
    monkeypatch.setattr(Workspace, "language", language, raising=False)
    invoice = arabic_invoice() if language == "ar" else english_invoice()
    pdf = invoice_pdf(invoice)
    name = f"invoice-{language}.png"
    first_page_png(pdf, ARTIFACTS / name)
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        first_page_png(pdf, ROOT / "docs" / name)
    assert (ROOT / "docs" / name).exists(), f"docs/{name} is missing: run with UPDATE_DOCS_SCREENSHOT=1"
