"""Session records in the back office: standalone pieces the bookings' admins are built with.

- :class:`NoteInline` (sessions) and :class:`SessionAttachmentInline` / :class:`ConsultationAttachmentInline`:
  notes and attachments on a booking's page, uploaded, changed and deleted there through the same
  actions as the API (``records.actions``), a download link on each attachment;
- :class:`RecordsAdminMixin`, for a booking's ModelAdmin: authors' rules on changes and deletes,
  the download view (``<booking>/attachments/<id>/download/``, permission-checked), and the
  history of the booking's notes and attachments on its History page;
- private notes and attachments reach only superusers and roles holding ``records.private`` in the
  workspace the user works in: left out of the inlines' rows (:meth:`RecordInline.rows`, the
  back office's one mechanism, :mod:`workspaces.admin_scope`), the history and the downloads;
- :class:`SessionFieldAdmin`: each workspace's custom session fields (``services.manage``);
- :class:`FieldValuesField`: a session's ``fieldValues`` edited through its workspace's active
  definitions (their labels, types, options and phases); :func:`field_values_editor` puts it on
  a session's form when the workspace has some (else the rows of :mod:`sessions.admin_fields`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from history.admin import HISTORY_OF_RELATED, HistoryAdmin
from records import actions
from records.content import download_response
from records.fields import active_definitions, value_fits
from records.models import (
    ConsultationAttachment,
    FieldPhase,
    FieldType,
    Note,
    SessionAttachment,
    SessionField,
    Visibility,
    attachment_model_for,
)
from records.selectors import PRIVATE_PERMISSION, may_change, readable
from workspaces.admin_base import add_domain_error
from workspaces.admin_scope import ScopedTabularInline, admin_access
from workspaces.errors import DomainError
from workspaces.models import Membership

RECORD_MODELS = (Note, SessionAttachment, ConsultationAttachment)
DOWNLOAD = _("Download")
FILE_NEEDED = _("Choose a file to attach.")
NOT_YOURS = _("Only its author, an owner or an admin may change or delete “%(record)s”.")
VALUE_INVALID = _("“%(label)s”: not a valid value.")
YES_NO = ((None, "—"), (True, _("Yes")), (False, _("No")))


def author_of(request, workspace_id) -> Membership | None:
    """Who writes a new note or attachment: the member the user is where they work (a superuser,
    their membership in the booking's workspace, if any)."""
    access = admin_access(request)
    if not access.is_superuser:
        return access.current
    return Membership.objects.filter(workspace_id=workspace_id, user=request.user, is_active=True).first()


def reads_private(request) -> bool:
    """Whether the user reads private notes and attachments (``records.private``) where they work."""
    return admin_access(request).allows(PRIVATE_PERMISSION)


def changes_record(request, record) -> bool:
    """Only its author, or an owner or admin (``records.manage``), changes or deletes a record."""
    access = admin_access(request)
    author_id = getattr(record, "author_id", None) or getattr(record, "uploaded_by_id", None)
    return access.is_superuser or may_change(access.current, author_id)


# -- inlines ------------------------------------------------------------------------------------------


class RecordInline(ScopedTabularInline):
    """A booking's records go with the booking (no ``permissions`` of its own: who may view or
    change it may view or change them); private ones only for ``records.private``, and other
    members' changed only by owners and admins (:meth:`RecordsAdminMixin.save_formset`)."""

    extra = 0
    ordering = ("created_at", "id")

    def rows(self, request, queryset):
        return readable(queryset, private=reads_private(request))


class NoteInline(RecordInline):
    model = Note
    fields = ("body", "visibility", "author", "created_at")
    readonly_fields = ("author", "created_at")
    formfield_overrides = {Note._meta.get_field("body").__class__: {"widget": forms.Textarea(attrs={"rows": 2})}}


class AttachmentInlineForm(forms.ModelForm):
    file = forms.FileField(label=_("file"), required=False)

    class Meta:
        fields = ("visibility",)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if self.instance._state.adding and not upload and self.has_changed():
            self.add_error("file", FILE_NEEDED)
        if upload:  # judged by its bytes, as the API judges it (413, 415 there)
            refusal = actions.inspect_file(upload).refusal()
            if refusal is not None:
                self.add_error("file", str(refusal.message))
        return cleaned


class AttachmentInline(RecordInline):
    form = AttachmentInlineForm
    fields = ("file", "name", "content_type", "size", "visibility", "uploaded_by", "created_at", "download")
    readonly_fields = ("name", "content_type", "size", "uploaded_by", "created_at", "download")

    @admin.display(description=_("download"))
    def download(self, obj) -> str:
        if obj is None or obj._state.adding:
            return "—"
        info = obj.booking._meta.app_label, obj.booking._meta.model_name
        url = reverse(f"admin:{info[0]}_{info[1]}_attachment_download", args=[obj.booking_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, DOWNLOAD)


class SessionAttachmentInline(AttachmentInline):
    model = SessionAttachment
    fk_name = "booking"


class ConsultationAttachmentInline(AttachmentInline):
    model = ConsultationAttachment
    fk_name = "booking"


# -- the booking's admin ---------------------------------------------------------------------------


class RecordsAdminMixin:
    """For a booking's ModelAdmin (a :class:`history.admin.HistoryAdmin`) with record inlines."""

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, RECORD_MODELS):
            return super().save_formset(request, form, formset, change)
        booking = form.instance
        membership = author_of(request, booking.workspace_id)
        # what the change message lists (ModelFormSet.save would set these)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for record in [f.instance for f in formset.deleted_forms if not f.instance._state.adding]:
            formset.deleted_objects.append(record)
            self._records_allowed(request, record)
            if isinstance(record, Note):
                actions.note_delete(note=record)
            else:
                actions.attachment_delete(attachment=record)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            record = inline_form.instance
            data = inline_form.cleaned_data
            adding = record._state.adding
            try:
                if formset.model is Note:
                    if adding:
                        saved = actions.note_add(
                            session=booking, body=data["body"], visibility=data["visibility"], author=membership
                        )
                    else:
                        self._records_allowed(request, record)
                        saved = actions.note_update(note=record, body=data["body"], visibility=data["visibility"])
                elif adding:
                    saved = actions.attachment_add(
                        booking=booking, file=data["file"], visibility=data["visibility"], uploaded_by=membership
                    )
                else:
                    self._records_allowed(request, record)
                    saved = actions.attachment_update(attachment=record, visibility=data["visibility"])
            except DomainError as exc:  # (the formset validated; a file refused by its bytes lands here)
                self.message_user(request, f"{record}: {exc.message}", messages.ERROR)
                raise _RecordRefusedError() from exc
            if adding:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, inline_form.changed_data))

    def _records_allowed(self, request, record) -> None:
        if not changes_record(request, record):
            raise PermissionDenied(NOT_YOURS % {"record": record})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _RecordRefusedError:  # the page's transaction is rolled back; show it again
            return HttpResponseRedirect(request.get_full_path())

    # -- downloads ----------------------------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view(self.attachment_download)
        name = "{}_{}_attachment_download".format(*info)
        return [
            path("<path:object_id>/attachments/<str:attachment_id>/download/", view, name=name),
            *super().get_urls(),
        ]

    def attachment_download(self, request, object_id, attachment_id):
        booking = self.get_object(request, object_id)
        if booking is None or not self.has_view_or_change_permission(request, booking):
            raise Http404
        model = attachment_model_for(self.model)
        attachments = model.objects.filter(workspace_id=booking.workspace_id, booking=booking, pk=attachment_id)
        attachment = readable(attachments, private=reads_private(request)).first()
        if attachment is None:
            raise Http404
        try:
            return download_response(attachment)
        except FileNotFoundError:
            raise Http404 from None

    # -- history --------------------------------------------------------------------------------------

    def history_related_sections(self, request, obj):
        sections = list(super().history_related_sections(request, obj))
        private = reads_private(request)
        related = [(attachment_model_for(self.model), "booking_id")]
        if Note._meta.get_field("session").related_model is self.model:
            related.insert(0, (Note, "session_id"))
        for model, link in related:
            rows = readable(model.history.filter(workspace_id=obj.workspace_id, **{link: obj.pk}), private=private)
            rows = rows.select_related("history_user").order_by("-history_date", "-history_id")
            sections.append((HISTORY_OF_RELATED % {"items": model._meta.verbose_name_plural},
                             rows[: self.history_list_per_page]))  # fmt: skip
        return sections

    def history_changes(self, request, record, older):
        # a shared version of a note or attachment is never compared with a private one the user may not read
        if (
            older is not None
            and getattr(older, "instance_type", None) in RECORD_MODELS
            and older.visibility == Visibility.PRIVATE
            and not reads_private(request)
        ):
            older = None
        return super().history_changes(request, record, older)


