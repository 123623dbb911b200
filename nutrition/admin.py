"""Admin for nutrition consultations, with their follow-ups inline, written through the same
actions as the API (``bookings.admin``).

What is a consultation's own is checked here: a length from an end time, a duration, both or
neither (:func:`nutrition.actions.consultation_duration`, by the action). Its private notes are a
``private_field``: shown (and accepted) only for superusers and for members whose role holds
``nutrition.manage`` in the workspace they work in; for everyone else they are left out of every
form, list, filter, search and history row (:mod:`workspaces.admin_scope`), as the API answers
``null``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bookings.admin import BookingAdmin, BookingAdminForm
from history.admin import HISTORY_OF_RELATED
from nutrition import actions
from nutrition.models import FollowUp, NutritionSession
from nutrition.serializers import PRIVATE_NOTES_PERMISSION
from records.admin import ConsultationAttachmentInline, RecordsAdminMixin
from workspaces.admin_scope import ScopedTabularInline

LENGTH_HELP = _("Leave empty to compute it from the other (60 minutes if both are).")


class FollowUpInline(ScopedTabularInline):
    model = FollowUp
    fields = ("due_date", "note", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    ordering = ("due_date", "id")


class NutritionSessionForm(BookingAdminForm):
    class Meta:
        model = NutritionSession
        fields = "__all__"  # the admin's own `fields` say which, and in what order
        widgets = {
            "notes_private": forms.Textarea(attrs={"rows": 4}),
            "notes_shared": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("end_time", "duration_minutes"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = LENGTH_HELP

    def length(self) -> dict:
        """The end time and duration the user set: on a change, only those changed (neither: same length)."""
        given = {}
        for name in ("end_time", "duration_minutes"):
            if self.cleaned_data.get(name) is not None and (self.instance._state.adding or name in self.changed_data):
                given[name] = self.cleaned_data[name]
        return given


@admin.register(NutritionSession)
class NutritionSessionAdmin(RecordsAdminMixin, BookingAdmin):
    permissions = {
        "view": "nutrition.view",
        "add": "nutrition.manage",
        "change": "nutrition.manage",
        "delete": "nutrition.manage",
    }
    private_fields = {"notes_private": PRIVATE_NOTES_PERMISSION}
    form = NutritionSessionForm
    list_display = ("date", "start_time", "end_time", "client", "specialist", "type", "status", "workspace")
    list_filter = ("status", "type", ("staff", admin.RelatedOnlyFieldListFilter), "date", "workspace")
    search_fields = (
        "topic",
        "client__name",
        "client__email",
        "client__phone",
        "location",
        "staff__user__name",
        "staff__user__email",
        "=id",
        "=client__id",
        "=workspace__id",
    )
    autocomplete_fields = ("workspace", "client", "staff")
    readonly_fields = BookingAdmin.readonly_fields
    fields = (
        "id",
        "workspace",
        "client",
        "staff",
        "type",
        "status",
        "date",
        "start_time",
        "end_time",
        "duration_minutes",
        "starts_local",
        "ends_local",
        "topic",
        "notes_private",
        "notes_shared",
        "meeting_link",
        "location",
        "created_at",
        "updated_at",
    )
    inlines = (FollowUpInline, ConsultationAttachmentInline)

    @admin.display(description=_("specialist"), ordering="staff__user__name")
    def specialist(self, obj: NutritionSession):
        return obj.staff.user if obj.staff_id else None

    # -- writes ---------------------------------------------------------------------------------

    def booking_create(self, form: NutritionSessionForm) -> NutritionSession:
        data = {
            name: value for name, value in form.cleaned_data.items() if name not in ("end_time", "duration_minutes")
        }
        return actions.nutrition_session_create(**data, **form.length())

    def booking_update(self, booking: NutritionSession, form: NutritionSessionForm | None, **changes):
        if form is not None:
            changes = {
                name: value for name, value in form.changes().items() if name not in ("end_time", "duration_minutes")
            }
            changes.update(form.length())
        return actions.nutrition_session_update(session=booking, **changes)

    def save_formset(self, request, form, formset, change):
        if formset.model is not FollowUp:  # attachments: records.admin.RecordsAdminMixin
            return super().save_formset(request, form, formset, change)
        follow_ups = formset.save(commit=False)
        for follow_up in follow_ups:
            follow_up.workspace_id = form.instance.workspace_id
            follow_up.save()
        for follow_up in formset.deleted_objects:
            actions.follow_up_remove(follow_up=follow_up)
        formset.save_m2m()

    def delete_model(self, request, obj: NutritionSession):
        actions.nutrition_session_delete(session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            actions.nutrition_session_delete(session=session)

    # -- history: its follow-ups' too ----------------------------------------------------------

    def history_related_sections(self, request, obj: NutritionSession):
        follow_ups = (
            FollowUp.history.filter(workspace_id=obj.workspace_id, session_id=obj.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[: self.history_list_per_page]
        )
        return [
            (HISTORY_OF_RELATED % {"items": FollowUp._meta.verbose_name_plural}, follow_ups),
            *super().history_related_sections(request, obj),  # its attachments (records.admin)
        ]
