"""Admin for the tenant core: users (email login), workspaces with their members, clients.

Saves go through the model's own validation (time zone, unique email, one membership per user
and workspace) and the same actions as the API, so a clash is a form error, never a 500. Every
admin here is scoped (:mod:`workspaces.admin_scope`): members see their workspace, its members
and its clients as their role allows; users, and who belongs to which workspace, are the
platform's (superusers, and the ops commands).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from history.admin import HistoryAdmin
from workspaces import actions
from workspaces.admin_scope import SUPERUSERS_ONLY, ScopedModelAdmin, ScopedTabularInline
from workspaces.models import Client, Membership, User, Workspace
from workspaces.search import search_key
from workspaces.timezones import available_timezones

EMAIL_TAKEN = _("A user with this email address already exists.")

TIMESTAMPS = ("id", "created_at", "updated_at")
#: what only superusers may do
PLATFORM = dict.fromkeys(("view", "add", "change", "delete"), SUPERUSERS_ONLY)

# Django's groups and model permissions play no part: the role table decides (workspaces.roles)
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    """Email and (optionally) a password; the email is unique ignoring case."""

    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


class UserMembershipInline(ScopedTabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("workspace", "role", "is_active", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("workspace",)
    verbose_name = _("workspace membership")
    verbose_name_plural = _("workspace memberships")

    def rows(self, request, queryset):
        return queryset.select_related("workspace")


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    """Users are the platform's: superusers only (members are added by the ops commands)."""

    permissions = PLATFORM
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (_("Personal info"), {"fields": ("name",)}),
        # who may do what is the role table's (memberships), not Django's staff flag or groups
        (_("Permissions"), {"fields": ("is_active", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "name", "is_active", "is_superuser", "date_joined", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("email", "name", "=id")
    ordering = ("email",)
    readonly_fields = ("id", "last_login", "date_joined")
    filter_horizontal = ()
    inlines = (UserMembershipInline,)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()


# --------------------------------------------------------------------------------------------
# Workspaces and memberships
# --------------------------------------------------------------------------------------------


class WorkspaceForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("time zone"), initial="UTC")

    class Meta:
        model = Workspace
        fields = ("name", "timezone", "subscription_expires_at", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "timezone" in self.fields:  # (read-only for members)
            self.fields["timezone"].choices = [(name, name) for name in sorted(available_timezones())]


class SubscriptionFilter(admin.SimpleListFilter):
    title = _("subscription")
    parameter_name = "subscription"

    def lookups(self, request, model_admin):
        return [("current", _("Current")), ("expired", _("Expired")), ("never", _("Never expires"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "current":
            return queryset.filter(Q(subscription_expires_at__isnull=True) | Q(subscription_expires_at__gt=now))
        if self.value() == "expired":
            return queryset.filter(subscription_expires_at__lte=now)
        if self.value() == "never":
            return queryset.filter(subscription_expires_at__isnull=True)
        return queryset


class WorkspaceMembershipInline(ScopedTabularInline):
    model = Membership
    fk_name = "workspace"
    extra = 0
    fields = ("user", "role", "is_active", "id", "created_at")
    readonly_fields = ("id", "created_at")
    autocomplete_fields = ("user",)
    show_change_link = True
    # every member sees who works there (as GET .../members does); the platform changes it
    permissions = {"view": "members.view", **dict.fromkeys(("add", "change", "delete"), SUPERUSERS_ONLY)}

    def rows(self, request, queryset):
        return queryset.select_related("user")


#: what owners and admins change about their workspace here (its subscription and whether it is
#: active are the ops commands'; its time zone too, for now: the sessions' instants follow it)
MANAGED_WORKSPACE_FIELDS = ("name",)


@admin.register(Workspace)
class WorkspaceAdmin(ScopedModelAdmin):
    permissions = {
        "view": "workspace.view",
        "change": "workspace.manage",
        "add": SUPERUSERS_ONLY,
        "delete": SUPERUSERS_ONLY,
    }
    form = WorkspaceForm
    list_display = ("name", "timezone", "subscription_expires_at", "subscription_current", "is_active")
    list_filter = ("is_active", SubscriptionFilter, "timezone")
    search_fields = ("name", "=id")
    ordering = ("name", "id")
    readonly_fields = TIMESTAMPS
    fields = ("id", "name", "timezone", "subscription_expires_at", "is_active", "created_at", "updated_at")
    inlines = (WorkspaceMembershipInline,)
    date_hierarchy = "created_at"

    @admin.display(boolean=True, description=_("subscription current"))
    def subscription_current(self, obj: Workspace) -> bool:
        return not obj.subscription_expired

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return tuple(name for name in self.fields if name not in MANAGED_WORKSPACE_FIELDS)


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    # every member sees who works there (as GET .../members does); the platform changes it
    permissions = {"view": "members.view", **dict.fromkeys(("add", "change", "delete"), SUPERUSERS_ONLY)}
    list_display = ("user_email", "user_name", "workspace", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "workspace")
    search_fields = ("user__email", "user__name", "workspace__name", "=id", "=workspace__id")
    list_select_related = ("user", "workspace")
    autocomplete_fields = ("workspace", "user")
    readonly_fields = TIMESTAMPS
    fields = ("id", "workspace", "user", "role", "is_active", "created_at", "updated_at")
    ordering = ("workspace__name", "user__email")

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj: Membership) -> str:
        return obj.user.email

    @admin.display(description=_("name"), ordering="user__name")
    def user_name(self, obj: Membership) -> str:
        return obj.user.name

    def get_readonly_fields(self, request, obj=None):
        if not request.user.is_superuser:
            return self.fields  # role and status are the platform's (ops commands, superusers)
        # who and where a membership is never changes; remove it and add another instead
        return (*TIMESTAMPS, "workspace", "user") if obj is not None else TIMESTAMPS

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # (a page saved for its inlines: a member's working hours, availability.admin)
        super().save_model(request, obj, form, change)


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------

CLIENT_FIELDS = ("name", "email", "phone", "notes", "language")


@admin.register(Client)
class ClientAdmin(HistoryAdmin):
    permissions = {
        "view": "clients.view",
        "add": "clients.manage",
        "change": "clients.manage",
        "delete": "clients.manage",
    }
    list_display = ("client_name", "workspace", "email", "phone", "created_at")
    list_display_links = ("client_name",)
    list_filter = ("workspace", "created_at")
    # search_text holds name, email and phone folded (workspaces.search); get_search_results
    # folds the query the same way, so Arabic letter variants and diacritics do not matter
    search_fields = ("search_text__contains", "=id", "=workspace__id")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    readonly_fields = TIMESTAMPS
    fields = ("id", "workspace", *CLIENT_FIELDS, "created_at", "updated_at")
    ordering = ("workspace__name", "search_text", "id")
    show_full_result_count = False  # no second COUNT(*) over a big table on every page

    @admin.display(description=_("name"), ordering="search_text")
    def client_name(self, obj: Client) -> str:
        return obj.name

    def get_search_results(self, request, queryset, search_term):
        # also what the autocomplete of the sessions' and consultations' client field calls
        return super().get_search_results(request, queryset, search_key(search_term))

    def get_readonly_fields(self, request, obj=None):
        # a client never moves to another practice: its sessions stay where they are
        return (*TIMESTAMPS, "workspace") if obj is not None else TIMESTAMPS

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in CLIENT_FIELDS if name in form.cleaned_data}
        if change:
            saved = actions.client_update(client=obj, **data)
        else:
            saved = actions.client_create(workspace=form.cleaned_data["workspace"], **data)
        obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at
        obj._state.adding, obj._state.db = False, saved._state.db
