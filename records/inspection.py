"""What a file is, judged by its bytes alone (never by its name or the type its sender declared).

An :class:`Inspector` is fed a file's bytes as they stream in (``feed``), a chunk at a time, and
keeps only what it needs: the first 8 KB (where the binary signatures are), a running SHA-256,
the size, and two running checks, whether the bytes are plain UTF-8 text and whether they carry
HTML or script markup. ``finish`` gives the :class:`Verdict`.

What is taken (anything else is a 415):

- PDF, PNG, JPEG, WebP, HEIC and DOCX, by their signatures (the ``filetype`` package: pure
  Python, no libmagic; DOCX is told from other ZIP files by its parts' names);
- plain text: no signature at all, and the whole file valid UTF-8 without control characters
  other than tab, line feed, form feed and carriage return.

Polyglots are refused: a file of an allowed type whose bytes also carry HTML or script markup,
which a browser or a viewer that sniffs could run as a page. Namely (case-insensitive):

- in its first 1024 bytes, the header browsers sniff, any of ``<!doctype``, ``<html``,
  ``<head``, ``<body``, ``<script``, ``<iframe``, ``<svg``, ``<?xml``, ``<object``, ``<embed``;
- anywhere in it, ``<script``, ``<iframe``, ``<!doctype html``, ``<html>`` or ``<html ``
  (long enough that compressed image data does not produce them by chance).

So an HTML page named ``.pdf`` is a 415 (no signature, and its text is markup), a PDF named
``.png`` is a PDF (allowed, stored as ``application/pdf``), and a PNG with a ``<script>`` appended
is a 415. Downloads are sent with ``Content-Disposition: attachment`` and ``nosniff`` besides.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext_lazy as _

from workspaces.errors import InvalidError, TooLargeError, UnsupportedError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
#: the types taken, by what their bytes are
ALLOWED_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/webp", "image/heic", DOCX, TEXT)

SIGNATURE_BYTES = 8192  # what filetype reads
SNIFF_BYTES = 1024
HEAD_MARKERS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<iframe",
    b"<svg",
    b"<?xml",
    b"<object",
    b"<embed",
)
ANYWHERE_MARKERS = (b"<script", b"<iframe", b"<!doctype html", b"<html>", b"<html ")
_OVERLAP = max(len(marker) for marker in ANYWHERE_MARKERS) - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

FILE_TOO_LARGE = _("The file is larger than %(max)s bytes.")
FILE_EMPTY = _("The file is empty.")
TYPE_REFUSED = _("Only PDF, PNG, JPEG, WebP, HEIC, plain text and DOCX files are accepted (this one is %(type)s).")
MARKUP_REFUSED = _("The file carries HTML or script markup besides its content; it is refused.")
UNKNOWN_TYPE = _("of an unknown type")


@dataclass(frozen=True)
class Verdict:
    size: int
    sha256: str
    #: the type the bytes are (a MIME type), or None when nothing is recognised
    content_type: str | None
    too_large: bool
    markup: bool
    limit: int

    def refusal(self) -> Exception | None:
        """The domain error refusing this file (413, 400, 415), or None when it is taken."""
        if self.too_large:
            return TooLargeError(FILE_TOO_LARGE % {"max": self.limit}, field="file")
        if self.size == 0:
            return InvalidError(FILE_EMPTY, field="file")
        if self.content_type not in ALLOWED_TYPES:
            return UnsupportedError(TYPE_REFUSED % {"type": self.content_type or UNKNOWN_TYPE}, field="file")
        if self.markup:
            return UnsupportedError(MARKUP_REFUSED, field="file")
        return None


class Inspector:
    """Judges a file from its chunks; bytes past ``limit`` are counted, not looked at."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.head = bytearray()
        self.digest = hashlib.sha256()
        self.markup = False
        self.text = True
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._tail = b""

    @property
    def too_large(self) -> bool:
        return self.size > self.limit

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.too_large:
            return
        self.digest.update(chunk)
        if len(self.head) < SIGNATURE_BYTES:
            self.head += chunk[: SIGNATURE_BYTES - len(self.head)]
        if not self.markup:
            lowered = self._tail + chunk.lower()
            self.markup = any(marker in lowered for marker in ANYWHERE_MARKERS)
            self._tail = lowered[-_OVERLAP:]
        if self.text:
            try:
                decoded = self._decoder.decode(chunk)
            except UnicodeDecodeError:
                self.text = False
            else:
                self.text = not _CONTROL.search(decoded)

    def finish(self) -> Verdict:
        if self.too_large:
            return Verdict(self.size, "", None, True, False, self.limit)
        head = bytes(self.head)
        sniffed = head[:SNIFF_BYTES].lower()
        markup = self.markup or any(marker in sniffed for marker in HEAD_MARKERS)
        kind = filetype.guess(head) if head else None
        if kind is not None:
            content_type = kind.mime
        else:
            if self.text:
                try:
                    self._decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    self.text = False
            content_type = TEXT if self.text else None
        return Verdict(self.size, self.digest.hexdigest(), content_type, False, markup, self.limit)
