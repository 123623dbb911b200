"""Sessions in the Django admin, with the API's rules.

The form checks what the API checks, through the same functions: references inside the
session's workspace (clients, active members, live, active services for sessions), field values
through the API's serializer, and :func:`sessions.actions.session_settle` for the lifecycle, the
duration rule, the real instants in the workspace's time zone and double booking. A refusal is a
form error on the field concerned, not a 500. The change view runs in one transaction, so the
staff lock taken while validating holds until ``save_model`` writes through the actions.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from history.admin import HistoryAdmin
from services.models import Service, ServiceScope
from sessions import actions
from sessions.models import Session, SessionService, SessionStatus
from sessions.serializers import MAX_FIELD_VALUES, MAX_SERVICES, FieldValueSerializer
from workspaces.admin_actions import status_action
from workspaces.models import Client, Membership, Workspace
from workspaces.search import search_key

TIMESTAMPS = ("id", "created_at", "updated_at")

NOT_IN_WORKSPACE = _("Choose one of this workspace's.")
NOT_ACTIVE_MEMBER = _("Choose an active member of this workspace.")
SERVICE_NOT_USABLE = _("%(name)s is inactive or not for sessions.")
TOO_MANY_SERVICES = _("At most %(max)s services.")
DURATION_HELP = _("Leave empty to compute it from the services (60 minutes when they give none).")
SERVICES_HELP = _("In the order they should be listed.")
SERVICES_CHANGED = _("Services")
MARK_IN_PROGRESS = _("Mark selected %(verbose_name_plural)s as in progress")
MARK_COMPLETED = _("Mark selected %(verbose_name_plural)s as completed")
MARK_CANCELLED = _("Mark selected %(verbose_name_plural)s as cancelled")

#: API error fields and codes -> this form's fields
WIRE_TO_FORM = {
    "startTime": "start_time",
    "durationMinutes": "duration_minutes",
    "serviceIds": "service_list",
    "clientId": "client",
    "staffId": "staff",
}
CODE_TO_FORM = {"staff_conflict": "staff", "invalid_status_transition": "status"}


def _messages(errors, where: str = ""):
    """The API serializer's nested errors as flat "item 2 · fieldKey: message" lines."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _messages(value, f"{where}{key}: ")
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                yield from _messages(value, f"{where}{_('item')} {index + 1} · ")
            else:
                yield f"{where}{value}"
    else:
        yield f"{where}{errors}"


def _registered_with_search(model) -> bool:
    model_admin = admin.site._registry.get(model)
    return model_admin is not None and bool(model_admin.search_fields)


