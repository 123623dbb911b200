"""Optional keyset paging on every list: ``?limit=N`` and ``?cursor=...``."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.api.errors import BadRequest

MAX_PAGE = 500
MAX_UNPAGED = 5000


def _encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, model, ordering: list[str]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != len(ordering):
            raise ValueError
        return [model._meta.get_field(name).to_python(value) for name, value in zip(ordering, values, strict=True)]
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError, Exception) as exc:
        raise BadRequest(_("The cursor is not valid."), code="invalid_cursor", field="cursor") from exc


def after_condition(ordering: list[str], values: list[Any]):
    """Rows strictly after ``values`` in ``ordering`` (keyset paging)."""

    condition = Q()
    for i in range(len(ordering) - 1, -1, -1):
        strictly = Q(**{f"{ordering[i]}__gt": values[i]})
        equal_before = Q(**{ordering[j]: values[j] for j in range(i)})
        condition |= equal_before & strictly
    return condition


def parse_limit(request) -> int | None:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(_("limit must be an integer from 1 to %(max)s.") % {"max": MAX_PAGE}, "invalid", "limit")
    return int(raw)


def paginate(request, queryset, ordering: list[str]) -> tuple[list, str | None, bool]:
    """Rows of ``queryset`` in ``ordering`` (unique, ascending), one page or the whole list.

    Returns ``(rows, next_cursor, paged)``. Without ``limit`` the whole list comes back, up to
    MAX_UNPAGED rows; more is a 400 ``too_many_results``, never a silently cut list.
    """

    def fetch(count: int, after: list | None) -> list:
        ordered = queryset.order_by(*ordering)
        if after is not None:
            ordered = ordered.filter(after_condition(ordering, after))
        return list(ordered[:count])

    return page(request, ordering, queryset.model, fetch)


def page(request, ordering: list[str], model, fetch) -> tuple[list, str | None, bool]:
    """:func:`paginate`'s answer from ``fetch(count, after)``: at most ``count`` rows in
    ``ordering``, those after the values ``after`` when it is not None (a cursor's)."""
    limit = parse_limit(request)
    cursor = request.query_params.get("cursor")
    after = _decode_cursor(cursor, model, ordering) if cursor else None
    if limit is None and after is None:
        rows = fetch(MAX_UNPAGED + 1, None)
        if len(rows) > MAX_UNPAGED:
            raise BadRequest(
                _("More than %(max)s results: narrow the filters or page with ?limit=.") % {"max": MAX_UNPAGED},
                code="too_many_results",
            )
        return rows, None, False
    limit = limit or MAX_PAGE
    rows = fetch(limit + 1, after)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if isinstance(last, dict):  # rows read with .values() (the fast list paths)
            next_cursor = _encode_cursor([last[name] for name in ordering])
        else:
            next_cursor = _encode_cursor([getattr(last, name) for name in ordering])
    return rows, next_cursor, True


def paginate_items(request, items: list, key) -> tuple[list, str | None, bool]:
    """:func:`paginate` over a list computed in Python (free slots), already in the order of
    ``key(item)``, a tuple of strings unique to each item; the cursor holds the last item's key."""
    limit = parse_limit(request)
    cursor = request.query_params.get("cursor")
    if cursor:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            after = orjson.loads(raw)
            if not isinstance(after, list) or not all(isinstance(value, str) for value in after):
                raise ValueError
        except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
            raise BadRequest(_("The cursor is not valid."), code="invalid_cursor", field="cursor") from exc
        items = [item for item in items if list(key(item)) > after]
    if limit is None and not cursor:
        if len(items) > MAX_UNPAGED:
            raise BadRequest(
                _("More than %(max)s results: narrow the filters or page with ?limit=.") % {"max": MAX_UNPAGED},
                code="too_many_results",
            )
        return items, None, False
    limit = limit or MAX_PAGE
    page = items[:limit]
    next_cursor = _encode_cursor(list(key(page[-1]))) if len(items) > limit else None
    return page, next_cursor, True
