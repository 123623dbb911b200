"""Availability in the admin: a member's working hours and time off inline on their membership,
the booking policy inline on the workspace, and a read-only list (with its history) of each.

Every inline writes through the same actions as the API: the working hours as a whole week
(``working_hours_set``: overlaps refused), time off one span at a time, the policy as a change.
Time off is typed and shown in the workspace's time zone, through the one conversion
(:mod:`workspaces.timezones`). The member's and the workspace's admins are the tenant core's,
registered again here with these inlines (so that ``workspaces`` imports no domain app).

Scoped like every admin (:mod:`workspaces.admin_scope`), with the API's permissions: every member
reads working hours and time off (``availability.view``); a member edits their own on their own
membership's page, owners and admins anyone's (``OwnOr("availability.manage")``); the
workspace's booking policy is owners' and admins' (``availability.manage``). A
membership's own fields stay the platform's (read-only for members): changing a membership's page
is changing its availability.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from availability import actions
from availability.models import BookingPolicy, TimeOff, WorkingHours, format_clock_minute
from history.admin import HistoryAdmin
from workspaces.admin import MembershipAdmin as CoreMembershipAdmin
from workspaces.admin import WorkspaceAdmin as CoreWorkspaceAdmin
from workspaces.admin_scope import ScopedStackedInline, ScopedTabularInline
from workspaces.errors import InvalidError
from workspaces.models import Membership, Workspace
from workspaces.tenancy import OwnOr
from workspaces.timezones import NonexistentLocalTimeError, local_to_utc, utc_to_local

NONEXISTENT_TIME = _("This time does not exist on that date in the workspace's time zone (the clocks skip it).")
IN_ZONE = _("In the workspace's time zone (%(zone)s).")

VIEW, MANAGE = "availability.view", "availability.manage"
#: a member's own working hours and time off, or anyone's with availability.manage (the API's OwnOr)
OWN_OR_MANAGE = OwnOr(MANAGE)
OWN_OR_MANAGE_PERMISSIONS = {"view": VIEW, "add": OWN_OR_MANAGE, "change": OWN_OR_MANAGE, "delete": OWN_OR_MANAGE}

POLICY_FIELDS = (
    "enforce_working_hours",
    "min_notice_minutes",
    "max_advance_days",
    "slot_step_minutes",
    "buffer_minutes",
)


# --------------------------------------------------------------------------------------------
# Working hours: the week, written whole
# --------------------------------------------------------------------------------------------


class WorkingHoursFormSet(BaseInlineFormSet):
    """The member's week: the rows left after deletions, checked together and written as one."""

    def clean(self):
        super().clean()
        self.week = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not {"weekday", "start_minute", "end_minute"} <= set(data):
                continue  # removed, or an empty row
            self.week.append((data["weekday"], data["start_minute"], data["end_minute"]))
        try:
            actions.working_hours_check(self.week)
        except InvalidError as exc:
            raise ValidationError(str(exc.message)) from None

    def save(self, commit=True):
        actions.working_hours_set(membership=self.instance, intervals=self.week)
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class WorkingHoursInline(ScopedTabularInline):
    model = WorkingHours
    permissions = OWN_OR_MANAGE_PERMISSIONS
    formset = WorkingHoursFormSet
    fields = ("weekday", "start_minute", "end_minute")
    extra = 0
    ordering = ("weekday", "start_minute")


# --------------------------------------------------------------------------------------------
# Time off: instants, typed in the workspace's time zone
# --------------------------------------------------------------------------------------------


class LocalInstantField(forms.SplitDateTimeField):
    """An instant typed as a date and a wall-clock time in ``tz_name`` (an ambiguous time is its first
    occurrence; a skipped one is refused)."""

    def __init__(self, *, tz_name: str, **kwargs):
        self.tz_name = tz_name
        kwargs.setdefault("widget", AdminSplitDateTime)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return utc_to_local(value, self.tz_name).replace(tzinfo=None)  # shown as the wall clock reads
        return value

    def compress(self, data_list):
        if not data_list or data_list[0] in self.empty_values or data_list[1] in self.empty_values:
            return None
        day, at = data_list
        try:
            return local_to_utc(day, at.replace(second=0, microsecond=0), self.tz_name)
        except NonexistentLocalTimeError:
            raise ValidationError(NONEXISTENT_TIME, code="nonexistent_local_time") from None

    def has_changed(self, initial, data):
        try:
            return self.clean(data) != initial
        except ValidationError:
            return True


