"""Session records over the API: notes on sessions, attachments on both kinds of session, and the
workspace's custom field definitions. All of them use the one tenancy base (the contract's order of
checks); private notes and attachments are simply not there for callers without ``records.private``
(404 on their paths, absent from lists and from the sessions' arrays)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, status
from rest_framework.decorators import action

from config.api.errors import NOT_FOUND_MESSAGE
from config.api.rendering import AnyContentRenderer, JSONRenderer
from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
from nutrition.models import NutritionSession
from records import actions
from records.content import download_response
from records.models import ConsultationAttachment, Note, SessionAttachment, SessionField
from records.selectors import may_change, may_read_private, readable
from records.serializers import (
    AttachmentReadSerializer,
    AttachmentUploadSerializer,
    ConsultationAttachmentReadSerializer,
    NoteReadSerializer,
    NoteWriteSerializer,
    SessionAttachmentReadSerializer,
    SessionFieldReadSerializer,
    SessionFieldWriteSerializer,
)
from sessions.models import Session
from workspaces.idempotency import idempotent_create
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
    crud_permissions,
)

logger = logging.getLogger(__name__)

NOT_YOURS = _("Only its author, an owner or an admin may change or delete it.")
NOT_FOUND = error("The session is not found, or the note or attachment is not (or not readable by this caller).")


class RecordViewSet(WorkspaceScopedViewSet):
    """Notes and attachments: private ones exist only for callers holding ``records.private``; a
    change or a delete is its author's, an owner's or an admin's (403 for anyone else)."""

    #: the field holding who wrote it
    author_field = "author_id"

    def visible(self, queryset):
        return readable(queryset, private=self.visibility_key())

    def visibility_key(self) -> bool:
        """Whether private ones are read (what ``visible`` narrows by, and so part of a compiled
        read's key): the answer to a create is what the caller has just sent."""
        return self.action == "create" or may_read_private(self.membership)

    def check_author(self, instance) -> None:
        if not may_change(self.membership, getattr(instance, self.author_field)):
            raise exceptions.PermissionDenied(NOT_YOURS)


# -- notes ---------------------------------------------------------------------------------------

NOTE = envelope("note", NoteReadSerializer)


@extend_schema_view(
    list=extend_schema(
        summary=_("List a session's notes"),
        description="Oldest first; private notes only for callers holding records.private.",
        parameters=PAGING_PARAMETERS,
        responses={200: envelope("notes", NoteReadSerializer, many=True, paged=True)},
    ),
    retrieve=extend_schema(summary=_("Get a note"), responses={200: NOTE, 404: NOT_FOUND}),
    create=extend_schema(
        summary=_("Add a note to a session"),
        parameters=[IDEMPOTENCY_KEY],
        request=NoteWriteSerializer,
        responses={201: NOTE, 400: error("validation_error naming body or visibility.")},
    ),
    partial_update=extend_schema(
        summary=_("Change a note"),
        description="Only its author, an owner or an admin (403 otherwise).",
        request=NoteWriteSerializer,
        responses={200: NOTE, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary=_("Delete a note"),
        description="Only its author, an owner or an admin (403 otherwise).",
        responses={204: None, 404: NOT_FOUND},
    ),
)
class NoteViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, RecordViewSet):
    """A session's notes (``.../sessions/{session_id}/notes``)."""

    queryset = Note.objects.all()
    parent = (Session, "session_id", "session")
    envelope = ("note", "notes")
    ordering = ["created_at", "id"]
    read_serializer_class = NoteReadSerializer
    write_serializer_class = NoteWriteSerializer
    permissions = crud_permissions("sessions.view", "sessions.update")

    def perform_create(self, data):
        return actions.note_add(session=self.parent_object, author=self.membership, **data)

    def perform_update(self, instance, data):
        self.check_author(instance)
        return actions.note_update(note=instance, **data)

    def perform_destroy(self, instance):
        self.check_author(instance)
        actions.note_delete(note=instance)


# -- attachments -----------------------------------------------------------------------------------

ATTACHMENT = envelope("attachment", AttachmentReadSerializer)


class AttachmentViewSet(ListMixin, RetrieveMixin, DestroyMixin, RecordViewSet):
    """A booking's attachments; a kind sets ``queryset``, ``parent``, the read shape and permissions."""

    envelope = ("attachment", "attachments")
    ordering = ["created_at", "id"]
    write_serializer_class = AttachmentUploadSerializer
    parser_classes = [parsers.MultiPartParser]
    author_field = "uploaded_by_id"
    #: the body may carry a file (config.middleware lets MAX_UPLOAD_BYTES of it through)
    takes_uploads = True

    def create(self, request, *args, **kwargs):
        """multipart/form-data, judged by the bytes; retried with the same Idempotency-Key, the
        upload is answered from the first one and no second file is stored."""
        data = self.validated(request.data)  # the body is read (and the file judged) only here
        upload = data["file"]
        verdict = actions.inspect_file(upload)
        fingerprint = {
            "visibility": data.get("visibility"),
            "file": {"name": upload.name, "size": verdict.size, "sha256": verdict.sha256},
        }

        def produce():
            attachment = actions.attachment_add(
                booking=self.parent_object,
                file=upload,
                visibility=data.get("visibility") or "private",
                uploaded_by=self.membership,
            )
            return self.one(attachment, status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce, fingerprint=fingerprint)

    def perform_destroy(self, instance):
        self.check_author(instance)
        actions.attachment_delete(attachment=instance)

    @action(detail=True, methods=["get"], url_path="content", renderer_classes=[JSONRenderer, AnyContentRenderer])
    def content(self, request, *args, **kwargs):
        attachment = self.get_object()
        try:
            return download_response(attachment)
        except FileNotFoundError:
            logger.error("the stored file of attachment %s is missing", attachment.pk)
            raise exceptions.NotFound(NOT_FOUND_MESSAGE) from None


