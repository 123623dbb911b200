"""The member's own calendar feed URL: POST creates one (revoking the previous), DELETE revokes it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from backoffice import actions
from backoffice.models import CalendarFeed
from config.api.serializers import ApiSerializer
from workspaces.tenancy import WorkspaceScopedViewSet


class CalendarFeedUrlSerializer(ApiSerializer):
    url = serializers.URLField(
        help_text="The private .ics URL to subscribe to. Shown only now: it is stored hashed and cannot be read back."
    )


def feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))


@extend_schema_view(
    create=extend_schema(
        summary=_("Create my calendar feed URL"),
        description=(
            "A new private iCalendar URL of the caller's sessions of both kinds in this workspace "
            "(90 days back, 365 ahead), for Google Calendar, Outlook or Apple Calendar to subscribe to. "
            "The previous URL, if any, stops working. Not replayed by Idempotency-Key: the URL is a "
            "secret that is never stored."
        ),
        request=None,
        responses={201: CalendarFeedUrlSerializer},
    ),
    destroy=extend_schema(
        summary=_("Revoke my calendar feed URL"),
        description="The caller's feed URL stops working (404). Nothing to revoke is still a 204.",
        request=None,
        responses={204: None},
    ),
)
class MyCalendarFeedViewSet(WorkspaceScopedViewSet):
    queryset = CalendarFeed.objects.all()
    # the feed holds the member's own sessions: whoever may see sessions may have one
    permissions = {"create": "sessions.view", "destroy": "sessions.view"}

    def create(self, request, *args, **kwargs):
        _feed, token = actions.calendar_feed_create(membership=self.membership)
        return Response({"url": feed_url(request, token)}, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        actions.calendar_feeds_revoke(membership=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
