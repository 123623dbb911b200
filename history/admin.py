"""The history page of every recorded model in the admin: who, when, through which door, what changed.

:class:`HistoryAdmin` is simple-history's ``SimpleHistoryAdmin`` (the "History" button of a
change page) with:

- each row's changes listed against the row before it, including the oldest row of a page
  (a create lists the values it was created with; a delete lists nothing), never the
  bookkeeping fields (id, workspace, timestamps);
- the door and the reason (for commands: which one, run by whom) beside who and when;
- scoped like every admin page (:mod:`workspaces.admin_scope`): the rows of an object the user
  may see, in a workspace they work in (a deleted object's too), else a 404; fields a user may not
  read (the admin's ``private_fields``: a consultation's private notes) left out of every row,
  also on the page of one version;
- no revert: a past version is shown read-only (a revert would bypass the lifecycle and the
  double-booking check, which only the actions apply);
- the object's history read through the workspace-led index ``(workspace, id, history_date)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import ForeignKey, Model, Q
from django.http import Http404, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from workspaces.admin_scope import ScopedModelAdmin, admin_access
from workspaces.ids import is_object_id

NOTHING = "—"
HISTORY_OF_RELATED = _("History of its %(items)s")


class HistoryAdmin(ScopedModelAdmin, SimpleHistoryAdmin):
    object_history_template = "history/object_history.html"
    object_history_list_template = "history/object_history_list.html"
    history_list_per_page = 50

    #: recorded fields never listed as changes: bookkeeping, and the real instants (derived from
    #: the date, the times and the workspace's time zone, which are listed)
    history_unlisted_fields = frozenset({"id", "workspace", "created_at", "updated_at", "starts_at", "ends_at"})
    #: relations the changes print, loaded with the history rows (``select_related``)
    history_select_related: Sequence[str] = ()

    # -- who may read what -----------------------------------------------------------------

    def history_hidden_fields(self, request, record) -> frozenset[str]:
        """Recorded fields this user may not read on ``record`` (a historical row)."""
        return self.hidden_fields(request)

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_rows(self, request):
        """The historical rows this user may see: those of the workspaces they work in."""
        return admin_access(request).scope(self.model.history.all())

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # a past version is shown, never saved back (simple-history would save it on POST)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        object_id = unquote(object_id)
        if not (is_object_id(object_id) and is_object_id(version_id)):
            raise Http404
        if not self.history_rows(request).filter(id=object_id, history_id=version_id).exists():
            raise Http404  # another workspace's version: the same 404 as an unknown one
        return super().history_form_view(request, object_id, version_id, extra_context)

    # -- the rows ----------------------------------------------------------------------------

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        queryset = super().get_history_queryset(request, history_manager, pk_name, object_id)
        queryset = admin_access(request).scope(queryset)
        workspace_id = getattr(request, "_history_workspace_id", None)  # set by history_view
        if workspace_id is not None:  # the object is there: its workspace leads the index
            queryset = queryset.filter(workspace_id=workspace_id)
        if self.history_select_related:
            queryset = queryset.select_related(*self.history_select_related)
        return queryset

    def history_view(self, request, object_id, extra_context=None):
        object_id = unquote(object_id)
        if not is_object_id(object_id):
            raise Http404
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            request._history_workspace_id = obj.workspace_id
            sections = []
            for title, records in self.history_related_sections(request, obj):
                records = list(records)
                self.set_history_delta_changes(request, records)
                sections.append({"title": title, "records": records})
            extra_context["related_history"] = sections
        # (a deleted object: simple-history shows its scoped rows, or a 404 when there are none)
        return super().history_view(request, object_id, extra_context)

    def history_related_sections(self, request, obj) -> list[tuple[Any, Sequence[Model]]]:
        """Histories of the object's parts shown on its history page: ``[(title, rows)]``."""
        return []

    # -- what changed ----------------------------------------------------------------------

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)  # newest first; one object's rows, or several objects'
        olders: list[Model | None] = []
        for index, record in enumerate(records):
            older = next((other for other in records[index + 1 :] if other.id == record.id), None)
            if older is None and record.history_type != "+":
                older = _row_before(record)  # its oldest row on this page: the one before it
            olders.append(older)
        extra = self.history_prepare(request, [r for r in (*records, *olders) if r is not None])
        for record, older in zip(records, olders, strict=True):
            changes = self.history_changes(request, record, older)
            changes += self.history_extra_changes(request, record, older, extra)
            record.history_delta_changes = changes

    def history_changes(self, request, record, older) -> list[dict[str, Any]]:
        if record.history_type == "-":
            return []
        hidden = self.history_hidden_fields(request, record) if record.instance_type is self.model else frozenset()
        fields = [
            field.name
            for field in record.tracked_fields
            if field.name not in self.history_unlisted_fields and field.name not in hidden
        ]
        if older is None:  # created: the values it started with
            changes = [
                ModelChange(name, None, value)
                for name in fields
                if (value := _value(record, name)) not in (None, "", [], {})
            ]
        else:  # (simple-history's diff_against skips fields that are not editable, like deleted_at)
            changes = [
                ModelChange(name, _value(older, name), _value(record, name))
                for name in fields
                if _raw(older, name) != _raw(record, name)
            ]
        delta = ModelDelta(changes, [change.field for change in changes], older or record, record)
        helper = HistoricalRecordContextHelper(record.instance_type, record)
        listed = helper.context_for_delta_changes(delta)
        for change in listed:
            if older is None:
                change["old"] = NOTHING
        return listed

    def history_prepare(self, request, records: Sequence[Model]) -> Any:
        """Load once what :meth:`history_extra_changes` needs for these rows."""
        return None

    def history_extra_changes(self, request, record, older, prepared) -> list[dict[str, Any]]:
        """Changes of what is kept on the rows besides the recorded fields (a session's services)."""
        return []


def _raw(record, name: str):
    return getattr(record, record._meta.get_field(name).attname)


def _value(record, name: str):
    field = record._meta.get_field(name)
    if isinstance(field, ForeignKey):
        try:
            return getattr(record, name)
        except ObjectDoesNotExist:
            return getattr(record, field.attname)
    return getattr(record, name)


def _row_before(record):
    """The historical row of the same object just before ``record`` (one query, workspace-led)."""
    relations = [field.name for field in record.tracked_fields if isinstance(field, ForeignKey)]
    return (
        type(record)
        ._default_manager.select_related(*relations)
        .filter(workspace_id=record.workspace_id, id=record.id)
        .filter(
            Q(history_date__lt=record.history_date)
            | Q(history_date=record.history_date, history_id__lt=record.history_id)
        )
        .order_by("-history_date", "-history_id")
        .first()
    )
