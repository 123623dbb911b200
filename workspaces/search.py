# ruff: noqa: RUF002 - the docstrings show Arabic letters on purpose
"""Arabic-aware search and sort keys, computed in Python (the database needs no extension).

``search_key`` folds what an Arabic (or English) reader considers the same letters into one:

- every diacritic goes: the tashkeel (fatha, damma, kasra, shadda, sukun, tanween, dagger alef)
  and, for Latin text, accents (é -> e);
- hamza on a carrier is dropped, so أ إ آ ٱ become ا, ؤ becomes و and ئ becomes ي;
- alef maqsura ى becomes ي, taa marbuta ة becomes ه, tatweel (ـ) goes;
- Arabic-Indic and Persian digits become 0-9 (a phone number typed on an Arabic keyboard);
- Persian forms of kaf and yeh become the Arabic ones; case is folded; runs of spaces become one.

``Client.search_text`` holds the key of the name, email and phone (name first, one line each),
so ``?search=`` is a plain ``LIKE`` on one column, and ordering by that column sorts names
alphabetically: with the variants folded, code point order (the ``C`` collation of both the
embedded and the usual server) follows the Arabic alphabet (ا ب ت ث ... ن ه و ي), and
"إبراهيم" comes before "أحمد" as in a dictionary, instead of after it as by raw code points.
"""

from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans(
    {
        "\u0671": "\u0627",  # ٱ alef wasla -> ا
        "\u0649": "\u064a",  # ى alef maqsura -> ي
        "\u0629": "\u0647",  # ة taa marbuta -> ه
        "\u06cc": "\u064a",  # ی Persian yeh -> ي
        "\u06a9": "\u0643",  # ک keheh -> ك
        "\u0640": None,  # ـ tatweel
        **{chr(0x0660 + d): str(d) for d in range(10)},  # ٠-٩
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # ۰-۹
    }
)
_SPACES = re.compile(r"\s+")
#: what a line of ``search_text`` is joined with: a query never holds one (spaces are folded)
FIELD_SEPARATOR = "\n"
#: longest key kept for name, email and phone. Folding can lengthen text (a ligature such as ﷺ
#: unfolds into 18 letters); capped, a row's index entry stays far below PostgreSQL's btree
#: limit (2704 bytes) even in 4-byte characters, so no input can make a save fail.
KEY_LIMITS = (250, 254, 60)


def search_key(value: str | None) -> str:
    """The folded form of ``value`` that searches compare (see the module's docstring)."""
    if not value:
        return ""
    # NFKD splits أ into ا + hamza above, é into e + acute, presentation forms into letters;
    # then every combining mark (category Mn: hamza marks, tashkeel, accents) is dropped.
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    folded = stripped.translate(_LETTERS).casefold()
    return _SPACES.sub(" ", folded).strip()


def client_search_text(*, name: str, email: str = "", phone: str = "") -> str:
    """``Client.search_text``: the keys of name, email and phone, one line each, name first."""
    parts = (name, email, phone)
    return FIELD_SEPARATOR.join(search_key(part)[:limit] for part, limit in zip(parts, KEY_LIMITS, strict=True))
