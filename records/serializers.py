"""Read and write shapes of session records (camelCase on the wire, ``config.api.serializers``)."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import StrictBooleanField, StrictCharField
from config.api.serializers import ApiModelSerializer, ApiSerializer, RowReadSerializer
from records.models import (
    FIELD_KEY_MAX_LENGTH,
    FIELD_LABEL_MAX_LENGTH,
    KEY_PATTERN,
    MAX_OPTIONS,
    NOTE_MAX_LENGTH,
    OPTION_MAX_LENGTH,
    ConsultationAttachment,
    FieldPhase,
    FieldType,
    Note,
    SessionAttachment,
    SessionField,
    Visibility,
)
from records.selectors import attachment_columns, attachment_rows, note_columns, note_rows

BODY_BLANK = _("A note cannot be blank.")
FILE_MISSING = _("Send the file as the multipart field “file”.")
KEY_INVALID = _("A lower-case slug: letters a-z, digits, single hyphens or underscores between them.")


# -- notes ---------------------------------------------------------------------------------------


class NoteReadSerializer(RowReadSerializer):
    """A note as the API shows it, from a row of :func:`records.selectors.note_rows` (the session's
    ``notes`` array holds the same objects, built by the same expressions)."""

    id = serializers.CharField(read_only=True)
    session_id = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    author_id = serializers.CharField(read_only=True, allow_null=True, help_text="The author's member id.")
    author_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="The author's name, or their email when they have none."
    )
    created_at = serializers.CharField(read_only=True)
    updated_at = serializers.CharField(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "session_id", "body", "visibility", "author_id", "author_name", "created_at", "updated_at"]

    rows = staticmethod(note_rows)

    def to_representation(self, row: dict) -> dict:
        return {key: row["id"] if key == "id" else row[f"w_{key}"] for key in note_columns()}


class NoteWriteSerializer(ApiSerializer):
    read_shape = NoteReadSerializer

    body = StrictCharField(min_length=1, max_length=NOTE_MAX_LENGTH, trim_whitespace=False)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, help_text="private (default) or shared."
    )

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(BODY_BLANK)
        return value


# -- attachments -----------------------------------------------------------------------------------


class AttachmentReadSerializer(RowReadSerializer):
    """An attachment as the API shows it (rows of :func:`records.selectors.attachment_rows`); each
    kind of booking reads its own table through its subclass."""

    id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="The file's name as it was sent.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    content_type = serializers.CharField(read_only=True, help_text="What the bytes are, whatever the name says.")
    visibility = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    uploaded_by = serializers.CharField(read_only=True, allow_null=True, help_text="The uploader's member id.")
    created_at = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The path of the download (GET, same credentials).")

    class Meta:
        model = SessionAttachment
        fields = ["id", "name", "size", "content_type", "visibility", "uploaded_by", "created_at", "url"]

    rows = staticmethod(attachment_rows)

    def to_representation(self, row: dict) -> dict:
        return {key: row["id"] if key == "id" else row[f"w_{key}"] for key in attachment_columns(self.Meta.model)}


class SessionAttachmentReadSerializer(AttachmentReadSerializer):
    class Meta(AttachmentReadSerializer.Meta):
        model = SessionAttachment


class ConsultationAttachmentReadSerializer(AttachmentReadSerializer):
    class Meta(AttachmentReadSerializer.Meta):
        model = ConsultationAttachment


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.Field):
    """The uploaded file itself; what it is is judged by ``records.actions.attachment_add``."""

    def to_internal_value(self, data):
        if not isinstance(data, UploadedFile):
            raise serializers.ValidationError(FILE_MISSING)
        return data


class AttachmentUploadSerializer(ApiSerializer):
    """multipart/form-data: ``file`` and, optionally, ``visibility`` (private by default)."""

    read_shape = AttachmentReadSerializer

    file = UploadField(
        help_text=(
            "At most MAX_UPLOAD_BYTES (20 MB by default). PDF, PNG, JPEG, WebP, HEIC, plain text or DOCX, judged "
            "by the bytes (415 otherwise, and for files that also carry HTML or script markup)."
        )
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, help_text="private (default) or shared."
    )


# -- custom field definitions ----------------------------------------------------------------------


class SessionFieldReadSerializer(ApiModelSerializer):
    class Meta:
        model = SessionField
        fields = ["key", "label", "type", "options", "phase", "required", "is_active"]
        read_only_fields = fields


class SessionFieldWriteSerializer(ApiSerializer):
    """POST: key, label, type and phase are required; PATCH: any (the key cannot change)."""

    read_shape = SessionFieldReadSerializer

    key = StrictCharField(min_length=1, max_length=FIELD_KEY_MAX_LENGTH, trim_whitespace=False)
    label = StrictCharField(min_length=1, max_length=FIELD_LABEL_MAX_LENGTH)
    type = serializers.ChoiceField(choices=FieldType.choices)
    options = serializers.ListField(
        child=StrictCharField(min_length=1, max_length=OPTION_MAX_LENGTH),
        max_length=MAX_OPTIONS,
        required=False,
        allow_null=True,
        help_text="choice fields only: the distinct texts a value may be.",
    )
    phase = serializers.ChoiceField(choices=FieldPhase.choices)
    required = StrictBooleanField(required=False)
    is_active = StrictBooleanField(required=False)

    def validate_key(self, value: str) -> str:
        if not re.match(KEY_PATTERN, value):
            raise serializers.ValidationError(KEY_INVALID)
        return value

    def validate_options(self, value):
        return value or []
