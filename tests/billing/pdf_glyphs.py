"""What a PDF page draws, glyph by glyph: for proving that Arabic letters are joined.

A PDF's text extraction (pypdf) maps each glyph back to the letter it stands for, so it reads
the same whether the letters were drawn joined or not. This module reads the glyphs themselves:
for each text run of the page (one ``Tj``/``TJ``), the glyphs in the order drawn (left to right)
with the name the embedded font gives each. Noto names a contextual form after its Arabic
Presentation Forms code point (``uniFEE3`` is meem's initial form), so a run can be spelled in
presentation forms and checked letter by letter against the joining rules.
"""

from __future__ import annotations

import io
import unicodedata

from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

#: letters that join only to the letter before them (they never join the next one)
RIGHT_JOINING = set("اأإآءدذرزوؤةى")
TATWEEL = "ـ"


def _font_glyph_names(font) -> tuple[dict[int, str], dict[int, str]]:
    """cid -> glyph name, cid -> unicode text, for a Type0 font with an embedded TrueType."""
    descendant = font["/DescendantFonts"][0].get_object()
    data = descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()
    order = TTFont(io.BytesIO(data)).getGlyphOrder()
    cid_to_gid = descendant.get("/CIDToGIDMap")
    if cid_to_gid is not None and not isinstance(cid_to_gid, str) and cid_to_gid.get_object() != "/Identity":
        raw = cid_to_gid.get_object().get_data()
        gids = {cid: int.from_bytes(raw[2 * cid : 2 * cid + 2], "big") for cid in range(len(raw) // 2)}
    else:
        gids = None
    names, texts = {}, {}
    cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
    for line in cmap.splitlines():
        parts = line.strip().split()
        if len(parts) == 2 and parts[0].startswith("<") and parts[1].startswith("<"):
            cid = int(parts[0][1:-1], 16)
            hexa = parts[1][1:-1]
            texts[cid] = "".join(chr(int(hexa[i : i + 4], 16)) for i in range(0, len(hexa), 4))
    for cid in texts:
        gid = gids.get(cid, 0) if gids is not None else cid
        names[cid] = order[gid] if gid < len(order) else ""
    return names, texts


def drawn_runs(pdf: bytes, page: int = 0) -> list[list[tuple[str, str]]]:
    """Every text object of the page (``BT`` ... ``ET``: fpdf2 draws a line in one, possibly in
    several ``Tj``): its glyphs as drawn, left to right, each ``(glyph name, letters it maps to)``."""
    reader = PdfReader(io.BytesIO(pdf))
    page_obj = reader.pages[page]
    fonts = {name: _font_glyph_names(ref.get_object()) for name, ref in page_obj["/Resources"]["/Font"].items()}
    runs: list[list[tuple[str, str]]] = []
    current = None
    for operands, operator in ContentStream(page_obj.get_contents(), reader).operations:
        if operator == b"BT":
            runs.append([])
        elif operator == b"Tf":
            current = fonts.get(operands[0])
        elif operator in (b"Tj", b"TJ") and current is not None:
            names, texts = current
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            run = runs[-1]
            for item in strings:
                if isinstance(item, (bytes, str)):
                    data = getattr(item, "original_bytes", None) or (item if isinstance(item, bytes) else b"")
                    for i in range(0, len(data) - 1, 2):
                        cid = int.from_bytes(data[i : i + 2], "big")
                        run.append((names.get(cid, ""), texts.get(cid, "")))
    return [run for run in runs if run]


def presentation_form(glyph_name: str, letters: str) -> str:
    """The glyph as a character: its Presentation Forms code point when the font names one."""
    if glyph_name.startswith("uni") and len(glyph_name) == 7:
        return chr(int(glyph_name[3:], 16))
    return letters


def expected_form(word: str, index: int) -> str:
    """ISOLATED, INITIAL, MEDIAL or FINAL: the form the letter at ``index`` takes in ``word``."""
    joins_before = index > 0 and word[index - 1] not in RIGHT_JOINING and word[index - 1] != " "
    joins_after = index < len(word) - 1 and word[index] not in RIGHT_JOINING and word[index + 1] != " "
    return {(False, False): "ISOLATED", (False, True): "INITIAL", (True, True): "MEDIAL", (True, False): "FINAL"}[
        (joins_before, joins_after)
    ]


def form_of(char: str) -> str:
    """The form a drawn character is in (a base Arabic letter is drawn isolated)."""
    name = unicodedata.name(char, "")
    for form in ("ISOLATED", "INITIAL", "MEDIAL", "FINAL"):
        if f"{form} FORM" in name:
            return form
    return "ISOLATED"


def find_drawn(runs, text: str) -> list[str] | None:
    """The glyphs of ``text`` (logical order) as drawn in a run read right to left, as characters."""
    for run in runs:
        chars = [presentation_form(name, letters) for name, letters in reversed(run)]
        spelled = "".join(unicodedata.normalize("NFKC", c) for c in chars)
        start = spelled.find(text)
        if start >= 0 and len(spelled) == len(chars):
            return chars[start : start + len(text)]
    return None
