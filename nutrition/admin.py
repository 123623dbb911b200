"""Admin for nutrition consultations, with their follow-ups inline.

Saving checks exactly what the API checks, through the same functions
(:func:`nutrition.actions.consultation_times` and :func:`nutrition.actions.nutrition_session_settle`:
end time and duration, status moves, the real instants in the workspace's time zone, double
booking across both session kinds); a clash is a form error on the field concerned. The admin's
change view runs in one transaction, so the staff lock taken while validating holds until the
row is written.

Private notes are shown (and accepted) only for superusers and for users whose membership in the
consultation's workspace holds ``nutrition.manage``; for everyone else the field is left out of
the form entirely, as the API answers ``null``. On the add page, where the workspace is not yet
known, only superusers get the field.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException, ValidationError

from config.api.serializers import to_snake
from history.admin import HISTORY_OF_RELATED, HistoryAdmin
from nutrition import actions
from nutrition.models import ConsultationStatus, FollowUp, NutritionSession
from nutrition.serializers import PRIVATE_NOTES_PERMISSION
from workspaces.admin_actions import status_action
from workspaces.models import Membership
from workspaces.search import search_key

TIMESTAMPS = ("id", "created_at", "updated_at")
EDITABLE_FIELDS = (
    "workspace",
    "client",
    "staff",
    "type",
    "status",
    "date",
    "start_time",
    "end_time",
    "duration_minutes",
    "topic",
    "notes_private",
    "notes_shared",
    "meeting_link",
    "location",
)

#: wire names in the API's errors -> the form's fields
WIRE_TO_FORM = {"clientId": "client", "specialistId": "staff"}
CODE_TO_FORM = {"staff_conflict": "staff", "invalid_status_transition": "status"}

MARK_COMPLETED = _("Mark selected %(verbose_name_plural)s as completed")
MARK_CANCELLED = _("Mark selected %(verbose_name_plural)s as cancelled")
MARK_NO_SHOW = _("Mark selected %(verbose_name_plural)s as no show")


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    fields = ("due_date", "note", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    ordering = ("due_date", "id")


class NutritionSessionForm(forms.ModelForm):
    class Meta:
        model = NutritionSession
        fields = EDITABLE_FIELDS
        widgets = {
            "notes_private": forms.Textarea(attrs={"rows": 4}),
            "notes_shared": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original = actions.snapshot(self.instance) if self.instance.pk else None
        self.original_duration = self.instance.duration_minutes if self.instance.pk else None
        for name in ("end_time", "duration_minutes"):
            if name in self.fields:
                self.fields[name].help_text = _("Leave empty to compute it from the other (60 minutes if both are).")

    def _given(self, name: str):
        """A value the user set: on a change, only when that field was changed."""
        if self.original is not None and name not in self.changed_data:
            return None
        return self.cleaned_data.get(name)

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        session = self.instance
        try:
            if self.original is None or actions.TIMING_FIELDS & set(self.changed_data):
                end_time, duration = self._given("end_time"), self._given("duration_minutes")
                if self.original is not None and end_time is None and duration is None:
                    duration = self.original_duration  # moved: same length
                session.end_time, session.duration_minutes = actions.consultation_times(
                    start_time=session.start_time, end_time=end_time, duration_minutes=duration
                )
            actions.nutrition_session_settle(session=session, original=self.original)
        except APIException as exc:
            self._add_api_error(exc)

    def _add_api_error(self, exc: APIException) -> None:
        if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            fields = exc.detail
        else:
            fields = getattr(exc, "fields", None) or {CODE_TO_FORM.get(exc.get_codes()): [exc.detail]}
        for wire, messages in fields.items():
            name = WIRE_TO_FORM.get(wire, to_snake(wire) if wire else None)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(name if name in self.fields else None, str(message))


def _move_consultation(session: NutritionSession, status: str) -> None:
    actions.nutrition_session_update(session=session, status=status)


def _mark(status: ConsultationStatus, description):
    return status_action(status=status, label=status.label, description=description, move=_move_consultation)


@admin.register(NutritionSession)
class NutritionSessionAdmin(HistoryAdmin):
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
    list_select_related = ("workspace", "client", "staff__user")
    autocomplete_fields = ("workspace", "client", "staff")
    actions = (
        _mark(ConsultationStatus.COMPLETED, MARK_COMPLETED),
        _mark(ConsultationStatus.CANCELLED, MARK_CANCELLED),
        _mark(ConsultationStatus.NO_SHOW, MARK_NO_SHOW),
    )
    history_select_related = ("staff__user",)
    date_hierarchy = "date"
    ordering = ("-date", "-start_time", "-id")
    show_full_result_count = False
    readonly_fields = (*TIMESTAMPS, "starts_at", "ends_at", "attachments")
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
        "starts_at",
        "ends_at",
        "topic",
        "notes_private",
        "notes_shared",
        "meeting_link",
        "location",
        "attachments",
        "created_at",
        "updated_at",
    )
    inlines = (FollowUpInline,)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:  # also the client's name, email or phone as the clients' search folds them (Arabic too)
            results = results | queryset.filter(client__search_text__contains=key)
        return results, may_have_duplicates

    @admin.display(description=_("specialist"), ordering="staff__user__name")
    def specialist(self, obj: NutritionSession):
        return obj.staff.user if obj.staff_id else None

    # -- private notes ----------------------------------------------------------------------

    def can_see_private_notes(self, request, obj: NutritionSession | None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return False
        seen = request.__dict__.setdefault("_private_notes_allowed", {})  # asked several times a page
        if obj.workspace_id not in seen:
            membership = Membership.objects.filter(workspace_id=obj.workspace_id, user=request.user).first()
            seen[obj.workspace_id] = membership is not None and membership.has_permission(PRIVATE_NOTES_PERMISSION)
        return seen[obj.workspace_id]

    def history_hidden_fields(self, request, record) -> frozenset[str]:
        # on every row of the history, as on the change page
        return frozenset() if self.can_see_private_notes(request, record) else frozenset({"notes_private"})

    def history_related_sections(self, request, obj: NutritionSession):
        follow_ups = (
            FollowUp.history.filter(workspace_id=obj.workspace_id, session_id=obj.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[: self.history_list_per_page]
        )
        return [(HISTORY_OF_RELATED % {"items": FollowUp._meta.verbose_name_plural}, follow_ups)]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.can_see_private_notes(request, obj):
            fields = [name for name in fields if name != "notes_private"]
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if not self.can_see_private_notes(request, obj):
            exclude.append("notes_private")
        return exclude

    def get_readonly_fields(self, request, obj=None):
        # a consultation never moves to another practice
        return (*self.readonly_fields, "workspace") if obj is not None else self.readonly_fields

    # -- saving -----------------------------------------------------------------------------

    def save_formset(self, request, form, formset, change):
        follow_ups = formset.save(commit=False)
        for follow_up in follow_ups:
            follow_up.workspace_id = form.instance.workspace_id
            follow_up.save()
        for follow_up in formset.deleted_objects:
            actions.follow_up_remove(follow_up=follow_up)
        formset.save_m2m()
