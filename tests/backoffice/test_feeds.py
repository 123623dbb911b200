"""Calendar feeds: private, revocable .ics URLs, parsed back with the icalendar library."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from icalendar import Calendar

from backoffice import actions
from backoffice.feeds import vtimezone, zone_transitions
from backoffice.models import CalendarFeed
from nutrition.models import ConsultationStatus
from sessions.models import SessionStatus
from tests import factories
from workspaces.timezones import UTC

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def feed_path(token: str) -> str:
    return f"/calendar/feeds/{token}.ics"


def fetch(token: str):
    return HttpClient().get(feed_path(token))


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def around_now(practice):
    """Sessions of the specialist near today (inside the feed's window) and some that must not show."""
    today = timezone.localdate()
    return {
        "session": practice.session(today + dt.timedelta(days=3), "10:00", 90, services=practice.services),
        "consultation": practice.consultation(today + dt.timedelta(days=4), "09:00", 45, location="Room 2"),
        "cancelled": practice.session(today - dt.timedelta(days=2), "11:00", status=SessionStatus.CANCELLED),
        "no_show": practice.consultation(today - dt.timedelta(days=5), "15:00", status=ConsultationStatus.NO_SHOW),
        # not in the feed: another staff member's, too old, too far ahead, another workspace's
        "owners": practice.session(today + dt.timedelta(days=3), "10:00", staff=practice.owner),
        "too_old": practice.session(today - dt.timedelta(days=120), "10:00"),
        "too_far": practice.consultation(today + dt.timedelta(days=400), "10:00"),
    }


def test_the_token_is_stored_only_as_its_sha256(practice):
    feed, token = actions.calendar_feed_create(membership=practice.specialist)
    assert len(token) >= 24 + 43  # the id, then 32 random bytes
    stored = CalendarFeed.objects.filter(pk=feed.pk).values().get()
    assert token not in str(stored)
    assert token[24:] not in str(stored)
    import hashlib

    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()


def test_the_feed_holds_the_members_sessions_of_both_kinds_in_the_window(practice, around_now):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    calendar = parse(fetch(token))
    found = events(calendar)
    expected = {
        f"session-{around_now['session'].pk}@calendar.practice-management.invalid",
        f"consultation-{around_now['consultation'].pk}@calendar.practice-management.invalid",
        f"session-{around_now['cancelled'].pk}@calendar.practice-management.invalid",
        f"consultation-{around_now['no_show'].pk}@calendar.practice-management.invalid",
    }
    assert set(found) == expected
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"


def test_events_have_local_times_with_tzid_summary_status_and_last_modified(practice, around_now):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    calendar = parse(fetch(token))
    found = events(calendar)
    session = around_now["session"]
    event = found[f"session-{session.pk}@calendar.practice-management.invalid"]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == session.starts_at
    assert event.decoded("DTSTART").astimezone(BERLIN).time() == dt.time(10, 0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Clara Client · Massage, Check-up"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("LAST-MODIFIED") == session.updated_at.replace(microsecond=0)
    consultation = around_now["consultation"]
    event = found[f"consultation-{consultation.pk}@calendar.practice-management.invalid"]
    assert str(event["SUMMARY"]) == f"Clara Client · {consultation.topic}"
    assert str(event["LOCATION"]) == "Room 2"
    # cancelled sessions and no-shows stay in the feed, marked cancelled
    assert str(found[f"session-{around_now['cancelled'].pk}@calendar.practice-management.invalid"]["STATUS"]) == (
        "CANCELLED"
    )
    assert str(found[f"consultation-{around_now['no_show'].pk}@calendar.practice-management.invalid"]["STATUS"]) == (
        "CANCELLED"
    )
    # and the zone is described in the file itself
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"


def test_uids_are_stable_across_fetches_and_changes(practice, around_now):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    first = events(parse(fetch(token)))
    session = around_now["session"]
    session.status = SessionStatus.COMPLETED
    session.save()
    second = events(parse(fetch(token)))
    assert set(first) == set(second)
    uid = f"session-{session.pk}@calendar.practice-management.invalid"
    assert second[uid].decoded("LAST-MODIFIED") >= first[uid].decoded("LAST-MODIFIED")


def test_times_are_right_across_the_dst_change(practice):
    # given sessions the day before and the day after Berlin's spring change, "now" in between
    before = practice.session(dt.date(2024, 3, 30), "10:00", 60)
    after = practice.session(dt.date(2024, 3, 31), "10:00", 60)
    across = practice.session(dt.date(2024, 3, 31), "01:30", 60)
    feed, _token = actions.calendar_feed_create(membership=practice.specialist)
    from backoffice.feeds import feed_calendar

    calendar = Calendar.from_ical(feed_calendar(feed, now=dt.datetime(2024, 3, 20, tzinfo=UTC)))
    found = events(calendar)

    def span(session):
        event = found[f"session-{session.pk}@calendar.practice-management.invalid"]
        return event.decoded("DTSTART"), event.decoded("DTEND")

    # then 10:00 local is 09:00 UTC before the change and 08:00 UTC after it, an hour long each
    start, end = span(before)
    assert start.astimezone(UTC) == dt.datetime(2024, 3, 30, 9, tzinfo=UTC) and end - start == dt.timedelta(hours=1)
    start, end = span(after)
    assert start.astimezone(UTC) == dt.datetime(2024, 3, 31, 8, tzinfo=UTC) and end - start == dt.timedelta(hours=1)
    # and a session across the jump ends at 03:30 local, 60 real minutes after 01:30
    start, end = span(across)
    assert (start.astimezone(BERLIN).time(), end.astimezone(BERLIN).time()) == (dt.time(1, 30), dt.time(3, 30))
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=1)
    # and the raw file says so in local time with the TZID
    text = feed_calendar(feed, now=dt.datetime(2024, 3, 20, tzinfo=UTC)).decode()
    assert "DTSTART;TZID=Europe/Berlin:20240331T100000" in text
    assert "DTEND;TZID=Europe/Berlin:20240331T033000" in text


def test_the_vtimezone_onsets_are_local_times_in_the_offset_before_the_change():
    # RFC 5545 3.6.5: Europe/Berlin's spring onset is 02:00 (+01:00), its autumn onset 03:00 (+02:00)
    zone = vtimezone("Europe/Berlin", 2024, 2024)
    daylight = next(c for c in zone.subcomponents if c.name == "DAYLIGHT")
    standard = [c for c in zone.subcomponents if c.name == "STANDARD"]
    assert daylight.decoded("DTSTART") == dt.datetime(2024, 3, 31, 2, 0)
    assert daylight.decoded("TZOFFSETFROM") == dt.timedelta(hours=1)
    assert daylight.decoded("TZOFFSETTO") == dt.timedelta(hours=2)
    autumn = next(c for c in standard if c.decoded("TZOFFSETFROM") == dt.timedelta(hours=2))
    assert autumn.decoded("DTSTART") == dt.datetime(2024, 10, 27, 3, 0)
    # and the transitions found are the real instants, to the second
    assert zone_transitions(
        "Europe/Berlin", dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2025, 1, 1, tzinfo=UTC)
    ) == [
        dt.datetime(2024, 3, 31, 1, tzinfo=UTC),
        dt.datetime(2024, 10, 27, 1, tzinfo=UTC),
    ]


