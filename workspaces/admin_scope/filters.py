"""List filters: choices from the user's rows only, and the query string a list accepts (only
what its declared filters read)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, reverse_field_path
from django.db import models
from django.db.models import Q, QuerySet

from workspaces.admin_scope.access import admin_access, workspace_path

LOOKUP_SEP = "__"


def _related_choices(field, condition: Q, ordering) -> list[tuple]:
    """``field.get_choices`` in one query: the rows' own references (a member's user and
    workspace, which its label names) joined, not read row by row."""
    rows = field.related_model._default_manager.filter(condition).select_related()
    if ordering:
        rows = rows.order_by(*ordering)
    to_field = field.remote_field.get_related_field().attname
    return [(getattr(row, to_field), str(row)) for row in rows]


class _AppliedWhenUsed:
    """A filter given a value is applied, even when it offers fewer than two choices (Django then
    leaves it out of the page and, with it, out of the query: a value naming another workspace's
    row would list every row instead of none)."""

    def has_output(self):
        return super().has_output() or bool(self.used_parameters)


class ScopedRelatedFieldListFilter(_AppliedWhenUsed, admin.RelatedFieldListFilter):
    """Django's related filter, offering only related rows the user may see."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        return _related_choices(field, admin_access(request).scope_q(field.related_model) or Q(), ordering)


class ScopedRelatedOnlyFieldListFilter(_AppliedWhenUsed, admin.RelatedOnlyFieldListFilter):
    """The related rows the list's own (scoped) rows use, and only those the user may see."""

    def field_choices(self, field, request, model_admin):
        pk_qs = model_admin.get_queryset(request).distinct().values_list(f"{self.field_path}__pk", flat=True)
        ordering = self.field_admin_ordering(field, request, model_admin)
        condition = Q(pk__in=pk_qs) & (admin_access(request).scope_q(field.related_model) or Q())
        return _related_choices(field, condition, ordering)


class ScopedAllValuesFieldListFilter(_AppliedWhenUsed, admin.AllValuesFieldListFilter):
    """Distinct values of a field across a relation, read from rows the user may see."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        parent_model, _reverse_path = reverse_field_path(model, field_path)
        if parent_model is not model:
            rows = admin_access(request).scope(parent_model._default_manager.all())
            self.lookup_choices = rows.distinct().order_by(field.name).values_list(field.name, flat=True)


class ScopedChoicesFilter(admin.SimpleListFilter):
    """A list filter whose choices are rows of a model (``choices_queryset``), scoped like
    everything else; labelled with their workspace when the user sees several (a superuser)."""

    choices_queryset: QuerySet
    max_choices = 200

    def choice_label(self, obj) -> str:
        return str(obj)

    def lookups(self, request, model_admin):
        access = admin_access(request)
        rows = access.scope(self.choices_queryset.all())
        by_workspace = workspace_path(rows.model) == "workspace"
        if access.is_superuser and by_workspace:
            chosen = request.GET.get("workspace__id__exact")
            rows = rows.filter(workspace_id=chosen) if chosen else rows.select_related("workspace")
        labelled = access.is_superuser and by_workspace and not request.GET.get("workspace__id__exact")
        return [
            (obj.pk, f"{self.choice_label(obj)} · {obj.workspace}" if labelled else self.choice_label(obj))
            for obj in rows[: self.max_choices]
        ]

    def has_output(self):
        return super().has_output() or self.value() is not None  # (applied when used, as above)

    def chosen(self):
        """The chosen row's id when it is one of the choices offered, else None."""
        value = self.value()
        return value if value and value in {str(pk) for pk, _label in self.lookup_choices} else None


def scoped_filter(model, item):
    """A ``list_filter`` entry whose choices come from the database, made to offer only the user's."""
    if isinstance(item, type):
        return item  # a SimpleListFilter: database choices through ScopedChoicesFilter
    path, spec = (item[0], item[1]) if isinstance(item, (list, tuple)) else (item, None)
    target = get_fields_from_path(model, path)[-1]
    if spec is None:
        if target.remote_field is not None:
            return (path, ScopedRelatedFieldListFilter)
        if (
            LOOKUP_SEP in path
            and not target.flatchoices
            and not isinstance(target, (models.BooleanField, models.DateField))
        ):
            return (path, ScopedAllValuesFieldListFilter)
        return item
    if issubclass(spec, admin.RelatedOnlyFieldListFilter) and not issubclass(spec, ScopedRelatedOnlyFieldListFilter):
        return (path, ScopedRelatedOnlyFieldListFilter)
    if issubclass(spec, admin.RelatedFieldListFilter) and not issubclass(
        spec, (ScopedRelatedFieldListFilter, ScopedRelatedOnlyFieldListFilter)
    ):
        return (path, ScopedRelatedFieldListFilter)
    if issubclass(spec, admin.AllValuesFieldListFilter) and not issubclass(spec, ScopedAllValuesFieldListFilter):
        return (path, ScopedAllValuesFieldListFilter)
    return item


def filter_path(item) -> str | None:
    if isinstance(item, type):
        return None
    return item[0] if isinstance(item, (list, tuple)) else item


def first_part(name: str) -> str:
    return name.lstrip("=^@").split(LOOKUP_SEP, 1)[0]


def declared_lookups(model, list_filter, date_hierarchy: str | None) -> frozenset[str]:
    """The query-string parameters the list's declared filters read, and nothing else."""
    allowed = set()
    if date_hierarchy:
        allowed |= {f"{date_hierarchy}__year", f"{date_hierarchy}__month", f"{date_hierarchy}__day"}
    for item in list_filter:
        if isinstance(item, type):
            allowed.add(item.parameter_name)
            continue
        path = filter_path(item)
        target = get_fields_from_path(model, path)[-1]
        if target.remote_field is not None:
            allowed |= {f"{path}__{target.target_field.name}__exact", f"{path}__isnull"}
        elif isinstance(target, models.DateField):
            allowed |= {f"{path}__gte", f"{path}__lt", f"{path}__isnull"}
        else:
            allowed |= {path, f"{path}__exact", f"{path}__isnull", f"{path}__isempty"}
    return frozenset(allowed)
