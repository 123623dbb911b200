"""The admin of every kind of booking: one form and one ModelAdmin base that write through the
kind's actions, exactly as the API does.

The form's validation ends by *running the write* (the kind's create or update action), so a
refusal of the booking core (a status move the lifecycle forbids, a local time that does not
exist, a staff member already busy) lands on its form field, and the double-booking check runs
once, under the staff member's lock, in the write itself. The admin's change view is one
transaction: when anything else on the page is invalid (an inline row), the page is shown again
and the write is rolled back to the savepoint taken before it, so an invalid page never writes.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from history.admin import HistoryAdmin
from workspaces.admin_base import add_domain_error, status_action
from workspaces.errors import DomainError
from workspaces.models import Client, Membership, Workspace
from workspaces.search import search_key
from workspaces.timezones import utc_to_local

NOT_IN_WORKSPACE = _("Choose one of this workspace's.")
NOT_ACTIVE_MEMBER = _("Choose an active member of this workspace.")
MARK_AS = _("Mark selected %(verbose_name_plural)s as “%(status)s”")


class BookingAdminForm(forms.ModelForm):
    """References inside the booking's workspace; the write itself once everything is valid."""

    #: set by the admin (:func:`workspaces.admin_scope.scoped_form_class`)
    model_admin: BookingAdmin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved: Booking | None = None
        self.savepoint: str | None = None
        if "staff" in self.fields:
            self.fields["staff"].queryset = Membership.objects.filter(is_active=True).select_related("user")

    def booking_workspace(self) -> Workspace | None:
        return self.cleaned_data.get("workspace") or (self.instance.workspace if self.instance.workspace_id else None)

    def clean(self):
        cleaned = super().clean()
        workspace = self.booking_workspace()
        if workspace is None:
            return cleaned
        client: Client | None = cleaned.get("client")
        if client is not None and client.workspace_id != workspace.pk:
            self.add_error("client", NOT_IN_WORKSPACE)
        staff: Membership | None = cleaned.get("staff")
        if staff is not None and (staff.workspace_id != workspace.pk or not staff.is_active):
            self.add_error("staff", NOT_ACTIVE_MEMBER)
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The changed model fields and their new values (a change form)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        # a savepoint to return to when something else on the page turns out invalid
        self.savepoint = transaction.savepoint()
        try:
            if self.instance._state.adding:
                self.saved = self.model_admin.booking_create(self)
            else:
                self.saved = self.model_admin.booking_update(self.instance, self)
        except DomainError as exc:
            transaction.set_rollback(False)  # (an action without a savepoint of its own marked it)
            transaction.savepoint_rollback(self.savepoint)  # the refused write leaves nothing behind
            self.savepoint = None
            add_domain_error(self, exc)
            return
        # the page goes on with what was written: inlines, the change message, the redirect
        self.instance.__dict__.update({k: v for k, v in self.saved.__dict__.items() if k != "_state"})
        self.instance._state.adding, self.instance._state.db = False, self.saved._state.db


def _mark_as(status_label):
    """The bulk action's label: Django fills in ``%(verbose_name_plural)s``, we fill in the status."""
    return lazy(
        lambda: str(MARK_AS) % {"verbose_name_plural": "%(verbose_name_plural)s", "status": status_label}, str
    )()


class BookingAdmin(HistoryAdmin):
    """Base of every kind's admin: writes through :meth:`booking_create` and :meth:`booking_update`
    (the kind's actions), one bulk action per status a move can lead to, search by the client's
    folded name, and a booking never moved to another workspace."""

    form = BookingAdminForm
    list_select_related = ("workspace", "client", "staff__user")
    history_select_related = ("staff__user",)
    date_hierarchy = "date"
    ordering = ("-date", "-start_time", "-id")
    show_full_result_count = False
    list_per_page = 50
    # the real instants in the booking's workspace zone, labelled (never a bare UTC time)
    readonly_fields = ("id", "created_at", "updated_at", "starts_local", "ends_local")

    # -- what each kind says ------------------------------------------------------------------

    def booking_create(self, form: BookingAdminForm) -> Booking:
        raise NotImplementedError

    def booking_update(self, booking: Booking, form: BookingAdminForm | None, **changes: Any) -> Booking:
        """Change ``booking`` with the form's changes (or, from a bulk action, ``changes``)."""
        raise NotImplementedError

    # -- forms and saving -----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        pass  # written by the form's validation (BookingAdminForm._post_clean)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if request.method == "POST" and getattr(form, "savepoint", None):
            # shown again: something on the page was invalid, so what the form wrote is undone
            transaction.savepoint_rollback(form.savepoint)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_readonly_fields(self, request, obj=None):
        # a booking never moves to another practice: its client, services and staff are there
        return (*self.readonly_fields, "workspace") if obj is not None else self.readonly_fields

    # -- bulk status moves, one per status the lifecycle can lead to ------------------------------

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        moves = []
        for status in model.lifecycle.targets:
            label = model.lifecycle.statuses(status).label
            moves.append(status_action(status=status, label=label, description=_mark_as(label), move=self._move))
        self.actions = [*(self.actions or ()), *moves]

    def _move(self, booking: Booking, status: str) -> None:
        self.booking_update(booking, None, status=status)

    # -- search ---------------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:  # also the client's name, email or phone as the clients' search folds them (Arabic too)
            results = results | queryset.filter(client__search_text__contains=key)
        return results, may_have_duplicates

    # -- the real instants, in the workspace's zone -------------------------------------------

    @admin.display(description=_("starts (real time)"))
    def starts_local(self, obj: Booking):
        return _instant(obj, obj.starts_at)

    @admin.display(description=_("ends (real time)"))
    def ends_local(self, obj: Booking):
        return _instant(obj, obj.ends_at)

    @admin.display(description=_("staff member"), ordering="staff__user__name")
    def staff_name(self, obj: Booking) -> str:
        if obj.staff_id is None:
            return "—"
        return obj.staff.user.get_full_name()


def _instant(booking: Booking, instant):
    """``instant`` as the booking's workspace reads it: its date in the user's language, HH:mm and
    the zone named, then the same instant in UTC (a bare UTC time is never shown)."""
    if instant is None or not booking.workspace_id:
        return "—"
    zone = booking.workspace.timezone
    local = utc_to_local(instant, zone)
    when = f"{date_format(local.date(), 'DATE_FORMAT')}, {local:%H:%M}"
    if zone == "UTC":
        return format_html('<time datetime="{}">{} <span dir="ltr">UTC</span></time>', instant.isoformat(), when)
    return format_html(
        '<time datetime="{}">{} <span dir="ltr">({})</span></time> · <span dir="ltr">{} UTC</span>',
        instant.isoformat(),
        when,
        zone,
        f"{utc_to_local(instant, 'UTC'):%H:%M}",
    )