def test_a_utc_workspace_writes_utc_times_without_a_vtimezone(db):
    workspace = factories.WorkspaceFactory(timezone="UTC")
    member = factories.MembershipFactory(workspace=workspace)
    from tests.sessions.factories import SessionFactory

    SessionFactory(workspace=workspace, staff=member, date=timezone.localdate(), start_time=dt.time(10))
    _feed, token = actions.calendar_feed_create(membership=member)
    calendar = parse(fetch(token))
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert calendar.walk("VTIMEZONE") == []


# --- who gets a 404 ------------------------------------------------------------------------------


def test_unknown_wrong_and_malformed_tokens_are_404(practice):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    assert fetch(token).status_code == 200
    wrong_secret = token[:24] + ("A" if token[24] != "A" else "B") + token[25:]
    assert fetch(wrong_secret).status_code == 404
    assert fetch("0" * 24 + token[24:]).status_code == 404  # unknown id
    assert fetch("short").status_code == 404
    assert fetch(token[:24]).status_code == 404
    assert HttpClient().get(f"/calendar/feeds/{token}").status_code == 404  # no .ics
    assert HttpClient().post(feed_path(token)).status_code == 405


def test_a_revoked_token_is_404(practice):
    feed, token = actions.calendar_feed_create(membership=practice.specialist)
    actions.calendar_feed_revoke(feed=feed)
    assert fetch(token).status_code == 404


def test_a_new_url_revokes_the_previous_one(practice):
    _old, old_token = actions.calendar_feed_create(membership=practice.specialist)
    _new, new_token = actions.calendar_feed_create(membership=practice.specialist)
    assert fetch(old_token).status_code == 404
    assert fetch(new_token).status_code == 200
    assert CalendarFeed.objects.filter(membership=practice.specialist, revoked_at__isnull=True).count() == 1


def test_an_inactive_member_or_user_gets_404(practice):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    practice.specialist.is_active = False
    practice.specialist.save()
    assert fetch(token).status_code == 404
    practice.specialist.is_active = True
    practice.specialist.save()
    assert fetch(token).status_code == 200
    practice.specialist.user.is_active = False
    practice.specialist.user.save()
    assert fetch(token).status_code == 404


def test_an_expired_subscription_or_inactive_workspace_gets_404(practice):
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    practice.workspace.subscription_expires_at = timezone.now() - dt.timedelta(minutes=1)
    practice.workspace.save()
    assert fetch(token).status_code == 404
    practice.workspace.subscription_expires_at = None
    practice.workspace.is_active = False
    practice.workspace.save()
    assert fetch(token).status_code == 404


def test_query_count_does_not_grow_with_sessions(practice, django_assert_num_queries):
    # A new version, built: 1 the feed with its workspace, membership and user, 2 its version
    # (bookings, clients, services: one query), 3 the cache (miss), 4 sessions with client,
    # staff, user and services, 5 consultations with client, staff and user, 6-10 keeping it
    # in the database cache (count for culling, savepoint, key, insert, release).
    # The same version again: 1-3 only (the body comes from the cache).
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    today = timezone.localdate()
    practice.session(today, "08:00")
    with django_assert_num_queries(10):
        assert fetch(token).status_code == 200
    with django_assert_num_queries(3):
        assert fetch(token).status_code == 200
    for days in range(1, 30):
        practice.session(today + dt.timedelta(days=days), "09:00", services=practice.services)
        practice.consultation(today + dt.timedelta(days=days), "11:00")
    with django_assert_num_queries(10):
        response = fetch(token)
    assert len(parse(response).walk("VEVENT")) == 59
    with django_assert_num_queries(3):
        assert fetch(token).content == response.content
