"""Reading the calendar page's grid back out of its HTML: columns, hour lines and blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Block:
    entry: str
    href: str
    classes: list[str]
    style: dict[str, str]
    title: str

    @property
    def top(self) -> float:
        return float(self.style["top"].removesuffix("px"))

    @property
    def height(self) -> float:
        return float(self.style["height"].removesuffix("px"))


@dataclass
class Column:
    key: str
    day: str
    day_minutes: int
    classes: list[str]
    style: dict[str, str] = field(default_factory=dict)
    add: str = ""  # the new-session URL a click on a free time opens (without the time)
    hours: dict[float, list[str]] = field(default_factory=dict)  # top -> labels
    blocks: list[Block] = field(default_factory=list)
    shades: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, top, height)


def _style(value: str) -> dict[str, str]:
    return {name.strip(): val.strip() for name, val in (part.split(":", 1) for part in value.split(";") if ":" in part)}


class _GridParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.columns: list[Column] = []
        self.html_attrs: dict[str, str] = {}
        self._hour_top: float | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "html":
            self.html_attrs = attrs
        elif tag == "section" and "bo-column" in classes:
            self.columns.append(
                Column(
                    attrs["data-key"],
                    attrs["data-day"],
                    int(attrs["data-day-minutes"]),
                    classes,
                    _style(attrs.get("style") or ""),
                )
            )
        elif tag == "div" and "bo-track" in classes:
            self.columns[-1].add = attrs.get("data-add") or ""
        elif tag == "div" and "bo-shade" in classes:
            style = _style(attrs["style"])
            kind = next(c.removeprefix("bo-") for c in classes if c != "bo-shade")
            top, height = (float(style[name].removesuffix("px")) for name in ("top", "height"))
            self.columns[-1].shades.append((kind, top, height))
        elif tag == "div" and "bo-hour" in classes:
            self._hour_top = float(_style(attrs["style"])["top"].removesuffix("px"))
        elif tag == "a" and "bo-block" in classes:
            self.columns[-1].blocks.append(
                Block(attrs["data-entry"], attrs["href"], classes, _style(attrs["style"]), attrs.get("title", ""))
            )

    def handle_data(self, data):
        if self._hour_top is not None and data.strip():
            self.columns[-1].hours.setdefault(self._hour_top, []).append(data.strip())
            self._hour_top = None


def parse_grid(content: bytes | str) -> _GridParser:
    parser = _GridParser()
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    return parser


def text_of(content: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content.decode()))
