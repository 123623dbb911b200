"""Write logic of session records: keyword-only, typed, each in one transaction.

Every door (the API, the admin's inlines and forms) writes notes, attachments and custom field
definitions through these; each write is recorded in the history (django-simple-history, see
``history/models.py``: attachments' rows hold their name, type, size and digest, never the bytes).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from records import storage
from records.inspection import Inspector, Verdict
from records.models import (
    MAX_OPTIONS,
    NAME_MAX_LENGTH,
    OPTION_MAX_LENGTH,
    Attachment,
    FieldType,
    Note,
    SessionField,
    Visibility,
    attachment_model_for,
)
from workspaces.errors import ConflictError, InvalidError, refuse_unknown_changes
from workspaces.models import Membership, Workspace

NAME_MISSING = _("The file has no name.")
NAME_TOO_LONG = _("The file's name is longer than %(max)s characters.")
KEY_TAKEN = _("Another custom field of this workspace has this key.")
KEY_FIXED = _("A field's key cannot change; add a new field and deactivate this one.")
OPTIONS_NEEDED = _("A choice field needs its options: a list of distinct, non-empty texts.")
OPTIONS_ONLY_FOR_CHOICE = _("Only choice fields have options.")
OPTIONS_INVALID = _("Options are a list of at most %(max)s distinct, non-empty texts of up to %(length)s characters.")


# -- notes ---------------------------------------------------------------------------------------


@transaction.atomic
def note_add(*, session, body: str, visibility: str = Visibility.PRIVATE, author: Membership | None) -> Note:
    return Note.objects.create(
        workspace_id=session.workspace_id, session=session, body=body, visibility=visibility, author=author
    )


_NOTE_FIELDS = {"body", "visibility"}


@transaction.atomic
def note_update(*, note: Note, **changes: Any) -> Note:
    refuse_unknown_changes("note_update", changes, _NOTE_FIELDS)
    for name, value in changes.items():
        setattr(note, name, value)
    note.save()
    return note


@transaction.atomic
def note_delete(*, note: Note) -> None:
    note.delete()


# -- attachments ---------------------------------------------------------------------------------


def inspect_file(file) -> Verdict:
    """The verdict on a file: the upload handler's (``records.uploads``), or read now a chunk at a time."""
    verdict = getattr(file, "verdict", None)
    if verdict is not None:
        return verdict
    from django.conf import settings

    inspector = Inspector(settings.MAX_UPLOAD_BYTES)
    file.seek(0)
    for chunk in file.chunks():
        inspector.feed(chunk)
    file.seek(0)
    return inspector.finish()


@transaction.atomic
def attachment_add(
    *,
    booking: Booking,
    file,
    visibility: str = Visibility.PRIVATE,
    uploaded_by: Membership | None,
) -> Attachment:
    """Store ``file`` (judged by its bytes: 413, 415) under a new key and attach it to ``booking``.

    The stored ``content_type`` is what the bytes are, whatever the name or the declared type
    said; the name is kept as written (Arabic included). If the row cannot be written the stored
    file is removed again.
    """
    name = file.name
    if not name:
        raise InvalidError(NAME_MISSING, field="file")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidError(NAME_TOO_LONG % {"max": NAME_MAX_LENGTH}, field="file")
    verdict = inspect_file(file)
    refusal = verdict.refusal()
    if refusal is not None:
        raise refusal
    model = attachment_model_for(type(booking))
    key = storage.store(file, workspace_id=booking.workspace_id, content_type=verdict.content_type)
    try:
        with transaction.atomic():
            return model.objects.create(
                workspace_id=booking.workspace_id,
                booking=booking,
                name=name,
                size=verdict.size,
                content_type=verdict.content_type,
                visibility=visibility,
                uploaded_by=uploaded_by,
                storage_key=key,
                sha256=verdict.sha256,
            )
    except BaseException:
        storage.discard(key)
        raise


_ATTACHMENT_FIELDS = {"visibility"}


@transaction.atomic
def attachment_update(*, attachment: Attachment, **changes: Any) -> Attachment:
    """Change what may change of an attachment: its visibility (never its name or its bytes)."""
    refuse_unknown_changes("attachment_update", changes, _ATTACHMENT_FIELDS)
    for name, value in changes.items():
        setattr(attachment, name, value)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    """Delete the row; its file goes once the transaction commits (``records.receivers``)."""
    attachment.delete()


def booking_records_delete(*, booking: Booking) -> None:
    """A booking's notes and attachments, deleted before it is (each recorded in the history, each
    file removed after the commit); called for every kind by ``records.receivers``."""
    from sessions.models import Session

    if isinstance(booking, Session):
        Note.objects.filter(workspace_id=booking.workspace_id, session_id=booking.pk).delete()
    model = attachment_model_for(type(booking))
    model.objects.filter(workspace_id=booking.workspace_id, booking_id=booking.pk).delete()


# -- custom field definitions ----------------------------------------------------------------------


def clean_options(kind: str, options) -> list[str]:
    """A definition's options as its type wants them (the admin's form checks them here too)."""
    options = list(options or [])
    if kind != FieldType.CHOICE:
        if options:
            raise InvalidError(OPTIONS_ONLY_FOR_CHOICE, field="options")
        return []
    if not options:
        raise InvalidError(OPTIONS_NEEDED, field="options")
    valid = (
        len(options) <= MAX_OPTIONS
        and all(isinstance(o, str) and o.strip() and len(o) <= OPTION_MAX_LENGTH for o in options)
        and len(set(options)) == len(options)
    )
    if not valid:
        raise InvalidError(OPTIONS_INVALID % {"max": MAX_OPTIONS, "length": OPTION_MAX_LENGTH}, field="options")
    return options


def _save_field(field: SessionField, **kwargs) -> None:
    try:
        with transaction.atomic():  # a savepoint: a clash leaves the outer transaction usable
            field.save(**kwargs)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint == "records_field_key_unique":
            raise ConflictError(KEY_TAKEN, code="session_field_key_taken", field="key") from exc
        raise


@transaction.atomic
def session_field_create(
    *,
    workspace: Workspace,
    key: str,
    label: str,
    type: str,
    phase: str,
    options: list | None = None,
    required: bool = False,
    is_active: bool = True,
) -> SessionField:
    field = SessionField(
        workspace=workspace,
        key=key,
        label=label,
        type=type,
        options=clean_options(type, options),
        phase=phase,
        required=required,
        is_active=is_active,
    )
    _save_field(field, force_insert=True)
    return field


_FIELD_CHANGES = {"label", "type", "options", "phase", "required", "is_active", "key"}


@transaction.atomic
def session_field_update(*, field: SessionField, **changes: Any) -> SessionField:
    """Change a definition; its key stays (values are stored under it). A type other than choice
    drops the options; a move to choice needs them."""
    refuse_unknown_changes("session_field_update", changes, _FIELD_CHANGES)
    if "key" in changes and changes.pop("key") != field.key:
        raise InvalidError(KEY_FIXED, field="key")
    kind = changes.get("type", field.type)
    options = changes.get("options", field.options if kind == FieldType.CHOICE else [])
    changes["options"] = clean_options(kind, options)
    for name, value in changes.items():
        setattr(field, name, value)
    _save_field(field)
    return field


@transaction.atomic
def session_field_delete(*, field: SessionField) -> None:
    """Delete a definition; values stored under its key stay on the sessions (a later write of
    them is checked against the definitions then)."""
    field.delete()