class _RecordRefusedError(Exception):
    """A record refused while the page was saved: the page's transaction goes back."""


# -- custom field definitions ------------------------------------------------------------------------


class SessionFieldForm(forms.ModelForm):
    class Meta:
        model = SessionField
        fields = ("workspace", "key", "label", "type", "options", "phase", "required", "is_active")

    def clean(self):
        cleaned = super().clean()
        if "type" in cleaned:
            try:
                cleaned["options"] = actions.clean_options(cleaned["type"], cleaned.get("options"))
            except DomainError as exc:
                add_domain_error(self, exc)
        return cleaned


class SessionFieldAdmin(HistoryAdmin):
    # as the API's session-fields endpoints: every member reads them, owners and admins define them
    permissions = {
        "view": "sessions.view",
        "add": "services.manage",
        "change": "services.manage",
        "delete": "services.manage",
    }
    form = SessionFieldForm
    list_display = ("label", "key", "type", "phase", "required", "is_active", "workspace")
    list_filter = ("type", "phase", "required", "is_active", "workspace")
    search_fields = ("key", "label", "=workspace__id")
    list_select_related = ("workspace",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("workspace", "created_at", "id")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "workspace", "key") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        if change:
            saved = actions.session_field_update(field=obj, **data)
        else:
            saved = actions.session_field_create(**form.cleaned_data)
        obj.pk = saved.pk

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:  # refused by the action after the form (a key taken meanwhile)
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        actions.session_field_delete(field=obj)


