"""Several small reads in one statement: each queryset's objects, as Django would make them.

A write first reads what it refers to (a session: its client, its services, its staff member
with their user, the workspace's custom field definitions), a few rows from a few tables, each
in a round trip of its own. :func:`fetch_together` sends them as one statement, a ``UNION ALL``
of the querysets side by side: every part's columns have a range of their own in the combined
row (the other parts' columns are NULL there), so each value keeps its PostgreSQL type and comes
back through Django's own converters and model construction (``select_related`` included), as
the queryset itself would have made it. The statement is compiled once per key, as a query shape
(``config.api.shapes``): the querysets name their values by :class:`~config.api.shapes.Slot`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

from config.api.shapes import ObjectShape, compiled, filled, instances, object_shape_of


@dataclass(frozen=True)
class Together:
    sql: str
    params: tuple
    parts: tuple[tuple[str, ObjectShape], ...]  # (name, its shape)


def fetch_together(
    key: Hashable,
    build: Callable[[], Mapping[str, QuerySet]],
    values: Mapping[str, Any] | None = None,
    *,
    using: str = "default",
) -> dict[str, list[Model]]:
    """The objects of each queryset of ``build()`` (name -> queryset of model instances), read in
    one statement compiled the first time for ``key``, with ``values`` for its slots."""
    together = compiled(key, lambda: _compiled(build(), using))
    if not together.parts:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute(together.sql, filled(together.params, values or {}))
        rows = cursor.fetchall()
    found: dict[str, list[Model]] = {}
    start = 1
    for index, (name, shape) in enumerate(together.parts):
        columns = len(shape.column_types)
        own = [row[start : start + columns] for row in rows if row[0] == index]
        start += columns
        found[name] = instances(shape, own, using)
    return found


def _compiled(parts: Mapping[str, QuerySet], using: str) -> Together:
    shapes = tuple((name, object_shape_of(queryset, using)) for name, queryset in parts.items())
    # a NULL of every column's type (an untyped one would be taken for text)
    nulls = [f"NULL::{db_type}" for _name, shape in shapes for db_type in shape.column_types]
    selects, params, start = [], [], 0
    for index, (_name, shape) in enumerate(shapes):
        columns = len(shape.column_types)
        names = [f"c{i}" for i in range(columns)]
        cells = [*nulls[:start], *(f"t.{n}" for n in names), *nulls[start + columns :]]
        selects.append(f"(SELECT {index}, {', '.join(cells)} FROM ({shape.sql}) AS t({', '.join(names)}))")
        params.extend(shape.params)
        start += columns
    return Together(" UNION ALL ".join(selects), tuple(params), shapes)
