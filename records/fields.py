"""Custom fields: a session's ``fieldValues`` checked against its workspace's active definitions.

The rules (contract, "Session records"), each a 400 naming ``fieldValues[i]`` (or ``fieldValues``
for a missing required field):

- a key no active definition has, or given twice;
- a value of the wrong type (text: a string; number: a number; boolean: true or false; date: an
  ISO date ``YYYY-MM-DD``; choice: one of the options), a null value being "no value";
- the definition's phase and the item's disagree;
- a required ``pre`` field missing (no item, or no value) when the session is created, a required
  ``post`` field missing when the session moves to ``completed`` (or is created completed).

A workspace without active definitions stores ``fieldValues`` as sent. Called by
``sessions.actions`` (every door: API, admin, bulk actions, commands).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _

from records.models import FieldPhase, FieldType, SessionField
from workspaces.errors import InvalidError

UNKNOWN_KEY = _("No active custom field has the key “%(key)s”.")
GIVEN_TWICE = _("The field “%(key)s” is given twice.")
WRONG_PHASE = _("The field “%(key)s” belongs to the phase “%(phase)s”.")
REQUIRED_MISSING = _("The field “%(label)s” (%(key)s) is required.")
WRONG_TYPE = {
    FieldType.TEXT: _("The field “%(key)s” takes text."),
    FieldType.NUMBER: _("The field “%(key)s” takes a number."),
    FieldType.BOOLEAN: _("The field “%(key)s” takes true or false."),
    FieldType.DATE: _("The field “%(key)s” takes a date (YYYY-MM-DD)."),
    FieldType.CHOICE: _("The field “%(key)s” takes one of its options: %(options)s."),
}


def active_definitions_queryset(workspace_id: str):
    """The workspace's active custom fields (read through records_field_key_unique)."""
    return SessionField.objects.filter(workspace_id=workspace_id, is_active=True)


def by_key(definitions) -> dict[str, SessionField]:
    return {field.key: field for field in definitions}


def active_definitions(workspace_id: str) -> dict[str, SessionField]:
    """The workspace's active custom fields by key (one query)."""
    return by_key(active_definitions_queryset(workspace_id))


def _is_date(value) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def value_fits(field: SessionField, value) -> bool:
    """Whether ``value`` (not null) is of the field's type."""
    if field.type == FieldType.TEXT:
        return isinstance(value, str)
    if field.type == FieldType.NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if field.type == FieldType.BOOLEAN:
        return isinstance(value, bool)
    if field.type == FieldType.DATE:
        return _is_date(value)
    return isinstance(value, str) and value in (field.options or [])


def _has_value(item: Mapping | None) -> bool:
    return item is not None and item.get("value") not in (None, "")


def check_field_values(
    values: Sequence[Mapping],
    definitions: Mapping[str, SessionField],
    *,
    require_pre: bool = False,
    require_post: bool = False,
    check_items: bool = True,
) -> None:
    """Raise ``InvalidError`` on the first value that breaks a definition (see the module)."""
    if not definitions:
        return
    seen: dict[str, Mapping] = {}
    for index, item in enumerate(values):
        key = item.get("fieldKey")
        if check_items:
            where = f"field_values[{index}]"
            field = definitions.get(key)
            if field is None:
                raise InvalidError(UNKNOWN_KEY % {"key": key}, field=where)
            if key in seen:
                raise InvalidError(GIVEN_TWICE % {"key": key}, field=where)
            if item.get("phase") != field.phase:
                raise InvalidError(WRONG_PHASE % {"key": key, "phase": field.phase}, field=where)
            value = item.get("value")
            if value is not None and not value_fits(field, value):
                message = WRONG_TYPE[field.type] % {"key": key, "options": ", ".join(field.options or [])}
                raise InvalidError(message, field=where)
        seen.setdefault(key, item)
    for field in definitions.values():
        wanted = (require_pre and field.phase == FieldPhase.PRE) or (require_post and field.phase == FieldPhase.POST)
        if field.required and wanted and not _has_value(seen.get(field.key)):
            raise InvalidError(REQUIRED_MISSING % {"label": field.label, "key": field.key}, field="field_values")
