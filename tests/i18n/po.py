"""A small reader of gettext .po files: just what the catalog tests compare."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def __str__(self) -> str:
        text = repr(self.msgid)
        if self.msgid_plural is not None:
            text += f" / {self.msgid_plural!r}"
        return f"[{self.msgctxt}] {text}" if self.msgctxt else text


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the entries (obsolete ``#~`` ones flagged) of a .po file."""
    entries: list[Entry] = []
    current: dict = {}
    flags: set[str] = set()
    obsolete = False
    last: tuple | None = None

    def flush() -> None:
        nonlocal current, flags, obsolete, last
        if "msgid" in current:
            entries.append(
                Entry(
                    msgid=current["msgid"],
                    msgctxt=current.get("msgctxt"),
                    msgid_plural=current.get("msgid_plural"),
                    msgstr=current.get("msgstr", {}),
                    flags=flags,
                    obsolete=obsolete,
                )
            )
        current, flags, obsolete, last = {}, set(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if last and last[0] == "msgstr":
                current["msgstr"][last[1]] += value
            elif last:
                current[last[0]] += value
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        if keyword in {"msgctxt", "msgid"} and "msgid" in current:
            flush()
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.setdefault("msgstr", {})[index] = value
            last = ("msgstr", index)
        else:
            current[keyword] = value
            last = (keyword,)
    flush()

    header: dict[str, str] = {}
    body = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            for header_line in entry.msgstr.get(0, "").splitlines():
                name, _, value = header_line.partition(":")
                header[name.strip()] = value.strip()
        else:
            body.append(entry)
    return header, body
