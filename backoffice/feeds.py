"""iCalendar (.ics) feeds: a staff member's sessions of both kinds, for calendar apps to subscribe to.

Events carry stable UIDs (``<kind>-<id>@`` a fixed domain, never the request's host), local
DTSTART/DTEND with the workspace's TZID and a VTIMEZONE built from the same tz database the app
uses, STATUS (CANCELLED for cancelled and no-show), and LAST-MODIFIED from the row.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from functools import lru_cache

from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from backoffice.actions import ID_LENGTH, SECRET_BYTES, token_hash
from backoffice.models import CalendarFeed
from backoffice.selectors import entries_between, feed_window
from workspaces.ids import is_object_id
from workspaces.timezones import UTC, utc_to_local

#: the right-hand side of every UID: fixed, so UIDs stay the same whatever host serves the feed
UID_DOMAIN = "calendar.practice-management.invalid"
PRODID = "-//Practice management//Calendar feed//EN"
#: how often subscribed apps should fetch again
REFRESH = timedelta(hours=1)
MIN_TOKEN_LENGTH = ID_LENGTH + (SECRET_BYTES * 4 + 2) // 3  # id + 43 URL-safe characters


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed the token opens, or None (unknown, wrong secret, revoked, member or workspace gone)."""
    if len(token) < MIN_TOKEN_LENGTH or not is_object_id(token[:ID_LENGTH]):
        return None
    feed = CalendarFeed.objects.select_related("workspace", "membership__user").filter(pk=token[:ID_LENGTH]).first()
    if feed is None or not hmac.compare_digest(feed.token_hash, token_hash(token)):
        return None
    membership, workspace = feed.membership, feed.workspace
    if feed.revoked_at is not None or not (membership.is_active and membership.user.is_active):
        return None
    if not workspace.is_active or workspace.subscription_expired:
        return None
    return feed


def _offset(instant: datetime, tz_name: str) -> timedelta:
    return utc_to_local(instant, tz_name).utcoffset()


def zone_transitions(tz_name: str, start: datetime, end: datetime) -> list[datetime]:
    """The instants in [start, end) at which ``tz_name``'s UTC offset changes, to the second."""
    found = []
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if _offset(day, tz_name) != _offset(following, tz_name):
            low, high = day, following  # offset(low) is the old one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(middle, tz_name) == _offset(low, tz_name):
                    low = middle
                else:
                    high = middle
            found.append(high)
        day = following
    return found


@lru_cache(maxsize=256)
def vtimezone(tz_name: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of ``tz_name`` from ``first_year`` through ``last_year``, as RFC 5545 §3.6.5 has it.

    Each observance's DTSTART is the onset as a local time *in the offset before it*
    (TZOFFSETFROM): 02:00 for Europe's spring change, 03:00 for the autumn one. (icalendar's
    ``Timezone.from_tzinfo`` writes the spring onset as 03:00, an hour late for a reader that
    goes by the VTIMEZONE.) Later onsets of the same observance are RDATEs. Built from the
    same tz database as everything else, and cached: it only changes with the years asked.
    """
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    component = Timezone()
    component.add("tzid", tz_name)
    observances: dict[tuple, list[datetime]] = {}
    first = utc_to_local(start, tz_name)
    # what is in force when the window opens, "starting" then
    observances[(first.utcoffset(), first.utcoffset(), first.tzname(), bool(first.dst()))] = [
        first.replace(tzinfo=None)
    ]
    for instant in zone_transitions(tz_name, start, end):
        before = _offset(instant - timedelta(seconds=1), tz_name)
        after = utc_to_local(instant, tz_name)
        key = (before, after.utcoffset(), after.tzname(), bool(after.dst()))
        observances.setdefault(key, []).append((instant + before).replace(tzinfo=None))
    for (offset_from, offset_to, name, daylight), onsets in observances.items():
        observance = TimezoneDaylight() if daylight else TimezoneStandard()
        observance.add("tzname", name or "")
        observance.add("tzoffsetfrom", offset_from)
        observance.add("tzoffsetto", offset_to)
        observance.add("dtstart", onsets[0])
        for onset in onsets[1:]:
            observance.add("rdate", onset)
        component.add_component(observance)
    return component


def feed_calendar(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed's calendar: the member's sessions of both kinds from 90 days back to 365 ahead."""
    now = now or timezone.now()
    workspace, membership = feed.workspace, feed.membership
    tz_name = workspace.timezone
    start, end = feed_window(now)
    entries = entries_between(workspace=workspace, start=start, end=end, staff_id=membership.pk)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{workspace.name} · {membership.user.name or membership.user.email}")
    calendar.add("x-wr-timezone", tz_name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    if tz_name != "UTC":
        first = min([start, *(entry.starts_at for entry in entries)])
        last = max([end, *(entry.ends_at for entry in entries)])
        calendar.add_component(vtimezone(tz_name, first.year, last.year))
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry.kind}-{entry.id}@{UID_DOMAIN}")
        event.add("dtstamp", entry.updated_at.astimezone(UTC))
        event.add("created", entry.created_at.astimezone(UTC))
        event.add("last-modified", entry.updated_at.astimezone(UTC))
        event.add("dtstart", utc_to_local(entry.starts_at, tz_name))
        event.add("dtend", utc_to_local(entry.ends_at, tz_name))
        event.add("summary", entry.summary)
        kind = entry.kind_label
        event.add("description", f"{kind} · {entry.status_label}")
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
        if entry.location:
            event.add("location", entry.location)
        calendar.add_component(event)
    return calendar.to_ical()
