"""The wire formats: instants, calendar dates and clock times, in Python and in SQL.

The same three formats computed by PostgreSQL serve list paths that read plain rows: the text
arrives ready, with no Python per value. tests/performance/test_wire_sql.py holds them equal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import CharField, F, Func, Subquery, TextField


def format_instant(value: dt.datetime) -> str:
    """UTC ISO 8601 with milliseconds: ``2024-01-15T10:30:00.000Z``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_day(value: dt.date) -> str:
    """A calendar date as that date at midnight UTC: ``2024-01-20T00:00:00.000Z``."""
    return value.isoformat() + "T00:00:00.000Z"


def format_clock(value: dt.time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def jsonb_ordered(value: Any) -> Any:
    """``value`` with its objects' keys in the order PostgreSQL's jsonb keeps them (shorter keys
    first, then by their bytes): the same text as the value read back from a jsonb column."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: jsonb_ordered(value[key]) for key in keys}
    if isinstance(value, list):
        return [jsonb_ordered(item) for item in value]
    return value


# The same three formats computed by PostgreSQL, for list paths that read plain rows
# (sessions.selectors, nutrition.selectors): the text arrives ready, with no Python per value.
# tests/performance/test_wire_sql.py holds them equal to the functions above.


class InstantText(Func):
    """``format_instant`` in SQL (milliseconds truncated, as there)."""

    template = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    output_field = CharField()


class DayText(Func):
    """``format_day`` in SQL."""

    template = """to_char(%(expressions)s, 'YYYY-MM-DD"T00:00:00.000Z"')"""
    output_field = CharField()


class ClockText(Func):
    """``format_clock`` in SQL."""

    template = "to_char(%(expressions)s, 'HH24:MI')"
    output_field = CharField()


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


def parse_day(value: Any) -> dt.date:
    """The date part of an ISO 8601 date or date-time, as written (no time-zone shift)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError("not an ISO 8601 date")
    rest = value.strip()[10:]
    if rest:  # the time part must be a real ISO time too (2024-01-20T25:00 is not a date-time)
        try:
            dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError as exc:
            raise ValueError("not an ISO 8601 date-time") from exc
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def _expression(value):
    return F(value) if isinstance(value, str) else value


class _JsonRows(Subquery):
    """``queryset``'s rows with ``fields`` (wire name -> expression) as columns ``_j0``, ``_j1``...,
    turned into compact JSON objects with those names, in order, by PostgreSQL (``row_to_json``
    writes no spaces and keeps numerics as they are: 150.00 stays 150.00)."""

    output_field = TextField()

    def __init__(self, queryset, *, order_by: tuple = (), **fields):
        self.keys = list(fields)
        self.order_count = len(order_by)
        columns = {f"_j{i}": _expression(value) for i, value in enumerate(fields.values())}
        columns |= {f"_o{i}": _expression(value) for i, value in enumerate(order_by)}
        super().__init__(self.limited(queryset.annotate(**columns).values(*columns)))

    def limited(self, queryset):
        return queryset

    def as_sql(self, compiler, connection, template=None, **extra_context):
        names = ", ".join(f'_j._j{i} AS "{key}"' for i, key in enumerate(self.keys))
        extra_context["object"] = f"(SELECT row_to_json(_r) FROM (SELECT {names}) AS _r)"
        extra_context["order"] = ", ".join(f"_j._o{i}" for i in range(self.order_count))
        return super().as_sql(compiler, connection, template=template, **extra_context)


class JsonList(_JsonRows):
    """The rows of ``queryset`` as one JSON array text, in ``order_by``'s order (``[]`` for none).

    For a list whose items hold lists of their own (a consultation's follow-ups): one column of
    the list's single query, parsed once (orjson) instead of a query per page or per item.
    """

    template = (
        "(SELECT COALESCE(to_json(array_agg(%(object)s ORDER BY %(order)s)), '[]')::text FROM (%(subquery)s) AS _j)"
    )

    def __init__(self, queryset, *, order_by: tuple, **fields):
        super().__init__(queryset.order_by(), order_by=order_by, **fields)


class JsonObject(_JsonRows):
    """The first row of ``queryset`` (in its order) as one JSON object text, NULL when there is none."""

    template = "(SELECT %(object)s::text FROM (%(subquery)s) AS _j)"

    def limited(self, queryset):
        return queryset[:1]


class JsonText(Func):
    """A JSON column as the database's text (parsed once, by orjson, in the read shape)."""

    template = "%(expressions)s"
    output_field = TextField()
