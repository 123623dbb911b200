"""Read logic of nutrition consultations."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, prefetch_related_objects

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
