"""Query shapes: the SQL of a read compiled once, then run with each request's values.

Django compiles a queryset's SQL on every request, which for a list of rows built by PostgreSQL
(services, notes, attachments, invoice: one subquery each) costs about as much as running it.
A read whose values are :class:`Slot` expressions instead of values (the workspace, the parent,
each filter, the paging cursor) compiles to SQL with placeholders that does not depend on the
request; :func:`fetch_rows` keeps it by a key that names everything the SQL does depend on
(which filters are there, whether a cursor is, the page size, the caller's view of private rows)
and fills in the values at each use. Same SQL, same rows, same plan as the queryset's own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import CharField, Expression, Field, ForeignKey, Lookup, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

#: shapes kept at most (a shape is a few kilobytes of SQL; the key space is small in practice)
MAX_SHAPES = 512


class _Named:
    """A placeholder's value in a compiled shape: filled in from the values by name."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<slot {self.name}>"


class Slot(Expression):
    """A named value of a query shape: compiled as a parameter, filled in at each use."""

    output_field = Field()

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Named(self.name)]

    @property
    def identity(self):
        return (Slot, self.name)

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


@CharField.register_lookup
@ForeignKey.register_lookup  # (ids of related objects: a foreign key to a 24-hex id)
class AnyOf(Lookup):
    """``field__any=[...]``: the field equals one of the array's values (``= ANY(%s)``). Unlike
    ``__in``, its SQL does not depend on how many there are, so it fits a shape."""

    lookup_name = "any"

    def get_prep_lookup(self):
        return self.rhs if hasattr(self.rhs, "resolve_expression") else list(self.rhs)

    def process_rhs(self, compiler, connection):
        if hasattr(self.rhs, "as_sql"):
            return compiler.compile(self.rhs)
        return "%s", [list(self.rhs)]

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs_sql} = ANY({rhs_sql})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Shape:
    sql: str
    params: tuple
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ObjectShape:
    """A queryset of model instances compiled: what Django's ``ModelIterable`` works out from the
    compiler on every run (which columns make the instance, which its ``select_related`` ones,
    which are annotations, which need converting)."""

    sql: str
    params: tuple
    model: type[Model]
    column_types: tuple[str, ...]  # each column's type in SQL (a UNION ALL of shapes casts NULLs to them)
    converters: tuple  # ((position, (converter, ...), expression), ...)
    init_list: tuple[str, ...]
    start: int
    end: int
    populators: tuple
    annotations: tuple[tuple[str, int], ...]  # (attribute, position) of each .annotate() value


_shapes: dict[Hashable, Any] = {}  # (Shape, ObjectShape, or another module's compiled form)


def shape_of(queryset: QuerySet, using: str = "default") -> Shape:
    """``queryset`` (of ``.values()`` rows) compiled: its SQL, its parameters (constants and
    placeholders) and its columns, in the order ``.values()`` would name them."""
    query = queryset.query
    sql, params = query.get_compiler(using).as_sql()
    columns = (*query.extra_select, *query.values_select, *query.annotation_select)
    return Shape(sql, tuple(params), columns)


def fetch_rows(
    key: Hashable, build: Callable[[], QuerySet], values: Mapping[str, Any], using: str = "default"
) -> list[dict]:
    """The rows of the shape ``key`` (compiled from ``build()`` the first time) for ``values``."""
    shape = compiled(key, lambda: shape_of(build(), using))
    with connections[using].cursor() as cursor:
        cursor.execute(shape.sql, filled(shape.params, values))
        return [dict(zip(shape.columns, row, strict=True)) for row in cursor.fetchall()]


def object_shape_of(queryset: QuerySet, using: str = "default") -> ObjectShape:
    """``queryset`` (of model instances, ``select_related`` ones too) compiled once."""
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._known_related_objects
        or queryset._prefetch_related_lookups
    ):
        raise TypeError("only a plain queryset of model instances compiles to an object shape")
    compiler = queryset.query.get_compiler(using)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    return ObjectShape(
        sql=sql,
        params=tuple(params),
        model=klass_info["model"],
        column_types=tuple(
            expression.output_field.cast_db_type(connections[using]) for expression, _sql, _alias in select
        ),
        converters=tuple((position, *found) for position, found in converters.items()),
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        start=start,
        end=end,
        populators=tuple(get_related_populators(klass_info, select, using)),
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def fetch_objects(
    key: Hashable, build: Callable[[], QuerySet], values: Mapping[str, Any], using: str = "default"
) -> list[Model]:
    """The model instances of the shape ``key`` (compiled from ``build()`` the first time) for
    ``values``: the same objects, ``select_related`` ones in place, as iterating the queryset."""
    shape = compiled(key, lambda: object_shape_of(build(), using))
    with connections[using].cursor() as cursor:
        cursor.execute(shape.sql, filled(shape.params, values))
        return instances(shape, cursor.fetchall(), using)


def filled(params: tuple, values: Mapping[str, Any]) -> list:
    """A shape's parameters with each placeholder's value from ``values``."""
    return [values[param.name] if type(param) is _Named else param for param in params]


def instances(shape: ObjectShape, rows: list, using: str = "default") -> list[Model]:
    """The model instances ``rows`` (of ``shape``'s columns) make, as Django's own iterable makes them."""
    connection = connections[using]
    objects = []
    for row in rows:
        if shape.converters:
            row = list(row)
            for position, converters, expression in shape.converters:
                for convert in converters:
                    row[position] = convert(row[position], expression, connection)
        obj = shape.model.from_db(using, shape.init_list, row[shape.start : shape.end])
        for populator in shape.populators:
            populator.populate(row, obj)
        for attribute, position in shape.annotations:
            setattr(obj, attribute, row[position])
        objects.append(obj)
    return objects


def compiled(key: Hashable, make: Callable[[], Any]) -> Any:
    """The compiled form kept under ``key``, made by ``make()`` the first time."""
    shape = _shapes.get(key)
    if shape is None:
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        shape = _shapes[key] = make()
    return shape
