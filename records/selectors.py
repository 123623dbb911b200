"""Read logic of session records: the rows of notes and attachments, and the JSON arrays a booking's
read shape carries, one definition of each shape for both.

What a caller may read is part of the query: without ``records.private`` only shared notes and
attachments are there, in the endpoints and in the bookings' ``notes`` / ``attachments`` arrays.
"""

from __future__ import annotations

from django.db.models import CharField, F, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf

from config.api.formats import InstantText, JsonList
from records.models import (
    Attachment,
    ConsultationAttachment,
    Note,
    SessionAttachment,
    Visibility,
)

#: the permission that reads private notes and attachments (contract, "Session records")
PRIVATE_PERMISSION = "records.private"
#: the permission that changes or deletes anyone's notes and attachments (others: their own only)
MANAGE_PERMISSION = "records.manage"

#: where a kind of booking's attachments are served, under /api/v1/workspace/{id}/
ATTACHMENT_PATHS = {SessionAttachment: "sessions", ConsultationAttachment: "nutrition/sessions"}


def may_read_private(membership) -> bool:
    return membership is not None and membership.has_permission(PRIVATE_PERMISSION)


def may_change(membership, author_id: str | None) -> bool:
    """Only its author, or an owner or admin, may change or delete a note or an attachment."""
    if membership is None:
        return False
    return membership.has_permission(MANAGE_PERMISSION) or (author_id is not None and author_id == membership.pk)


def readable(queryset: QuerySet, *, private: bool) -> QuerySet:
    """``queryset`` of notes or attachments narrowed to what a caller may read."""
    return queryset if private else queryset.filter(visibility=Visibility.SHARED)


def _member_name(relation: str):
    """A member shown as the API names members: their name, or their email when they have none."""
    return Coalesce(
        NullIf(F(f"{relation}__user__name"), Value("")), F(f"{relation}__user__email"), output_field=CharField()
    )


def note_columns() -> dict:
    """A note as the API shows it: wire name -> expression, in the contract's order."""
    return {
        "id": F("id"),
        "sessionId": F("session_id"),
        "body": F("body"),
        "visibility": F("visibility"),
        "authorId": F("author_id"),
        "authorName": _member_name("author"),
        "createdAt": InstantText("created_at"),
        "updatedAt": InstantText("updated_at"),
    }


def attachment_columns(model: type[Attachment]) -> dict:
    """An attachment as the API shows it; ``url`` is the path of its permission-checked download."""
    return {
        "id": F("id"),
        "name": F("name"),
        "size": F("size"),
        "contentType": F("content_type"),
        "visibility": F("visibility"),
        "uploadedBy": F("uploaded_by_id"),
        "createdAt": InstantText("created_at"),
        "url": Concat(
            Value("/api/v1/workspace/"),
            F("workspace_id"),
            Value(f"/{ATTACHMENT_PATHS[model]}/"),
            F("booking_id"),
            Value("/attachments/"),
            F("id"),
            Value("/content"),
            output_field=CharField(),
        ),
    }


def note_rows(queryset: QuerySet[Note]) -> QuerySet:
    """Notes as rows of their read shape (``created_at`` and ``id`` as stored: the order and cursor)."""
    return queryset.values("id", "created_at", **{f"w_{k}": v for k, v in note_columns().items() if k != "id"})


def attachment_rows(queryset: QuerySet[Attachment]) -> QuerySet:
    columns = attachment_columns(queryset.model)
    return queryset.values("id", "created_at", **{f"w_{k}": v for k, v in columns.items() if k != "id"})


def session_notes_json(*, private: bool) -> JsonList:
    """A session's notes the caller may read, oldest first, as one JSON array text (through
    ``records_note_ws_idx``: workspace, session, created_at, id)."""
    notes = readable(
        Note.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk")), private=private
    )
    return JsonList(notes, order_by=("created_at", "id"), **note_columns())


def attachments_json(model: type[Attachment], *, private: bool) -> JsonList:
    """A booking's attachments the caller may read, oldest first, as one JSON array text."""
    files = readable(
        model.objects.filter(workspace_id=OuterRef("workspace_id"), booking_id=OuterRef("pk")), private=private
    )
    return JsonList(files, order_by=("created_at", "id"), **attachment_columns(model))
