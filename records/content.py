"""A download of an attachment, the same from the API and the back office (:func:`download_response`).

Its ``Content-Disposition`` is always an attachment, with the name as it was sent:

RFC 6266 with RFC 5987's ``filename*``: ``attachment; filename="<ASCII fallback>";
filename*=UTF-8''<percent-encoded UTF-8>``. Browsers use ``filename*`` (Arabic names arrive
whole); old clients fall back to the ASCII name (its non-ASCII letters left out, the extension
kept, ``attachment`` when no letter or digit is left).
"""

from __future__ import annotations

import os
from urllib.parse import quote

from django.http import FileResponse

from records import storage

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


def download_response(attachment) -> FileResponse:
    """The stored bytes of ``attachment``, streamed, as a download that is never sniffed, run or
    kept; ``FileNotFoundError`` when its file is missing from the storage."""
    response = FileResponse(storage.open_for_download(attachment.storage_key), content_type=attachment.content_type)
    response.block_size = storage.CHUNK_BYTES
    response["Content-Length"] = str(attachment.size)
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