# -- fieldValues through the definitions ------------------------------------------------------------------


class FieldValuesWidget(forms.Widget):
    """One input a definition, labelled with its label and phase; values keyed by field key."""

    def __init__(self, definitions, attrs=None):
        super().__init__(attrs)
        self.definitions = list(definitions)

    def format_value(self, value):
        return {item.get("fieldKey"): item.get("value") for item in (value or []) if isinstance(item, dict)}

    def _input(self, name, field: SessionField, value) -> str:
        key = f"{name}__{field.key}"
        if field.type == FieldType.BOOLEAN:
            return format_html(
                '<select name="{}" id="id_{}">{}</select>', key, key,
                format_html_join("", '<option value="{}"{}>{}</option>', (
                    ("" if choice is None else str(choice).lower(), " selected" if value is choice else "", label)
                    for choice, label in YES_NO)),
            )  # fmt: skip
        if field.type == FieldType.CHOICE:
            return format_html(
                '<select name="{}" id="id_{}"><option value="">—</option>{}</select>', key, key,
                format_html_join("", '<option value="{}"{}>{}</option>', (
                    (option, " selected" if value == option else "", option) for option in field.options)),
            )  # fmt: skip
        kind = {FieldType.NUMBER: "number", FieldType.DATE: "date"}.get(field.type, "text")
        step = ' step="any"' if field.type == FieldType.NUMBER else ""
        return format_html(
            '<input type="{}" name="{}" id="id_{}" value="{}"' + step + ">", kind, key, key,
            "" if value is None else value,
        )  # fmt: skip

    def render(self, name, value, attrs=None, renderer=None):
        values = self.format_value(value)
        rows = format_html_join(
            "",
            '<tr><th><label for="id_{}__{}">{}</label>{}</th><td>{}</td><td>{}</td></tr>',
            (
                (name, field.key, field.label, " *" if field.required else "",
                 self._input(name, field, values.get(field.key)), FieldPhase(field.phase).label)
                for field in self.definitions
            ),
        )  # fmt: skip
        return format_html('<table class="field-values">{}</table>', rows)

    def value_from_datadict(self, data, files, name):
        return {field.key: data.get(f"{name}__{field.key}", "") for field in self.definitions}


class FieldValuesField(forms.Field):
    """A session's ``fieldValues`` through its workspace's active definitions: each given value, typed
    as its definition says, becomes ``{"fieldKey", "value", "phase"}`` (an empty input: no item)."""

    def __init__(self, definitions, **kwargs):
        self.definitions = list(definitions)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", FieldValuesWidget(self.definitions))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, list):  # the initial value, unchanged
            return value
        items, errors = [], []
        for field in self.definitions:
            raw = (value or {}).get(field.key, "")
            if raw in ("", None):
                continue
            typed = _typed(field, raw)
            if typed is None or not value_fits(field, typed):
                errors.append(VALUE_INVALID % {"label": field.label})
                continue
            items.append({"fieldKey": field.key, "value": typed, "phase": field.phase})
        if errors:
            raise forms.ValidationError(errors)
        return items

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self._safe(data)

    def _safe(self, data):
        try:
            return self.to_python(data)
        except forms.ValidationError:
            return None


def _typed(field: SessionField, raw: str):
    if field.type == FieldType.NUMBER:
        try:
            number = float(raw)
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    if field.type == FieldType.BOOLEAN:
        return {"true": True, "false": False}.get(raw)
    return raw


def field_values_editor(form) -> None:
    """On a session's admin form: ``field_values`` through the workspace's active definitions, when it
    has some; otherwise the form's own editor stays (rows of key, value and phase,
    :mod:`sessions.admin_fields`). The workspace is the session's, or on the add page the one the
    member works in (a superuser's: the one the page was opened for, ``?workspace=``)."""
    if form.instance._state.adding:
        access = getattr(form, "admin_access", None)
        workspace = access.workspace if access is not None else None
        workspace_id = workspace.pk if workspace is not None else form.initial.get("workspace")
    else:
        workspace_id = form.instance.workspace_id
    if "field_values" not in form.fields or not workspace_id:
        return
    definitions = list(active_definitions(workspace_id).values())
    if definitions:
        old = form.fields["field_values"]
        form.fields["field_values"] = FieldValuesField(definitions, label=old.label, help_text=old.help_text)


admin.site.register(SessionField, SessionFieldAdmin)
