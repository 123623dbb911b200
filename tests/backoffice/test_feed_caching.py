"""Calendar feeds: every text escaped, whatever a name holds; one build per version, answered with
ETag / Last-Modified and 304 when the calendar app already has it."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django.utils.http import http_date
from icalendar import Calendar

from backoffice import actions
from backoffice.models import CalendarFeed
from nutrition.models import NutritionSession
from services.models import Service
from sessions.models import Session
from workspaces.models import Client, User, Workspace

pytestmark = pytest.mark.django_db


def fetch(token: str, **headers):
    return HttpClient().get(f"/calendar/feeds/{token}.ics", **headers)


@pytest.fixture
def feed(practice):
    today = timezone.localdate()
    session = practice.session(today + dt.timedelta(days=1), "10:00", services=practice.services)
    consultation = practice.consultation(today + dt.timedelta(days=2), "09:00", location="Room 2")
    _feed, token = actions.calendar_feed_create(membership=practice.specialist)
    return token, session, consultation


# --- every text escaped ----------------------------------------------------------------------


def test_names_with_line_breaks_and_control_characters_cannot_break_the_feed(practice, feed):
    # given names a bulk load or an old row may hold (the forms and the API refuse them now)
    token, _session, consultation = feed
    Workspace.objects.filter(pk=practice.workspace.pk).update(name="Praxis\r\nEND:VCALENDAR")
    User.objects.filter(pk=practice.specialist.user_id).update(name="Sami\nBEGIN:VEVENT\nSUMMARY:injected")
    Client.objects.filter(pk=practice.client.pk).update(name="Clara\x01\x07; Client, \\ x\u2028y")
    NutritionSession.objects.filter(pk=consultation.pk).update(location="Room 2\r\nATTENDEE:mailto:x@evil.example")

    # when the feed is fetched
    response = fetch(token)

    # then it is a well-formed calendar: every line a CRLF-ended content line, no control
    # character, and nothing but the two events
    assert response.status_code == 200
    raw = response.content.decode()
    lines = raw.split("\r\n")
    assert lines[-1] == ""
    assert not any(re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line) for line in lines)
    assert lines.count("BEGIN:VEVENT") == 2 and lines.count("END:VCALENDAR") == 1
    assert not [line for line in lines if line.startswith(("ATTENDEE", "SUMMARY:injected"))]
    calendar = Calendar.from_ical(response.content)
    unfolded = raw.replace("\r\n ", "").split("\r\n")
    assert "X-WR-CALNAME:Praxis\\nEND:VCALENDAR · Sami\\nBEGIN:VEVENT\\nSUMMARY:injected" in unfolded
    events = {str(event["UID"]).split("-")[0]: event for event in calendar.walk("VEVENT")}
    assert str(events["session"]["SUMMARY"]).startswith("Clara; Client, \\ x\ny · ")
    assert str(events["consultation"]["LOCATION"]) == "Room 2\nATTENDEE:mailto:x@evil.example"


# --- caching ---------------------------------------------------------------------------------


def test_the_feed_carries_an_etag_and_last_modified_and_answers_304_on_a_match(feed):
    token, _session, _consultation = feed

    first = fetch(token)

    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first["Cache-Control"] == "private, no-cache"
    for headers in ({"HTTP_IF_NONE_MATCH": etag}, {"HTTP_IF_MODIFIED_SINCE": last_modified}):
        again = fetch(token, **headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert again["ETag"] == etag
    assert fetch(token, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def changes(practice, session, consultation):
    """Each a change that a calendar app must see."""
    today = timezone.localdate()
    return {
        "a booking moved": lambda: Session.objects.get(pk=session.pk).save(),
        "a consultation changed": lambda: NutritionSession.objects.get(pk=consultation.pk).save(),
        "a booking added": lambda: practice.consultation(today + dt.timedelta(days=9), "12:00"),
        "a booking deleted": lambda: Session.objects.filter(pk=session.pk).delete(),
        "the client renamed": lambda: Client.objects.get(pk=practice.client.pk).save(),
        "a service renamed": lambda: Service.objects.get(pk=practice.services[0].pk).save(),
        "the workspace renamed": lambda: Workspace.objects.filter(pk=practice.workspace.pk).update(name="Neu"),
        "the member renamed": lambda: User.objects.filter(pk=practice.specialist.user_id).update(name="Sam"),
    }


@pytest.mark.parametrize(
    "change",
    [
        "a booking moved",
        "a consultation changed",
        "a booking added",
        "a booking deleted",
        "the client renamed",
        "a service renamed",
        "the workspace renamed",
        "the member renamed",
    ],
)
def test_the_cached_feed_lasts_until_something_it_shows_changes(practice, feed, change):
    token, session, consultation = feed
    before = fetch(token)
    time.sleep(0.01)  # updated_at has microseconds: a change is a later instant

    changes(practice, session, consultation)[change]()

    after = fetch(token, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200, change
    assert after["ETag"] != before["ETag"]


def test_another_members_bookings_do_not_change_the_feed(practice, feed):
    token, _session, _consultation = feed
    before = fetch(token)

    practice.session(timezone.localdate() + dt.timedelta(days=1), "15:00", staff=practice.owner)

    assert fetch(token, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def test_a_revoked_feed_is_404_even_while_its_body_is_cached(practice, feed):
    token, _session, _consultation = feed
    etag = fetch(token)["ETag"]

    actions.calendar_feed_revoke(feed=CalendarFeed.objects.get(pk=token[:24]))

    assert fetch(token).status_code == 404
    assert fetch(token, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_last_modified_is_when_the_version_was_first_built(feed):
    token, session, _consultation = feed
    before = int(time.time())
    first = fetch(token)
    assert first["Last-Modified"] in {http_date(before), http_date(before + 1)}
    time.sleep(1.1)
    assert fetch(token)["Last-Modified"] == first["Last-Modified"]  # the cached version
    Session.objects.get(pk=session.pk).save()
    assert fetch(token)["Last-Modified"] != first["Last-Modified"]
