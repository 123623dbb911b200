"""The ``Content-Disposition`` of a download: always an attachment, with the name as it was sent.

RFC 6266 with RFC 5987's ``filename*``: ``attachment; filename="<ASCII fallback>";
filename*=UTF-8''<percent-encoded UTF-8>``. Browsers use ``filename*`` (Arabic names arrive
whole); old clients fall back to the ASCII name (its non-ASCII letters left out, the extension
kept, ``attachment`` when no letter or digit is left).
"""

from __future__ import annotations

import os
from urllib.parse import quote

_SAFE_ASCII = {chr(c) for c in range(0x20, 0x7F)} - set('"\\/;%')


def ascii_fallback(name: str) -> str:
    stem, ext = os.path.splitext(name)
    stem = " ".join("".join(ch for ch in stem if ch in _SAFE_ASCII).split()).strip(" .-_")
    ext = "".join(ch for ch in ext if ch in _SAFE_ASCII)
    if not any(ch.isalnum() for ch in stem):
        stem = "attachment"
    return stem + ext


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
