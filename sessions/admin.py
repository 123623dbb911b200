"""Sessions in the Django admin, written through the same actions as the API (``bookings.admin``).

The form checks what is a session's own: its services (this workspace's, live, active, for
sessions, in the order chosen) and its field values (through the API's serializer); the booking
core's rules (lifecycle, duration, real instants, double booking) are checked by the write itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from bookings.admin import NOT_IN_WORKSPACE, BookingAdmin, BookingAdminForm
from records.admin import NoteInline, RecordsAdminMixin, SessionAttachmentInline, field_values_editor
from services.models import Service, ServiceScope
from sessions import actions
from sessions.admin_fields import FieldValueRowsField
from sessions.models import Session, SessionService
from sessions.serializers import MAX_FIELD_VALUES, MAX_SERVICES, FieldValueSerializer
from workspaces.admin_scope import ScopedChoicesFilter
from workspaces.models import Client, Membership, Workspace

SERVICE_NOT_USABLE = _("%(name)s is inactive or not for sessions.")
TOO_MANY_SERVICES = _("At most %(max)s services.")
DURATION_HELP = _("Leave empty to compute it from the services (60 minutes when they give none).")
SERVICES_HELP = _("In the order they should be listed.")
SERVICES_CHANGED = _("Services")


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


class SessionAdminForm(BookingAdminForm):
    # not the model's ``services`` (its join rows carry an order, written by the actions; the
    # admin refuses a through model's field by its own name)
    service_list = forms.ModelMultipleChoiceField(
        label=_("services"), queryset=Service.objects.alive(), help_text=SERVICES_HELP
    )
    # rows of field key, value and phase (sessions.admin_fields), checked as the API checks them;
    # a workspace with custom field definitions gets their inputs instead (field_values_editor)
    field_values = FieldValueRowsField(label=_("field values"), required=False)

    class Meta:
        model = Session
        fields = "__all__"  # the admin's fieldsets say which, and in what order

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        if _registered_with_search(Service):
            field = self.fields["service_list"]
            field.widget = AutocompleteSelectMultiple(
                Session._meta.get_field("services"), admin.site, choices=field.choices
            )
            field.widget.is_required = True
        field_values_editor(self)  # through the workspace's custom field definitions, when it has some

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
        workspace = self.booking_workspace()
        if workspace is None:
            return cleaned
        for service in cleaned.get("service_list") or []:
            if service.workspace_id != workspace.pk:
                self.add_error("service_list", NOT_IN_WORKSPACE)
                break
            if not service.is_active or service.scope != ServiceScope.SESSIONS:
                self.add_error("service_list", SERVICE_NOT_USABLE % {"name": service.name})
                break
        return cleaned


class ServiceFilter(ScopedChoicesFilter):
    """Sessions with a given service: the live services of the workspace (a superuser's choices
    are those of the workspace filtered on, else the first 200, named with their workspace)."""

    title = _("service")
    parameter_name = "service"
    choices_queryset = Service.objects.alive().order_by("name", "id")

    def choice_label(self, obj: Service) -> str:
        return obj.name

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        chosen = self.chosen()
        if chosen is None:
            return queryset.none()
        return queryset.filter(
            Exists(
                SessionService.objects.filter(
                    workspace=OuterRef("workspace"), service_id=chosen, session=OuterRef("pk")
                )
            )
        )


@admin.register(Session)
class SessionAdmin(RecordsAdminMixin, BookingAdmin):
    permissions = {
        "view": "sessions.view",
        "add": "sessions.create",
        "change": "sessions.update",
        "delete": "sessions.delete",
    }
    form = SessionAdminForm
    inlines = (NoteInline, SessionAttachmentInline)
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
    readonly_fields = (*BookingAdmin.readonly_fields, "end_time")
    fieldsets = (
        (None, {"fields": ("id", "workspace", "name", "client", "service_list", "staff", "status")}),
        (_("Time"), {"fields": ("date", "start_time", "duration_minutes", "end_time", "starts_local", "ends_local")}),
        (_("Details"), {"fields": ("field_values",)}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    # -- writes ---------------------------------------------------------------------------------

    def booking_create(self, form: SessionAdminForm) -> Session:
        data = form.cleaned_data
        return actions.session_create(
            workspace=data["workspace"],
            name=data["name"],
            client=data["client"],
            services=data["service_list"],
            staff=data.get("staff"),
            date=data["date"],
            start_time=data["start_time"],
            duration_minutes=data.get("duration_minutes"),
            status=data.get("status") or Session.lifecycle.initial,
            field_values=data.get("field_values"),
        )

    def booking_update(self, booking: Session, form: SessionAdminForm | None, **changes) -> Session:
        if form is not None:
            changes = form.changes()
            if "service_list" in changes:
                changes["services"] = changes.pop("service_list")
            if "duration_minutes" in changes or "services" in changes:
                changes["duration_minutes"] = form.cleaned_data.get("duration_minutes")
        return actions.session_update(session=booking, **changes)

    def delete_model(self, request, obj: Session):
        actions.session_delete(session=obj)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            actions.session_delete(session=session)

    # -- the list -------------------------------------------------------------------------------

    def get_autocomplete_fields(self, request):
        return [name for name, model in (("workspace", Workspace), ("client", Client), ("staff", Membership))
                if _registered_with_search(model)]  # fmt: skip

    def rows(self, request, queryset):
        return queryset.annotate(
            service_name_list=ArraySubquery(
                SessionService.objects.filter(workspace=OuterRef("workspace"), session=OuterRef("pk"))
                .order_by("position", "id")
                .values("service__name")
            )
        )

    @admin.display(description=_("services"))
    def service_names(self, obj: Session) -> str:
        return ", ".join(obj.service_name_list)

    @admin.display(description=_("services"))
    def service_list(self, obj: Session) -> str:
        """The services, in their order, where the page is read-only (a role that may only view)."""
        return ", ".join(getattr(obj, "service_name_list", None) or []) or "—"

    # -- history: the services kept on each row -------------------------------------------

    def history_prepare(self, request, records):
        ids = {pk for record in records for pk in getattr(record, "service_ids", None) or ()}  # (its notes' rows too)
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