def _attachment_schema(kind_label):
    return extend_schema_view(
        list=extend_schema(
            summary=_("List a %(kind)s's attachments") % {"kind": kind_label},
            description="Oldest first; private ones only for callers holding records.private.",
            parameters=PAGING_PARAMETERS,
            responses={200: envelope("attachments", AttachmentReadSerializer, many=True, paged=True)},
        ),
        retrieve=extend_schema(summary=_("Get an attachment's details"), responses={200: ATTACHMENT, 404: NOT_FOUND}),
        create=extend_schema(
            summary=_("Attach a file to a %(kind)s") % {"kind": kind_label},
            parameters=[IDEMPOTENCY_KEY],
            request={"multipart/form-data": AttachmentUploadSerializer},
            responses={
                201: ATTACHMENT,
                400: error("validation_error: no file, or an empty one; a bad visibility."),
                413: error("payload_too_large: the file is larger than MAX_UPLOAD_BYTES."),
                415: error("unsupported_media_type: not PDF, PNG, JPEG, WebP, HEIC, plain text or DOCX by its bytes."),
            },
        ),
        destroy=extend_schema(
            summary=_("Delete an attachment"),
            description="Only its uploader, an owner or an admin. The stored file is removed after the commit.",
            responses={204: None, 404: NOT_FOUND},
        ),
        content=extend_schema(
            summary=_("Download an attachment"),
            description="The bytes, with Content-Disposition: attachment (the name as sent) and nosniff.",
            responses={(200, "application/octet-stream"): OpenApiResponse(description="The file's bytes.")},
        ),
    )


@_attachment_schema(_("session"))
class SessionAttachmentViewSet(AttachmentViewSet):
    queryset = SessionAttachment.objects.all()
    parent = (Session, "session_id", "booking")
    read_serializer_class = SessionAttachmentReadSerializer
    permissions = {**crud_permissions("sessions.view", "sessions.update"), "content": "sessions.view"}


@_attachment_schema(_("nutrition consultation"))
class ConsultationAttachmentViewSet(AttachmentViewSet):
    queryset = ConsultationAttachment.objects.all()
    parent = (NutritionSession, "session_id", "booking")
    read_serializer_class = ConsultationAttachmentReadSerializer
    permissions = {**crud_permissions("nutrition.view", "nutrition.manage"), "content": "nutrition.view"}


# -- custom field definitions ----------------------------------------------------------------------

FIELD = envelope("sessionField", SessionFieldReadSerializer)
FIELD_INVALID = error("validation_error naming the field (options only for, and needed by, choice fields).")


@extend_schema_view(
    list=extend_schema(
        summary=_("List the workspace's custom session fields"),
        description="Every member reads them (to fill in fieldValues); services.manage changes them.",
        parameters=PAGING_PARAMETERS,
        responses={200: envelope("sessionFields", SessionFieldReadSerializer, many=True, paged=True)},
    ),
    retrieve=extend_schema(summary=_("Get a custom session field"), responses={200: FIELD}),
    create=extend_schema(
        summary=_("Add a custom session field"),
        parameters=[IDEMPOTENCY_KEY],
        request=SessionFieldWriteSerializer,
        responses={201: FIELD, 400: FIELD_INVALID, 409: error("session_field_key_taken.")},
    ),
    partial_update=extend_schema(
        summary=_("Change a custom session field"),
        description="Any field but the key.",
        request=SessionFieldWriteSerializer,
        responses={200: FIELD, 400: FIELD_INVALID},
    ),
    destroy=extend_schema(
        summary=_("Delete a custom session field"),
        description="Values already stored under its key stay on the sessions.",
        responses={204: None},
    ),
)
class SessionFieldViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = SessionField.objects.all()
    envelope = ("sessionField", "sessionFields")
    ordering = ["created_at", "id"]
    lookup_field = "key"
    lookup_url_kwarg = "key"
    read_serializer_class = SessionFieldReadSerializer
    write_serializer_class = SessionFieldWriteSerializer
    permissions = crud_permissions("sessions.view", "services.manage")

    def perform_create(self, data):
        return actions.session_field_create(workspace=self.workspace, **data)

    def perform_update(self, instance, data):
        return actions.session_field_update(field=instance, **data)

    def perform_destroy(self, instance):
        actions.session_field_delete(field=instance)