class SessionAdminForm(forms.ModelForm):
    # not the model's ``services`` (its join rows carry an order, written by the actions)
    service_list = forms.ModelMultipleChoiceField(
        label=_("services"), queryset=Service.objects.alive(), help_text=SERVICES_HELP
    )

    class Meta:
        model = Session
        fields = (
            "workspace",
            "name",
            "client",
            "staff",
            "date",
            "start_time",
            "duration_minutes",
            "status",
            "field_values",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original = actions.session_snapshot(self.instance) if self.instance.pk else None
        record = getattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if record is not None:  # a past version (history): its services then
            self.initial["service_list"] = list(record.service_ids)
        elif self.instance.pk:
            links = SessionService.objects.filter(
                workspace_id=self.instance.workspace_id, session=self.instance
            ).order_by("position", "id")
            self.initial["service_list"] = [link.service_id for link in links]
        if "duration_minutes" in self.fields:
            self.fields["duration_minutes"].required = False
            self.fields["duration_minutes"].help_text = DURATION_HELP
        if "staff" in self.fields:
            self.fields["staff"].queryset = Membership.objects.filter(is_active=True).select_related("user")
        if _registered_with_search(Service):
            field = self.fields["service_list"]
            field.widget = AutocompleteSelectMultiple(
                Session._meta.get_field("services"), admin.site, choices=field.choices
            )
            field.widget.is_required = True

    # -- references: only the session's workspace ---------------------------------------------

    def _workspace(self) -> Workspace | None:
        return self.cleaned_data.get("workspace") or (self.instance.workspace if self.instance.workspace_id else None)

    def clean_service_list(self):
        chosen = list(self.cleaned_data["service_list"])
        if len(chosen) > MAX_SERVICES:
            raise forms.ValidationError(TOO_MANY_SERVICES % {"max": MAX_SERVICES})
        # keep the order the ids were submitted in (the field returns them in table order)
        order = {pk: i for i, pk in enumerate(dict.fromkeys(self.data.getlist(self.add_prefix("service_list"))))}
        return sorted(chosen, key=lambda service: order.get(service.pk, len(order)))

    def clean_field_values(self):
        value = self.cleaned_data.get("field_values")
        if value in (None, ""):
            return []
        serializer = FieldValueSerializer(data=value, many=True, max_length=MAX_FIELD_VALUES)
        if not serializer.is_valid():
            raise forms.ValidationError(list(_messages(serializer.errors)))
        return serializer.validated_data

    def clean(self):
        cleaned = super().clean()
        workspace = self._workspace()
        if workspace is None:
            return cleaned
        client: Client | None = cleaned.get("client")
        if client is not None and client.workspace_id != workspace.pk:
            self.add_error("client", NOT_IN_WORKSPACE)
        staff: Membership | None = cleaned.get("staff")
        if staff is not None and (staff.workspace_id != workspace.pk or not staff.is_active):
            self.add_error("staff", NOT_ACTIVE_MEMBER)
        for service in cleaned.get("service_list") or []:
            if service.workspace_id != workspace.pk:
                self.add_error("service_list", NOT_IN_WORKSPACE)
                break
            if not service.is_active or service.scope != ServiceScope.SESSIONS:
                self.add_error("service_list", SERVICE_NOT_USABLE % {"name": service.name})
                break
        return cleaned

    # -- the API's derivations and checks -------------------------------------------------

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        session = self.instance
        workspace = self._workspace()
        services = self.cleaned_data["service_list"]
        self.services_changed = self.original is None or "service_list" in self.changed_data
        try:
            actions.session_settle(
                session=session,
                workspace=workspace,
                original=self.original,
                services=services,
                recompute_duration=self.cleaned_data.get("duration_minutes") is None,
            )
        except APIException as exc:
            self.add_api_error(exc)

    def add_api_error(self, exc: APIException) -> None:
        fields = getattr(exc, "fields", None) or {CODE_TO_FORM.get(exc.get_codes()): [exc.detail]}
        for wire, errors in fields.items():
            name = WIRE_TO_FORM.get(wire, wire)
            for message in errors if isinstance(errors, list) else [errors]:
                self.add_error(name if name in self.fields else None, str(message))


class ServiceFilter(admin.SimpleListFilter):
    """Sessions with a given service (choices: the services of the workspace filtered on, or the first 200)."""

    title = _("service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        workspace = request.GET.get("workspace__id__exact")
        services = Service.objects.all()
        if workspace:
            services = services.filter(workspace_id=workspace)
        return [(service.pk, service.name) for service in services.order_by("name", "id")[:200]]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(
                    SessionService.objects.filter(
                        workspace=OuterRef("workspace"), service_id=self.value(), session=OuterRef("pk")
                    )
                )
            )
        return queryset


def _move_session(session: Session, status: str) -> None:
    actions.session_update(session=session, status=status)


@admin.register(Session)
class SessionAdmin(HistoryAdmin):
    form = SessionAdminForm
    list_display = (
        "name",
        "date",
        "start_time",
        "end_time",
        "client",
        "service_names",
        "staff_name",
        "status",
        "workspace",
    )
    list_filter = ("status", ServiceFilter, ("staff", admin.RelatedOnlyFieldListFilter), "date", "workspace")
    search_fields = (
        "name",
        "client__name",
        "client__email",
        "client__phone",
        "staff__user__name",
        "staff__user__email",
        "=id",
        "=client__id",
        "=workspace__id",
    )
    list_select_related = ("workspace", "client", "staff__user")
    date_hierarchy = "date"
    ordering = ("-date", "-start_time", "-id")
    show_full_result_count = False
    list_per_page = 50
    actions = (
        status_action(
            status=SessionStatus.IN_PROGRESS,
            label=SessionStatus.IN_PROGRESS.label,
            description=MARK_IN_PROGRESS,
            move=_move_session,
        ),
        status_action(
            status=SessionStatus.COMPLETED,
            label=SessionStatus.COMPLETED.label,
            description=MARK_COMPLETED,
            move=_move_session,
        ),
        status_action(
            status=SessionStatus.CANCELLED,
            label=SessionStatus.CANCELLED.label,
            description=MARK_CANCELLED,
            move=_move_session,
        ),
    )
    history_select_related = ("staff__user",)
    readonly_fields = (*TIMESTAMPS, "end_time", "starts_at", "ends_at", "attachments", "notes", "invoice")
    fieldsets = (
        (None, {"fields": ("id", "workspace", "name", "client", "service_list", "staff", "status")}),
        (_("Time"), {"fields": ("date", "start_time", "duration_minutes", "end_time", "starts_at", "ends_at")}),
        (_("Details"), {"fields": ("field_values", "attachments", "notes", "invoice")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:  # also the client's name, email or phone as the clients' search folds them (Arabic too)
            results = results | queryset.filter(client__search_text__contains=key)
        return results, may_have_duplicates

    def get_autocomplete_fields(self, request):
        return [name for name, model in (("workspace", Workspace), ("client", Client), ("staff", Membership))
                if _registered_with_search(model)]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # a session never moves to another practice: its client, services and staff are there
        return (*self.readonly_fields, "workspace") if obj is not None else self.readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                service_name_list=ArraySubquery(
                    SessionService.objects.filter(workspace=OuterRef("workspace"), session=OuterRef("pk"))
                    .order_by("position", "id")
                    .values("service__name")
                )
            )
        )

    @admin.display(description=_("services"))
    def service_names(self, obj: Session) -> str:
        return ", ".join(obj.service_name_list)

    @admin.display(description=_("staff member"), ordering="staff__user__name")
    def staff_name(self, obj: Session) -> str:
        if obj.staff_id is None:
            return "—"
        return obj.staff.user.name or obj.staff.user.email

    # -- history: the services kept on each row -------------------------------------------

    def history_prepare(self, request, records):
        ids = {pk for record in records for pk in record.service_ids or ()}
        return dict(Service.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}

    def history_extra_changes(self, request, record, older, names):
        if record.history_type == "-" or record.instance_type is not Session:
            return []
        before = [] if older is None else list(older.service_ids or ())
        after = list(record.service_ids or ())
        if before == after:
            return []

        def listed(ids):
            return ", ".join(names.get(pk, pk) for pk in ids) or "—"

        return [{"field": SERVICES_CHANGED, "old": "—" if older is None else listed(before), "new": listed(after)}]

    def save_model(self, request, obj: Session, form: SessionAdminForm, change: bool):
        data = form.cleaned_data
        if change:
            changes = {
                name: data[name]
                for name in ("name", "client", "staff", "date", "start_time", "status", "field_values")
                if name in form.changed_data
            }
            if form.services_changed:
                changes["services"] = data["service_list"]
            if "duration_minutes" in form.changed_data or "services" in changes:
                changes["duration_minutes"] = data.get("duration_minutes")
            saved = actions.session_update(session=Session.objects.get(pk=obj.pk), **changes)
        else:
            saved = actions.session_create(
                workspace=data["workspace"],
                name=data["name"],
                client=data["client"],
                services=data["service_list"],
                staff=data.get("staff"),
                date=data["date"],
                start_time=data["start_time"],
                duration_minutes=data.get("duration_minutes"),
                status=data.get("status") or Session._meta.get_field("status").default,
                field_values=data.get("field_values"),
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
        obj._state.adding, obj._state.db = False, saved._state.db

    def delete_model(self, request, obj: Session):
        actions.session_delete(session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            actions.session_delete(session=session)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except APIException as exc:
            # another save took the slot or moved the status between the form's check and ours
            self.message_user(request, str(exc.detail), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
