"""Read logic of nutrition consultations: the rows of the one read shape (``NutritionSessionReadSerializer``)."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet

from bookings.selectors import BOOKING_COLUMNS, booking_texts
from config.api.formats import DayText, InstantText, JsonList
from nutrition.models import FollowUp, NutritionSession
from records.models import ConsultationAttachment
from records.selectors import attachments_json


def follow_ups_json() -> JsonList:
    """A consultation's follow-ups as the API shows them, by due date then id, as one JSON array text
    (read through ``nutrition_followup_ws_idx``: workspace, session, due date, id)."""
    return JsonList(
        FollowUp.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk")),
        order_by=("due_date", "id"),
        id="id",
        dueDate=DayText("due_date"),
        note="note",
        createdAt=InstantText("created_at"),
        updatedAt=InstantText("updated_at"),
    )


def nutrition_rows(queryset: QuerySet[NutritionSession], *, private: bool = False) -> QuerySet:
    """The consultations of ``queryset`` as plain rows of the read shape (filter and order it after).

    Like ``sessions.selectors.session_rows``: one query, no models, every value already in the
    API's format, the follow-ups and the attachments (only shared ones unless ``private``:
    ``records.private``) included as JSON arrays, plus ``id``, ``date`` and ``start_time`` as
    stored for the order and the paging cursor.
    """
    return queryset.values(
        *BOOKING_COLUMNS,
        "type",
        "topic",
        "notes_shared",
        "meeting_link",
        "location",
        "notes_private",
        attachments_json=attachments_json(ConsultationAttachment, private=private),
        follow_ups_json=follow_ups_json(),
        **booking_texts(),
    )
