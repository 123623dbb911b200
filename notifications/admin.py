"""What left the product, in the back office: every email with its state, reminders, webhook
endpoints (with their history) and deliveries with each attempt. Emails, reminders and
deliveries are records: read-only, with actions to send a failed email again and to retry a
delivery (through the same actions as the API).

Scoped like every admin (:mod:`workspaces.admin_scope`): every member reads the emails and
reminders of the workspace they work in (what they say is what the sessions show), staff who may
change sessions send a failed one again; webhook endpoints and deliveries are owners' and admins'
(``webhooks.manage``, as in the API).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from history.admin import HistoryAdmin
from notifications import actions, queue
from notifications.events import EVENT_TYPES
from notifications.models import (
    DeliveryState,
    Email,
    EmailState,
    Reminder,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from workspaces.admin_base import add_domain_error
from workspaces.admin_scope import ScopedModelAdmin, ScopedTabularInline
from workspaces.errors import DomainError

SECRET_SHOWN_ONCE = _("The endpoint's signing secret, shown this once: %(secret)s")
WEBHOOKS = "webhooks.manage"


@admin.register(Email)
class EmailAdmin(ScopedModelAdmin):
    # a record of what was sent: listed and shown, never added, edited or deleted by hand
    permissions = {"view": "sessions.view", "resend": "sessions.update"}
    list_display = ("created_at", "workspace", "to", "kind", "state", "language", "attempts", "sent_at", "subject")
    list_filter = ("state", "kind", "language", "workspace")
    search_fields = ("to", "subject", "=booking_id", "=id")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "id",
        "workspace",
        "kind",
        "state",
        "to",
        "language",
        "booking_kind",
        "booking_id",
        "history_id",
        "sequence",
        "attempts",
        "last_error",
        "sent_at",
        "subject",
        "body",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    actions = ["send_again"]

    @admin.action(description=_("Send the selected failed emails again"), permissions=["resend"])
    def send_again(self, request, queryset) -> None:
        from notifications import tasks

        with transaction.atomic():
            failed = list(queryset.select_for_update().filter(state=EmailState.FAILED))
            for email in failed:
                email.state, email.last_error = EmailState.QUEUED, ""
                email.save(update_fields=["state", "last_error", "updated_at"])
            queue.defer(*(queue.Job(tasks.send_email, {"email_id": email.pk}) for email in failed))
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", len(failed))
            % {"count": len(failed)},
            messages.SUCCESS,
        )


@admin.register(Reminder)
class ReminderAdmin(ScopedModelAdmin):
    permissions = {"view": "sessions.view"}
    list_display = ("due_at", "workspace", "booking_kind", "booking_id", "hours", "state", "email")
    list_filter = ("state", "booking_kind", "workspace")
    search_fields = ("=booking_id", "=id")
    list_select_related = ("workspace", "email")
    date_hierarchy = "due_at"
    show_full_result_count = False
    readonly_fields = (
        "id",
        "workspace",
        "booking_kind",
        "booking_id",
        "hours",
        "due_at",
        "state",
        "email",
        "created_at",
    )
    fields = readonly_fields


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=[(name, name) for name in EVENT_TYPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("workspace", "url", "events", "is_active")

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:  # the same address check as the API (https, public addresses)
            from notifications.addresses import check_url

            if not self.instance.pk or "url" in self.changed_data:
                check_url(self.cleaned_data["url"])
        except DomainError as exc:
            add_domain_error(self, exc)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(HistoryAdmin):
    permissions = dict.fromkeys(("view", "add", "change", "delete"), WEBHOOKS)
    form = WebhookEndpointForm
    list_display = ("url", "workspace", "is_active", "created_at", "id")
    list_filter = ("is_active", "workspace")
    search_fields = ("url", "=id", "=workspace__id")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    readonly_fields = ("id", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "workspace") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("url", "events", "is_active")}
        if change:
            saved = actions.webhook_endpoint_update(endpoint=obj, **data)
        else:
            saved = actions.webhook_endpoint_create(workspace=form.cleaned_data["workspace"], **data)
            self.message_user(request, SECRET_SHOWN_ONCE % {"secret": saved.secret}, messages.WARNING)
        obj.pk, obj.created_at, obj.updated_at, obj.secret = saved.pk, saved.created_at, saved.updated_at, saved.secret
        obj._state.adding, obj._state.db = False, saved._state.db

    def delete_model(self, request, obj):
        actions.webhook_endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            actions.webhook_endpoint_delete(endpoint=endpoint)


class WebhookAttemptInline(ScopedTabularInline):
    # (no permissions of its own: its delivery's, which is read-only)
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "error", "duration_ms", "manual")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ScopedModelAdmin):
    # a record of each delivery: listed and shown; retried (POST .../deliveries/{id}/retry)
    permissions = {"view": WEBHOOKS, "retry": WEBHOOKS}
    list_display = ("created_at", "workspace", "endpoint", "event_type", "state", "attempt_count", "last_status_code")
    list_filter = ("state", "workspace")
    search_fields = ("=event__id", "=id", "endpoint__url")
    list_select_related = ("workspace", "endpoint", "event")
    show_full_result_count = False
    readonly_fields = (
        "id",
        "workspace",
        "endpoint",
        "event",
        "state",
        "attempt_count",
        "last_status_code",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    )
    fields = readonly_fields
    inlines = (WebhookAttemptInline,)
    actions = ["retry"]

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.action(description=_("Retry the selected deliveries now"), permissions=["retry"])
    def retry(self, request, queryset) -> None:
        retried = 0
        for delivery in queryset.exclude(state=DeliveryState.PENDING):
            try:
                actions.webhook_delivery_retry(delivery=delivery)
            except DomainError:  # (became pending meanwhile)
                continue
            retried += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery retried.", "%(count)d deliveries retried.", retried) % {"count": retried},
            messages.SUCCESS,
        )
