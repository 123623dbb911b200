"""What the API must show for notes and attachments, computed from stored rows with the Python wire
formats (independently of the SQL that builds them)."""

from __future__ import annotations

from config.api.formats import format_instant
from records.models import ConsultationAttachment, Note, SessionAttachment

PATHS = {SessionAttachment: "sessions", ConsultationAttachment: "nutrition/sessions"}


def expected_note(note: Note) -> dict:
    author = note.author
    return {
        "id": note.pk,
        "sessionId": note.session_id,
        "body": note.body,
        "visibility": note.visibility,
        "authorId": note.author_id,
        "authorName": None if author is None else (author.user.name or author.user.email),
        "createdAt": format_instant(note.created_at),
        "updatedAt": format_instant(note.updated_at),
    }


def expected_attachment(attachment) -> dict:
    path = PATHS[type(attachment)]
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "contentType": attachment.content_type,
        "visibility": attachment.visibility,
        "uploadedBy": attachment.uploaded_by_id,
        "createdAt": format_instant(attachment.created_at),
        "url": f"/api/v1/workspace/{attachment.workspace_id}/{path}/{attachment.booking_id}/attachments/"
        f"{attachment.pk}/content",
    }


def readable(rows, private: bool) -> list:
    return [row for row in rows if private or row.visibility == "shared"]


def session_notes(session, private: bool = True) -> list[dict]:
    notes = Note.objects.filter(session_id=session.pk).select_related("author__user").order_by("created_at", "id")
    return [expected_note(note) for note in readable(notes, private)]


def booking_attachments(booking, model, private: bool = True) -> list[dict]:
    rows = model.objects.filter(booking_id=booking.pk).order_by("created_at", "id")
    return [expected_attachment(row) for row in readable(rows, private)]
