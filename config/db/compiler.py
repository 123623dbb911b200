"""Django's PostgreSQL compilers, with the SQL of an INSERT made once per shape.

Django writes an INSERT's text anew for every row saved: the table, the columns, a placeholder
for each value, checked value by value. A write here saves several rows (a booking, its
historical row, its emails, reminders and links), so the text of each shape of INSERT (model,
columns, one row or several) is kept after Django has made it once, and later INSERTs of that
shape only prepare their values, as Django does (each field's ``pre_save``, then
``get_db_prep_save``). Whatever the kept text cannot serve goes to Django unchanged: a value that
is an expression, a field with its own placeholder, ``RETURNING`` columns, ``ON CONFLICT``, and
several rows that Django does not send as one ``UNNEST`` (whose text depends on how many).
"""

from __future__ import annotations

from django.db.backends.postgresql.compiler import (
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.backends.postgresql.compiler import SQLInsertCompiler as DjangoInsertCompiler

__all__ = [
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]

#: shape -> its INSERT's text, or None: Django writes that shape every time
_kept: dict[tuple, str | None] = {}
MAX_KEPT = 1024


class SQLInsertCompiler(DjangoInsertCompiler):
    def as_sql(self):
        key = self._shape()
        sql = _kept.get(key, False) if key is not None else None
        if not sql:
            return self._made_by_django(key)
        fields, objs = self.query.fields, self.query.objs
        rows = [
            [field.get_db_prep_save(self.pre_save_val(field, obj), self.connection) for field in fields] for obj in objs
        ]
        if len(objs) == 1:
            return [(sql, tuple(rows[0]))]
        return [(sql, tuple(list(column) for column in zip(*rows, strict=True)))]  # (UNNEST: one array a column)

    def _shape(self) -> tuple | None:
        """What the INSERT's text depends on, when it can be kept; None when Django writes it."""
        query = self.query
        if self.returning_fields or query.on_conflict or not query.fields or not query.objs:
            return None
        attnames = [field.attname for field in query.fields]
        for obj in query.objs:  # (an expression compiles to SQL of its own)
            for attname in attnames:
                if hasattr(getattr(obj, attname, None), "resolve_expression"):
                    return None
        return (query.model, tuple(query.fields), len(query.objs) == 1)

    def _made_by_django(self, key: tuple | None):
        statements = super().as_sql()
        if key is not None and key not in _kept:
            (sql, params), *more = statements
            one_row, fields = key[2], self.query.fields
            keepable = (
                not more
                and not any(hasattr(field, "get_placeholder") for field in fields)
                and len(params) == len(fields)  # (one placeholder a field: no value became SQL of its own)
                and (one_row or ("UNNEST(" in sql and all(isinstance(param, list) for param in params)))
            )
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[key] = sql if keepable else None
        return statements