class TimeOffForm(forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ("starts_at", "ends_at", "reason")

    def __init__(self, *args, tz_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.tz_name = tz_name  # the member's workspace's (TimeOffFormSet.get_form_kwargs)
        for name in ("starts_at", "ends_at"):
            field = self.fields[name]
            self.fields[name] = LocalInstantField(
                tz_name=self.tz_name,
                label=field.label,
                help_text=IN_ZONE % {"zone": self.tz_name},
                required=field.required,
            )


class TimeOffFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        # typed and shown in the member's workspace's zone (a new member page has none: UTC)
        tz_name = self.instance.workspace.timezone if self.instance.workspace_id else "UTC"
        return {**super().get_form_kwargs(index), "tz_name": tz_name}

    def save_new(self, form, commit=True):
        return actions.time_off_add(membership=self.instance, **_values(form, ("starts_at", "ends_at", "reason")))

    def save_existing(self, form, obj, commit=True):
        return actions.time_off_change(time_off=obj, **_values(form, form.changed_data))

    def delete_existing(self, obj, commit=True):
        actions.time_off_remove(time_off=obj)


def _values(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in ("starts_at", "ends_at", "reason")}


class TimeOffInline(ScopedTabularInline):
    model = TimeOff
    permissions = OWN_OR_MANAGE_PERMISSIONS
    form = TimeOffForm
    formset = TimeOffFormSet
    fields = ("starts_at", "ends_at", "reason")
    extra = 0
    ordering = ("-starts_at",)


# --------------------------------------------------------------------------------------------
# The booking policy, on the workspace
# --------------------------------------------------------------------------------------------


class BookingPolicyFormSet(BaseInlineFormSet):
    def save_new(self, form, commit=True):
        return actions.booking_policy_update(workspace=self.instance, **_policy(form))

    def save_existing(self, form, obj, commit=True):
        return actions.booking_policy_update(workspace=self.instance, **_policy(form))


def _policy(form) -> dict:
    return {name: form.cleaned_data[name] for name in POLICY_FIELDS if name in form.cleaned_data}


class BookingPolicyInline(ScopedStackedInline):
    model = BookingPolicy
    # GET/PATCH .../booking-policy: owners and admins (its row is made by the first save)
    permissions = {"view": MANAGE, "add": MANAGE, "change": MANAGE}
    formset = BookingPolicyFormSet
    fields = POLICY_FIELDS
    min_num, max_num, extra = 1, 1, 0
    can_delete = False


# --------------------------------------------------------------------------------------------
# The member's and the workspace's pages, with these inlines
# --------------------------------------------------------------------------------------------


class AvailabilityInlines:
    """Adds ``availability_inlines`` to an existing object's page (a new one's zone is not known yet)."""

    availability_inlines: tuple = ()

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        return (*inlines, *self.availability_inlines) if obj is not None else inlines


class MembershipAdmin(AvailabilityInlines, CoreMembershipAdmin):
    # a member's page is changed by its working hours and time off: their own, or anyone's with
    # availability.manage (the membership's own fields are read-only for members)
    permissions = {**CoreMembershipAdmin.permissions, "change": OWN_OR_MANAGE}
    availability_inlines = (WorkingHoursInline, TimeOffInline)


class WorkspaceAdmin(AvailabilityInlines, CoreWorkspaceAdmin):
    availability_inlines = (BookingPolicyInline,)


for _model, _model_admin in ((Membership, MembershipAdmin), (Workspace, WorkspaceAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _model_admin)


# --------------------------------------------------------------------------------------------
# Lists, with their history (edited on the member's and the workspace's pages)
# --------------------------------------------------------------------------------------------


class ReadOnlyListAdmin(HistoryAdmin):
    # listed and shown with their history; edited on the member's and the workspace's pages
    permissions = {"view": VIEW}
    autocomplete_fields = ("workspace", "membership")

    @admin.display(description=_("staff member"), ordering="membership__user__name")
    def member(self, obj) -> str:
        return obj.membership.user.get_full_name()


@admin.register(WorkingHours)
class WorkingHoursAdmin(ReadOnlyListAdmin):
    list_display = ("member", "weekday", "start", "end", "workspace")
    list_filter = ("weekday", "workspace")
    search_fields = ("membership__user__name", "membership__user__email", "=membership__id", "=workspace__id")
    list_select_related = ("workspace", "membership__user")
    ordering = ("workspace__name", "membership__user__name", "weekday", "start_minute")

    @admin.display(description=_("start"), ordering="start_minute")
    def start(self, obj: WorkingHours) -> str:
        return format_clock_minute(obj.start_minute)

    @admin.display(description=_("end"), ordering="end_minute")
    def end(self, obj: WorkingHours) -> str:
        return format_clock_minute(obj.end_minute)


@admin.register(TimeOff)
class TimeOffAdmin(ReadOnlyListAdmin):
    list_display = ("member", "starts_at", "ends_at", "reason", "workspace")
    list_filter = ("starts_at", "workspace")
    search_fields = ("reason", "membership__user__name", "membership__user__email", "=membership__id")
    list_select_related = ("workspace", "membership__user")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)


@admin.register(BookingPolicy)
class BookingPolicyAdmin(ReadOnlyListAdmin):
    # as GET/PATCH .../booking-policy (also edited on the workspace's page; its row is made there)
    permissions = {"view": MANAGE, "change": MANAGE}
    list_display = ("workspace", *POLICY_FIELDS)
    list_filter = ("enforce_working_hours",)
    search_fields = ("workspace__name", "=workspace__id")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    ordering = ("workspace__name",)
    fields = ("workspace", *POLICY_FIELDS)
    readonly_fields = ("workspace",)

    def save_model(self, request, obj, form, change):
        saved = actions.booking_policy_update(workspace=obj.workspace, **_policy(form))
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})
