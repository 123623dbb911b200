"""Back office in the admin: the calendar page, today's sessions on the index, calendar feeds.

The calendar is a page of the admin site itself (``admin:calendar``, added with the site's
``add_page``: signed-in members, in their workspace's zone); the index gets today's sessions per
staff member through its own template, which extends the stock one. Both read the workspace a
member works in from :func:`workspaces.admin_scope.admin_access`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backoffice import actions, views
from backoffice.models import CalendarFeed
from workspaces.admin_scope import ScopedModelAdmin
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


admin.site.add_page("calendar/", views.calendar_view, "calendar")
admin.site.index_template = "backoffice/admin_index.html"


# --------------------------------------------------------------------------------------------
# Calendar feeds
# --------------------------------------------------------------------------------------------


class CalendarFeedAddForm(forms.ModelForm):
    class Meta:
        model = CalendarFeed
        fields = ("membership",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = getattr(self, "admin_access", None)  # (set by the scoped admin)
        if "membership" in self.fields and access is not None and not access.is_superuser:
            # a member's own feed, in the workspace they work in (as POST .../members/me/calendar-feed)
            own = access.current.pk if access.current is not None else None
            field = self.fields["membership"]
            field.queryset = Membership.objects.filter(pk=own).select_related("user", "workspace")
            field.widget = forms.Select()
            field.widget.choices = field.choices
            field.empty_label = None
            self.initial["membership"] = own

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
class CalendarFeedAdmin(ScopedModelAdmin):
    """Feeds are created here (the URL is shown once) and revoked; never edited. A member sees,
    creates and revokes their own, as the API's ``members/me/calendar-feed`` lets them; superusers
    anyone's."""

    # whoever may see sessions may have a feed of their own (no "change": a feed is never edited)
    permissions = {"view": "sessions.view", "add": "sessions.view", "delete": "sessions.view"}

    form = CalendarFeedAddForm
    list_display = ("staff_member", "workspace", "live", "created_at", "revoked_at")
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

    def rows(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(membership__user=request.user)

    def get_autocomplete_fields(self, request):
        return self.autocomplete_fields if request.user.is_superuser else ()

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
