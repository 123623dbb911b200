"""Session records: notes on sessions, attachments on every kind of booking, custom field definitions.

Attachments are one abstract definition (:class:`Attachment`) and one table per kind of booking
(:class:`SessionAttachment`, :class:`ConsultationAttachment`), rather than one table with a generic
link: each table's link to its booking is a real composite foreign key ``(workspace_id,
booking_id) -> booking (workspace_id, id)`` with ``ON DELETE CASCADE`` (made in migration 0001;
Django cannot declare one), so the database itself guarantees that an attachment belongs to a
booking *of its own workspace*, and a booking's attachments are read through a workspace-led
index by a plain subquery. A generic link (a kind column and an id) could be checked by code only,
could point into another workspace or at nothing, and would need a kind filter in every hand-written
query. A note belongs to a session the same way. Every index here starts with the workspace.

For the ORM those links are plain relations without a constraint of their own (``DO_NOTHING``):
deleting a booking deletes its records through :mod:`records.receivers` first (so that their
history is written and their files are removed after the commit), and the database's cascade is
the net under any other delete.
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator, MinLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.models import WorkspaceScopedModel

NOTE_MAX_LENGTH = 10000
NAME_MAX_LENGTH = 255
FIELD_KEY_MAX_LENGTH = 100
FIELD_LABEL_MAX_LENGTH = 200
OPTION_MAX_LENGTH = 200
MAX_OPTIONS = 100

KEY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
validate_field_key = RegexValidator(
    KEY_PATTERN,
    _("A lower-case slug: letters a-z, digits, single hyphens or underscores between them."),
    code="invalid_key",
)


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private")
    SHARED = "shared", _("Shared")


def visibility_field(default: str) -> models.CharField:
    return models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=default,
        help_text=_("Private ones are read only by owners, admins and specialists."),
    )


class Note(WorkspaceScopedModel):
    """A note a member wrote on a session (seeds 001, 002: ``notes``), private or shared."""

    session = models.ForeignKey(
        "appointments.Session",
        on_delete=models.DO_NOTHING,  # the database cascades (see the module's docstring)
        db_constraint=False,
        db_index=False,
        related_name="notes",
        verbose_name=_("session"),
    )
    body = models.TextField(_("note"), validators=[MinLengthValidator(1), MaxLengthValidator(NOTE_MAX_LENGTH)])
    visibility = visibility_field(Visibility.PRIVATE)
    author = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # who wrote it is shown, never searched
        related_name="+",
        verbose_name=_("author"),
    )

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["workspace", "session", "created_at", "id"], name="records_note_ws_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="records_note_visibility"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Attachment(WorkspaceScopedModel):
    """A file a member attached to a booking: its name as written, its type as judged by its bytes
    (``records.inspection``), stored in Django's default storage under a random key (the name is
    never a path). Each kind of booking has its table (``booking``: the booking it is attached to)."""

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    visibility = visibility_field(Visibility.PRIVATE)
    uploaded_by = models.ForeignKey(
        "workspaces.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    #: where the bytes are in the default storage: random, never derived from the name
    storage_key = models.CharField(_("storage key"), max_length=200, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


def attachment_indexes(prefix: str) -> list[models.Index]:
    return [
        # a booking's attachments, oldest first (its arrays and its endpoints)
        models.Index(fields=["workspace", "booking", "created_at", "id"], name=f"{prefix}_ws_idx"),
        # "does another row still use this file?", before a file is removed
        models.Index(fields=["workspace", "storage_key"], name=f"{prefix}_ws_key_idx"),
    ]


def attachment_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name=f"{prefix}_visibility"),
    ]


class SessionAttachment(Attachment):
    booking = models.ForeignKey(
        "appointments.Session",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="attachments",
        verbose_name=_("session"),
    )

    class Meta(Attachment.Meta):
        verbose_name = _("session attachment")
        verbose_name_plural = _("session attachments")
        indexes = attachment_indexes("records_sessfile")
        constraints = attachment_constraints("records_sessfile")


class ConsultationAttachment(Attachment):
    booking = models.ForeignKey(
        "nutrition.NutritionSession",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="attachments",
        verbose_name=_("nutrition consultation"),
    )

    class Meta(Attachment.Meta):
        verbose_name = _("consultation attachment")
        verbose_name_plural = _("consultation attachments")
        indexes = attachment_indexes("records_consfile")
        constraints = attachment_constraints("records_consfile")


def attachment_models() -> list[type[Attachment]]:
    return [SessionAttachment, ConsultationAttachment]


def attachment_model_for(booking_model) -> type[Attachment]:
    """The attachments' table of a kind of booking."""
    for model in attachment_models():
        if model._meta.get_field("booking").related_model is booking_model:
            return model
    raise LookupError(f"no attachments for {booking_model.__name__}")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes / no")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class FieldPhase(models.TextChoices):
    PRE = "pre", _("Before the session")
    POST = "post", _("After the session")


class SessionField(WorkspaceScopedModel):
    """A custom field of the workspace's sessions (seed 001: ``fieldValues``): what a value must be."""

    key = models.CharField(_("key"), max_length=FIELD_KEY_MAX_LENGTH, validators=[validate_field_key])
    label = models.CharField(_("label"), max_length=FIELD_LABEL_MAX_LENGTH)
    type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    options = models.JSONField(_("options"), default=list, blank=True, help_text=_("The choices (choice fields only)."))
    phase = models.CharField(_("phase"), max_length=4, choices=FieldPhase.choices)
    required = models.BooleanField(_("required"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("session field")
        verbose_name_plural = _("session fields")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="records_field_key_unique"),
            models.CheckConstraint(condition=Q(type__in=FieldType.values), name="records_field_type"),
            models.CheckConstraint(condition=Q(phase__in=FieldPhase.values), name="records_field_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"
