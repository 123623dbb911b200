"""Factories of session records: rows written straight to their tables (for arranging state; the
API tests upload real files). An attachment made here has no stored file unless ``stored=True``."""

from __future__ import annotations

import hashlib

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from records.models import ConsultationAttachment, Note, SessionAttachment, SessionField, Visibility
from records.storage import new_key


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    session = None  # required
    workspace = factory.LazyAttribute(lambda o: o.session.workspace)
    body = factory.Sequence(lambda n: f"Note {n}")
    visibility = Visibility.SHARED
    author = None


class _AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    class Params:
        content = b"%PDF-1.4\n%%EOF\n"
        stored = False

    booking = None  # required
    workspace = factory.LazyAttribute(lambda o: o.booking.workspace)
    name = factory.Sequence(lambda n: f"file-{n}.pdf")
    size = factory.LazyAttribute(lambda o: len(o.content))
    content_type = "application/pdf"
    visibility = Visibility.SHARED
    uploaded_by = None
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())

    @factory.lazy_attribute
    def storage_key(self):
        key = new_key(self.booking.workspace_id)
        if self.stored:
            return default_storage.save(key, ContentFile(self.content))
        return key


class SessionAttachmentFactory(_AttachmentFactory):
    class Meta:
        model = SessionAttachment


class ConsultationAttachmentFactory(_AttachmentFactory):
    class Meta:
        model = ConsultationAttachment


class SessionFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionField

    key = factory.Sequence(lambda n: f"field-{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    type = "text"
    options = factory.LazyFunction(list)
    phase = "pre"
    required = False
    is_active = True
