"""Creating and revoking calendar feed URLs."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from backoffice.models import CalendarFeed
from workspaces.ids import new_object_id
from workspaces.models import Membership

#: random bytes in a token's secret part (43 URL-safe characters)
SECRET_BYTES = 32
ID_LENGTH = 24


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, membership: Membership) -> tuple[CalendarFeed, str]:
    """A new feed for ``membership`` and its token, which is shown once and never stored.

    The member's previous live feed, if any, is revoked: one live URL per staff member.
    """
    with transaction.atomic():
        # two creates for one member serialise here instead of colliding on calendar_feed_one_live
        list(Membership.objects.select_for_update().filter(pk=membership.pk).values_list("pk", flat=True))
        calendar_feeds_revoke(membership=membership)
        feed_id = new_object_id()
        token = feed_id + secrets.token_urlsafe(SECRET_BYTES)
        feed = CalendarFeed.objects.create(
            id=feed_id, workspace_id=membership.workspace_id, membership=membership, token_hash=token_hash(token)
        )
    return feed, token


def calendar_feeds_revoke(*, membership: Membership) -> int:
    """Revoke the member's live feed(s); the number revoked."""
    return CalendarFeed.objects.filter(
        workspace_id=membership.workspace_id, membership=membership, revoked_at__isnull=True
    ).update(revoked_at=timezone.now(), updated_at=timezone.now())


def calendar_feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
    return feed
