"""The simplified tax invoice QR code of Saudi Arabia (ZATCA e-invoicing, phase 1).

Its text is the base64 of five TLV fields, each a tag byte, a length byte and that many bytes
of UTF-8: 1 the seller's name, 2 the seller's VAT registration number, 3 the invoice's time
stamp (ISO 8601), 4 the invoice total with VAT, 5 the VAT total.
"""

from __future__ import annotations

import base64
import datetime as dt

SELLER_NAME, VAT_NUMBER, TIMESTAMP, TOTAL_WITH_VAT, VAT_TOTAL = 1, 2, 3, 4, 5
MAX_LENGTH = 255  # one length byte


def _field(tag: int, value: str) -> bytes:
    data = value.encode()
    if len(data) > MAX_LENGTH:  # cut on a character boundary (the settings keep legal names within it)
        data = data[:MAX_LENGTH].decode(errors="ignore").encode()
    return bytes([tag, len(data)]) + data


def zatca_timestamp(instant: dt.datetime) -> str:
    """``2026-11-21T10:30:00Z``: UTC, to the second."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zatca_qr_text(*, seller_name: str, vat_number: str, issued_at: dt.datetime, total: str, vat: str) -> str:
    """The QR code's text: base64 of the five TLV fields, in tag order."""
    payload = b"".join(
        [
            _field(SELLER_NAME, seller_name),
            _field(VAT_NUMBER, vat_number),
            _field(TIMESTAMP, zatca_timestamp(issued_at)),
            _field(TOTAL_WITH_VAT, total),
            _field(VAT_TOTAL, vat),
        ]
    )
    return base64.b64encode(payload).decode("ascii")


def decode_tlv(text: str) -> dict[int, str]:
    """tag -> value of a QR code's text (the inverse of :func:`zatca_qr_text`)."""
    payload = base64.b64decode(text, validate=True)
    fields, index = {}, 0
    while index < len(payload):
        tag, length = payload[index], payload[index + 1]
        fields[tag] = payload[index + 2 : index + 2 + length].decode()
        index += 2 + length
    return fields
