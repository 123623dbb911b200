"""Back office in the admin: the calendar page, today's sessions on the index, calendar feeds.

The calendar is a page of the admin site itself (``admin:calendar``, staff only through
``admin_view``), added by wrapping the site's URLs; the index gets today's sessions per staff
member through its own template, which extends the stock one.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice import actions, views
from backoffice.models import CalendarFeed
from workspaces.models import Membership

FEED_CREATED = _(
    "Calendar feed URL for %(member)s — copy it now, it is shown only once (add it to Google Calendar, "
    "Outlook or Apple Calendar as a subscription by URL):"
)
FEEDS_REVOKED = _("%(count)d calendar feed(s) revoked: their URLs no longer work.")
NOT_ACTIVE_MEMBER = _("Choose an active member.")


# --------------------------------------------------------------------------------------------
# The calendar page and the index
# --------------------------------------------------------------------------------------------


def _with_backoffice_urls(get_urls):
    def get_urls_with_calendar():
        return [path("calendar/", admin.site.admin_view(views.calendar_view), name="calendar"), *get_urls()]

    get_urls_with_calendar.backoffice = True
    return get_urls_with_calendar


if not getattr(admin.site.get_urls, "backoffice", False):
    admin.site.get_urls = _with_backoffice_urls(admin.site.get_urls)
admin.site.index_template = "backoffice/admin_index.html"


# --------------------------------------------------------------------------------------------
# Calendar feeds
# --------------------------------------------------------------------------------------------


class CalendarFeedAddForm(forms.ModelForm):
    class Meta:
        model = CalendarFeed
        fields = ("membership",)

    def clean_membership(self) -> Membership:
        membership = self.cleaned_data["membership"]
        if not membership.is_active:
            raise forms.ValidationError(NOT_ACTIVE_MEMBER)
        return membership


class LiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("Live")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Feeds are created here (the URL is shown once) and revoked; never edited."""

    form = CalendarFeedAddForm
    list_display = ("staff_member", "workspace", "live", "created_at", "revoked_at", "id")
    list_filter = (LiveFilter, "workspace")
    search_fields = ("membership__user__email", "membership__user__name", "=id", "=workspace__id", "=membership__id")
    list_select_related = ("workspace", "membership__user")
    autocomplete_fields = ("membership",)
    readonly_fields = ("id", "workspace", "membership", "created_at", "updated_at", "revoked_at")
    actions = ("revoke_feeds",)
    ordering = ("-created_at", "id")

    @admin.display(description=_("staff member"), ordering="membership__user__email")
    def staff_member(self, obj: CalendarFeed) -> str:
        user = obj.membership.user
        return f"{user.name} <{user.email}>" if user.name else user.email

    @admin.display(description=_("live"), boolean=True)
    def live(self, obj: CalendarFeed) -> bool:
        return obj.is_live

    def get_fields(self, request, obj=None):
        return ("membership",) if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a feed is never edited: revoke it (the action) and create another

    def save_model(self, request, obj: CalendarFeed, form, change: bool) -> None:
        feed, token = actions.calendar_feed_create(membership=form.cleaned_data["membership"])
        obj.pk, obj.workspace_id, obj.created_at, obj.updated_at = (
            feed.pk,
            feed.workspace_id,
            feed.created_at,
            feed.updated_at,
        )
        obj.token_hash = feed.token_hash
        obj._state.adding, obj._state.db = False, feed._state.db
        request._backoffice_feed_url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))

    def response_add(self, request, obj, post_url_continue=None):
        url = getattr(request, "_backoffice_feed_url", None)
        if url:
            member = obj.membership.user.name or obj.membership.user.email
            messages.success(
                request,
                format_html(
                    '{} <input class="vTextField" readonly size="90" value="{}" aria-label="{}">',
                    FEED_CREATED % {"member": member},
                    url,
                    _("Calendar feed URL"),
                ),
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Revoke selected calendar feeds"), permissions=["delete"])
    def revoke_feeds(self, request, queryset):
        count = 0
        for feed in queryset.filter(revoked_at__isnull=True):
            actions.calendar_feed_revoke(feed=feed)
            count += 1
        self.message_user(request, FEEDS_REVOKED % {"count": count}, messages.SUCCESS)
