"""Read logic of nutrition consultations: follow-ups for the serializer, and the list's rows."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Func, Prefetch, QuerySet, TextField, prefetch_related_objects

from config.api.formats import ClockText, DayText, InstantText
from nutrition.models import FollowUp, NutritionSession


def follow_ups_load(sessions: Iterable[NutritionSession]) -> None:
    """Load the follow-ups of ``sessions`` (by due date, then id) in one query, naming the workspace.

    Every index of a tenant table starts with its workspace, so the query says which one
    (``nutrition_followup_ws_idx``: workspace, session, due date). Consultations already loaded
    are skipped: calling this again costs nothing.
    """
    sessions = list(sessions)
    if not sessions:
        return
    follow_ups = FollowUp.objects.filter(workspace_id__in={s.workspace_id for s in sessions}).order_by("due_date", "id")
    prefetch_related_objects(sessions, Prefetch("follow_ups", queryset=follow_ups))


def _json_text(name: str):
    """A JSON column as the database's text (parsed once, by orjson, in the row mapping)."""
    return Func(F(name), template="%(expressions)s", output_field=TextField())


def nutrition_list_rows(queryset: QuerySet[NutritionSession]) -> QuerySet:
    """The consultations of ``queryset`` as plain rows for the list (filter and order it after).

    Like ``sessions.selectors.session_list_rows``: one query, no models, every value already in
    the API's format (``nutrition.serializers.nutrition_row_data`` maps a row to its dict, and
    drops the private notes for callers not allowed to read them), plus ``id``, ``date`` and
    ``start_time`` as stored for the order and the paging cursor.
    """
    return queryset.values(
        "id",
        "date",
        "start_time",
        "workspace_id",
        "client_id",
        "staff_id",
        "type",
        "status",
        "duration_minutes",
        "topic",
        "notes_shared",
        "meeting_link",
        "location",
        "notes_private",
        date_text=DayText("date"),
        start_text=ClockText("start_time"),
        end_text=ClockText("end_time"),
        attachments_json=_json_text("attachments"),
        created_text=InstantText("created_at"),
        updated_text=InstantText("updated_at"),
    )


def follow_up_rows(*, workspace_id: str, session_ids: list[str]) -> dict[str, list[dict]]:
    """The follow-ups of these consultations in ``FollowUpReadSerializer``'s shape, by consultation.

    One query through ``nutrition_followup_ws_idx`` (workspace, session, due date, id), in the
    order the API shows them (due date, then id).
    """
    by_session: dict[str, list[dict]] = {session_id: [] for session_id in session_ids}
    if not session_ids:
        return by_session
    rows = (
        FollowUp.objects.filter(workspace_id=workspace_id, session_id__in=session_ids)
        .order_by("session_id", "due_date", "id")
        .values_list(
            "session_id",
            "id",
            DayText("due_date"),
            "note",
            InstantText("created_at"),
            InstantText("updated_at"),
        )
    )
    for session_id, pk, due_date, note, created_at, updated_at in rows:
        by_session[session_id].append(
            {"id": pk, "dueDate": due_date, "note": note, "createdAt": created_at, "updatedAt": updated_at}
        )
    return by_session
