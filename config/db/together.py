"""Several small reads in one statement: each queryset's objects, as Django would make them.

A write first reads what it refers to (a session: its client, its services, its staff member
with their user, the workspace's custom field definitions), a few rows from a few tables, each
in a round trip of its own. :func:`fetch_together` sends them as one statement, a ``UNION ALL``
of the querysets side by side: every part's columns have a range of their own in the combined
row (the other parts' columns are NULL there), so each value keeps its PostgreSQL type and comes
back through Django's own converters and model construction (``select_related`` included), as
the queryset itself would have made it.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.constants import MULTI


def fetch_together(parts: Mapping[str, QuerySet], *, using: str = "default") -> dict[str, list[Model]]:
    """The objects of each queryset of ``parts`` (name -> queryset of model instances), read in one statement."""
    if not parts:
        return {}
    compiled = []
    for name, queryset in parts.items():
        if queryset._iterable_class is not ModelIterable:
            raise TypeError(f"{name}: only querysets of model instances can be read together")
        query = queryset.query.clone()
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()  # (also fills in compiler.select, which says what each column is)
        compiled.append((name, queryset, query, compiler, sql, params, len(compiler.select)))
    connection = connections[using]
    # a NULL of every column's type (an untyped one would be taken for text)
    nulls = [
        f"NULL::{expression.output_field.cast_db_type(connection)}"
        for *_rest, compiler, _sql, _params, _columns in compiled
        for expression, _compiled, _alias in compiler.select
    ]
    selects, all_params, start = [], [], 0
    for index, (_name, _queryset, _query, _compiler, sql, params, columns) in enumerate(compiled):
        names = [f"c{i}" for i in range(columns)]
        cells = [*nulls[:start], *(f"t.{n}" for n in names), *nulls[start + columns :]]
        selects.append(f"(SELECT {index}, {', '.join(cells)} FROM ({sql}) AS t({', '.join(names)}))")
        all_params.extend(params)
        start += columns
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), all_params)
        rows = cursor.fetchall()
    found: dict[str, list[Model]] = {}
    start = 1
    for index, (name, queryset, query, compiler, _sql, _params, columns) in enumerate(compiled):
        own = [row[start : start + columns] for row in rows if row[0] == index]
        start += columns
        found[name] = _objects(queryset, query, compiler, own)
    return found


def _objects(queryset: QuerySet, query, compiler, rows: list) -> list[Model]:
    """The instances Django's own iterable makes of ``rows`` (already read) for ``queryset``."""

    def execute_sql(result_type=MULTI, chunked_fetch=False, chunk_size=None):
        return iter([rows])

    compiler.execute_sql = execute_sql  # (this compiler is this call's own: the rows were read above)
    query.get_compiler = lambda *args, **kwargs: compiler
    clone = queryset._chain()
    clone.query = query
    return list(ModelIterable(clone))
