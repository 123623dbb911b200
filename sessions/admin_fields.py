"""A session's field values in the admin, edited as rows (field key, value, phase), not raw JSON:
the editor of a workspace that defines no custom session fields.

A workspace with active definitions gets, instead, one input per definition, of its type and with
its label (``records.admin.FieldValuesField``, put on the form by
``records.admin.field_values_editor``): one editor at a time, chosen by the workspace, as the API
checks ``fieldValues`` against the definitions when there are some and stores them as sent when
there are none.

Each row is one item of ``fieldValues``. A value is text as typed, or, with "JSON" chosen as its
kind, a number, ``true``/``false``, ``null`` or a list written as JSON (an empty JSON value: no
value); saving a page unchanged gives back the same items. The rows are then checked as the API
checks them (``FieldValueSerializer``, in the form).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from records.models import FieldPhase

TEXT, JSON = "text", "json"
KINDS = [(TEXT, _("Text")), (JSON, _("JSON (number, true/false, list)"))]
PHASES = FieldPhase.choices
#: empty rows offered below the filled ones
BLANK_ROWS = 2
#: rows read from a page at most (the API's limit is checked afterwards with its own message)
MAX_ROWS = 200

ROW_NOT_JSON = _("Row %(row)s: the value is not valid JSON.")
ROW_WITHOUT_KEY = _("Row %(row)s: a value needs a field key.")


def _row(key: str = "", value: str = "", kind: str = TEXT, phase: str = FieldPhase.PRE) -> dict[str, str]:
    return {"key": key, "value": value, "kind": kind, "phase": phase}


class FieldValueRowsWidget(forms.Widget):
    """The rows of a table, named ``<name>-<i>-key|value|kind|phase``, and ``<name>-count``."""

    template_name = "admin/sessions/field_values.html"

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}-count", 0)), MAX_ROWS)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for index in range(count):
            row = _row(
                key=(data.get(f"{name}-{index}-key") or "").strip(),
                value=data.get(f"{name}-{index}-value") or "",
                kind=data.get(f"{name}-{index}-kind") or TEXT,
                phase=data.get(f"{name}-{index}-phase") or FieldPhase.PRE,
            )
            if row["key"] or row["value"].strip():
                rows.append(row)
        return rows

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-count" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = list(value or []) + [_row() for _blank in range(BLANK_ROWS)]
        context["widget"].update(
            rows=[{**row, "index": index} for index, row in enumerate(rows)],
            count=len(rows),
            kinds=KINDS,
            phases=PHASES,
        )
        return context


class FieldValueRowsField(forms.Field):
    """``fieldValues`` items from the rows; rows to show from items (or from a refused page)."""

    widget = FieldValueRowsWidget

    @staticmethod
    def rows(items) -> list[dict[str, str]]:
        if isinstance(items, str):  # a stored value that is not a list yet (never through the API)
            try:
                items = json.loads(items) if items else []
            except ValueError:
                items = []
        rows = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "kind" in item:  # a row of a page shown again
                rows.append(item)
            elif isinstance(item, dict):
                key, phase = str(item.get("fieldKey", "")), str(item.get("phase", FieldPhase.PRE))
                if "value" not in item:
                    rows.append(_row(key, "", JSON, phase))
                elif isinstance(item["value"], str):
                    rows.append(_row(key, item["value"], TEXT, phase))
                else:
                    rows.append(_row(key, json.dumps(item["value"], ensure_ascii=False), JSON, phase))
        return rows

    def prepare_value(self, value):
        return self.rows(value)

    def to_python(self, value) -> list[dict[str, Any]]:
        if not value:
            return []
        items, errors = [], []
        for number, row in enumerate(self.rows(value), start=1):
            if not row["key"]:
                errors.append(forms.ValidationError(ROW_WITHOUT_KEY % {"row": number}))
                continue
            item: dict[str, Any] = {"fieldKey": row["key"]}
            if row["kind"] == JSON:
                if row["value"].strip():
                    try:
                        item["value"] = json.loads(row["value"])
                    except ValueError:
                        errors.append(forms.ValidationError(ROW_NOT_JSON % {"row": number}))
                        continue
            else:
                item["value"] = row["value"]
            item["phase"] = row["phase"]
            items.append(item)
        if errors:
            raise forms.ValidationError(errors)
        return items

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != (initial or [])
        except forms.ValidationError:
            return True
