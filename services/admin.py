"""Services in the Django admin: the same rules as the API (services.rules, services.actions)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models.functions import Lower, Trim
from django.forms.models import construct_instance
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from history.admin import HistoryAdmin
from services import actions, rules
from services.models import Service, ServiceScope
from workspaces.models import Workspace

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
SWATCH = (
    '<span class="color-swatch" style="display:inline-block;width:1em;height:1em;border:1px solid #999;'
    'vertical-align:middle;background:{}"></span>'
)


class ColorInput(forms.TextInput):
    """A colour as its code, #RRGGBB, written left to right in both directions, beside a swatch of it."""

    template_name = "admin/services/color_input.html"

    class Media:
        js = ("services/color_input.js",)

    def __init__(self, attrs=None):
        super().__init__({"dir": "ltr", "size": 9, "maxlength": 7, "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = context["widget"]["value"] or ""
        context["widget"]["swatch"] = value if HEX_COLOR.match(value) else ""
        return context


DELETED_LABEL = _("Deleted")
NOT_DELETED_LABEL = _("Not deleted")
ALL_LABEL = _("All")
SOFT_DELETED = _("Deleted: hidden from the API, its name and color freed; sessions that used it still show it.")


class ServiceAdminForm(forms.ModelForm):
    """Validates as the API does: limits, trimmed name, normalised color, no name/color clash."""

    class Meta:
        model = Service
        fields = ["workspace", "name", "description", "duration_minutes", "price", "color", "scope", "is_active"]
        widgets = {"color": ColorInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (a role that may only view the service gets every field read-only: none of these)
        if "duration_minutes" in self.fields:
            duration = self.fields["duration_minutes"]
            duration.validators.append(MinValueValidator(rules.DURATION_MIN))
            duration.validators.append(MaxValueValidator(rules.DURATION_MAX))
            duration.widget.attrs.update(min=rules.DURATION_MIN, max=rules.DURATION_MAX)
        if "price" in self.fields:
            self.fields["price"].validators.append(MinValueValidator(rules.PRICE_MIN))
            self.fields["price"].validators.append(MaxValueValidator(rules.PRICE_MAX))
        if "color" in self.fields:
            self.fields["color"].help_text = _("#RRGGBB or #RGB; stored as #RRGGBB in upper case.")

    def clean_name(self):
        name = rules.normalize_name(self.cleaned_data.get("name") or "")
        if not name:
            raise forms.ValidationError(_("This field is required."), code="required")
        return name

    def clean_color(self):
        color = (self.cleaned_data.get("color") or "").strip()
        if not color:
            return None
        try:
            return rules.normalize_color(color)
        except ValueError:
            raise forms.ValidationError(rules.COLOR_INVALID, code="invalid") from None

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(self.instance, "workspace", None)
        if workspace is None:
            return cleaned
        others = Service.objects.alive().filter(workspace=workspace).exclude(pk=self.instance.pk)
        name = cleaned.get("name")
        if name and others.annotate(key=Lower(Trim("name"))).filter(key=name.lower()).exists():
            self.add_error("name", forms.ValidationError(rules.NAME_TAKEN, code="service_name_taken"))
        color = cleaned.get("color")
        if color and others.filter(color=color).exists():
            self.add_error("color", forms.ValidationError(rules.COLOR_TAKEN, code="service_color_taken"))
        return cleaned

    def _post_clean(self):
        # Model validation without the constraint checks: the clashes are checked in clean()
        # with the API's messages, and the database's unique indexes stay the final word.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)
        try:
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(), validate_unique=False, validate_constraints=False
            )
        except forms.ValidationError as exc:
            self._update_errors(exc)


class DeletedFilter(admin.SimpleListFilter):
    """Deleted services are hidden unless asked for."""

    title = _("deleted")
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", DELETED_LABEL), ("all", ALL_LABEL)]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": NOT_DELETED_LABEL,
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)


@admin.register(Service)
class ServiceAdmin(HistoryAdmin):
    permissions = {
        "view": "services.view",
        "add": "services.manage",
        "change": "services.manage",
        "delete": "services.manage",
    }
    form = ServiceAdminForm
    list_display = [
        "name",
        "swatch",
        "duration_minutes",
        "price",
        "is_active",
        "scope",
        "workspace",
        "deleted",
    ]
    list_display_links = ["name"]
    list_filter = [DeletedFilter, "is_active", "scope", "workspace"]
    search_fields = ["name", "description", "color", "workspace__name", "=id", "=workspace__id"]
    list_select_related = ["workspace"]
    readonly_fields = ["id", "created_at", "updated_at", "deleted_at"]
    ordering = ["workspace__name", "name", "id"]
    list_per_page = 50
    show_full_result_count = False

    fieldsets = [
        (None, {"fields": ["workspace", "name", "description", "scope", "is_active"]}),
        (_("Defaults for sessions"), {"fields": ["duration_minutes", "price", "color"]}),
        (_("Record"), {"fields": ["id", "created_at", "updated_at", "deleted_at"]}),
    ]

    @admin.display(description=_("color"), ordering="color")
    def swatch(self, obj: Service):
        if not obj.color:
            return "—"
        # the code is written left to right in both directions: "#3B82F6", never "3B82F6#"
        return format_html(SWATCH + ' <code dir="ltr">{}</code>', obj.color, obj.color)

    @admin.display(description=_("deleted"), boolean=True, ordering="deleted_at")
    def deleted(self, obj: Service) -> bool:
        return obj.deleted_at is not None

    def get_autocomplete_fields(self, request):
        # autocomplete needs a registered Workspace admin with search fields
        workspace_admin = self.admin_site._registry.get(Workspace)
        return ["workspace"] if workspace_admin is not None and workspace_admin.search_fields else []

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if getattr(request.resolver_match, "url_name", None) == "autocomplete":
            # choosing a session's services: only those a session may use
            queryset = queryset.filter(deleted_at__isnull=True, is_active=True, scope=ServiceScope.SESSIONS)
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("workspace")  # sessions of that workspace refer to it
        return fields

    def save_model(self, request, obj: Service, form, change):
        data = {name: value for name, value in form.cleaned_data.items() if name != "workspace"}
        if change:
            actions.service_update(service=obj, **data)
            return
        saved = actions.service_create(workspace=form.cleaned_data["workspace"], **data)
        obj.__dict__.update(saved.__dict__)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except actions.ServiceClash as exc:
            # another save took the name or color between the form's check and ours
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj: Service):
        actions.service_delete(service=obj)
        messages.info(request, SOFT_DELETED)

    def delete_queryset(self, request, queryset):
        for service in queryset.filter(deleted_at__isnull=True):
            actions.service_delete(service=service)
        messages.info(request, SOFT_DELETED)
