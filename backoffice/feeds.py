"""iCalendar (.ics) feeds: a staff member's sessions of both kinds, for calendar apps to subscribe to.

Events carry stable UIDs (``<kind>-<id>@`` a fixed domain, never the request's host), local
DTSTART/DTEND with the workspace's TZID and a VTIMEZONE built from the same tz database the app
uses, STATUS (CANCELLED for cancelled and no-show), and LAST-MODIFIED from the row. Every text
(names, topics, places) goes in as an escaped iCalendar TEXT value with its control characters
dropped, so that no value can end a line or add a property.

A feed is built once per version (:func:`feed_version`: the member's bookings of both kinds in
the window, what their events show of clients and services, the workspace, the member, the day)
and kept in the shared cache, one entry per feed (a new version replaces the old); it is
answered with an ``ETag`` and ``Last-Modified``, and a calendar app that already has that
version gets a 304.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.http import http_date
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from backoffice.actions import ID_LENGTH, SECRET_BYTES, token_hash
from backoffice.models import CalendarFeed
from backoffice.selectors import entries_between, feed_window
from bookings.models import booking_models
from bookings.time import MAX_SPAN
from services.models import Service
from workspaces.ids import is_object_id
from workspaces.models import Client
from workspaces.timezones import UTC, utc_to_local

#: the right-hand side of every UID: fixed, so UIDs stay the same whatever host serves the feed
UID_DOMAIN = "calendar.practice-management.invalid"
PRODID = "-//Practice management//Calendar feed//EN"
#: how often subscribed apps should fetch again
REFRESH = timedelta(hours=1)
MIN_TOKEN_LENGTH = ID_LENGTH + (SECRET_BYTES * 4 + 2) // 3  # id + 43 URL-safe characters
#: bumped whenever what a feed's body holds changes shape, so that cached bodies are not reused
FEED_FORMAT = 2
#: how long a built feed is kept (its version names its day, so a day is as long as one can serve)
CACHE_SECONDS = 24 * 60 * 60
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


def booking_uid(kind: str, booking_id: str) -> str:
    """A booking's UID in every calendar object about it (feeds, the emails' invitations)."""
    return f"{kind}-{booking_id}@{UID_DOMAIN}"


def ics_text(value) -> vText:
    """``value`` as an iCalendar TEXT value: line breaks kept as escaped ``\\n``, every other
    control character dropped (RFC 5545 allows none in TEXT), ``,;\\`` escaped by vText."""
    text = str(value or "").replace("\r\n", "\n").translate(_LINE_BREAKS)
    return vText("".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc"))


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
        observance.add("tzname", ics_text(name))
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
    calendar.add("x-wr-calname", ics_text(f"{workspace.name} · {membership.user.name or membership.user.email}"))
    calendar.add("x-wr-timezone", tz_name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    if tz_name != "UTC":
        first = min([start, *(entry.starts_at for entry in entries)])
        last = max([end, *(entry.ends_at for entry in entries)])
        calendar.add_component(vtimezone(tz_name, first.year, last.year))
    for entry in entries:
        event = Event()
        event.add("uid", booking_uid(entry.kind, entry.id))
        event.add("dtstamp", entry.updated_at.astimezone(UTC))
        event.add("created", entry.created_at.astimezone(UTC))
        event.add("last-modified", entry.updated_at.astimezone(UTC))
        event.add("dtstart", utc_to_local(entry.starts_at, tz_name))
        event.add("dtend", utc_to_local(entry.ends_at, tz_name))
        event.add("summary", ics_text(entry.summary))
        event.add("description", ics_text(f"{entry.kind_label} · {entry.status_label}"))
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
        if entry.location:
            event.add("location", ics_text(entry.location))
        calendar.add_component(event)
    return calendar.to_ical()


# --------------------------------------------------------------------------------------------
# Answering: one build per version, ETag / Last-Modified, 304
# --------------------------------------------------------------------------------------------

_BOOKINGS_SQL = """
    SELECT updated_at, client_id FROM {table}
     WHERE workspace_id = %(workspace)s AND staff_id = %(staff)s AND starts_at > %(low)s AND starts_at < %(high)s"""
_VERSION_SQL = """
WITH bookings AS ({bookings}
)
SELECT count(*),
       max(updated_at),
       (SELECT max(updated_at) FROM {client}
         WHERE workspace_id = %(workspace)s AND id IN (SELECT client_id FROM bookings)),
       (SELECT max(updated_at) FROM {service} WHERE workspace_id = %(workspace)s)
  FROM bookings
"""


def feed_day(now: datetime | None = None) -> datetime:
    """The instant a feed's window is counted from: the start of the UTC day, so that a feed's
    body is the same all day long for the same data (and can be kept)."""
    now = now or timezone.now()
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def feed_version(feed: CalendarFeed, day: datetime) -> str:
    """What the feed's body depends on, as a digest: the member's bookings of every kind in the
    window (how many, the latest change: a booking added, moved, changed, cancelled or deleted
    changes one or the other), the latest change of their clients and of the workspace's services
    (their names are in the events), the workspace's name and zone, the member's name, the day
    and the language. One query; it reads only rows the feed itself shows."""
    start, end = feed_window(day)
    bookings = "\n    UNION ALL".join(
        _BOOKINGS_SQL.format(table=connection.ops.quote_name(kind._meta.db_table)) for kind in booking_models()
    )
    sql = _VERSION_SQL.format(
        bookings=bookings,
        client=connection.ops.quote_name(Client._meta.db_table),
        service=connection.ops.quote_name(Service._meta.db_table),
    )
    params = {"workspace": feed.workspace_id, "staff": feed.membership_id, "low": start - MAX_SPAN, "high": end}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        bookings, latest, clients, services = cursor.fetchone()
    user = feed.membership.user
    parts = [
        FEED_FORMAT,
        feed.pk,
        day.date().isoformat(),
        translation.get_language(),
        feed.workspace.name,
        feed.workspace.timezone,
        user.name or user.email,
        bookings,
        latest and latest.isoformat(),
        clients and clients.isoformat(),
        services and services.isoformat(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def feed_response(request, feed: CalendarFeed) -> HttpResponse:
    """The feed's calendar, built at most once per version; 304 when the app has this version."""
    day = feed_day()
    version = feed_version(feed, day)
    etag = quote_etag(version)
    # one entry per feed, (version, built at, body): a new version replaces the old one
    key = f"calendar-feed:{feed.pk}"
    cached = cache.get(key)
    if cached is not None and cached[0] != version:
        cached = None
    last_modified = cached[1] if cached else None
    unchanged = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if unchanged is None:
        if cached is None:
            last_modified = int(time.time())  # when this version was first built
            cached = (version, last_modified, feed_calendar(feed, now=day))
            cache.set(key, cached, CACHE_SECONDS)
        response = HttpResponse(cached[2], content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    else:
        response = unchanged  # 304 (or 412 for a failed If-Match)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    # calendar apps revalidate every time (a 304 costs two small queries); nobody else keeps a copy
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
