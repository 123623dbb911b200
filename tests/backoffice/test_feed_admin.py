"""Calendar feeds in the admin: created for a member (the URL shown once), revoked by an action."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient

from backoffice import actions
from backoffice.models import CalendarFeed
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/backoffice/calendarfeed/"
ADD_URL = LIST_URL + "add/"


@pytest.fixture
def superuser_http(db) -> HttpClient:
    http = HttpClient()
    http.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return http


def shown_url(response) -> str:
    match = re.search(r'value="(http://testserver/calendar/feeds/[^"]+\.ics)"', response.content.decode())
    assert match, "the feed URL is shown"
    return match.group(1)


def test_adding_a_feed_shows_its_url_once_and_it_works(superuser_http, practice):
    response = superuser_http.post(ADD_URL, {"membership": practice.specialist.pk}, follow=True)
    assert response.status_code == 200
    url = shown_url(response)
    feed = CalendarFeed.objects.get()
    assert (feed.workspace_id, feed.membership_id, feed.revoked_at) == (
        practice.workspace.pk,
        practice.specialist.pk,
        None,
    )
    assert HttpClient().get(url.removeprefix("http://testserver")).status_code == 200
    # and never again: neither the list nor the feed's page holds it
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    for page in (LIST_URL, f"{LIST_URL}{feed.pk}/change/"):
        again = superuser_http.get(page)
        assert again.status_code == 200
        assert token not in again.content.decode()


def test_adding_for_an_inactive_member_is_a_form_error(superuser_http, practice):
    practice.specialist.is_active = False
    practice.specialist.save()
    response = superuser_http.post(ADD_URL, {"membership": practice.specialist.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["membership"]
    assert not CalendarFeed.objects.exists()


def test_the_revoke_action_stops_the_urls(superuser_http, practice):
    _one, one = actions.calendar_feed_create(membership=practice.specialist)
    _two, two = actions.calendar_feed_create(membership=practice.owner)
    response = superuser_http.post(
        LIST_URL,
        {"action": "revoke_feeds", "_selected_action": list(CalendarFeed.objects.values_list("pk", flat=True))},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 calendar feed(s) revoked" in response.content.decode()
    for token in (one, two):
        assert HttpClient().get(f"/calendar/feeds/{token}.ics").status_code == 404


def test_feeds_cannot_be_edited(superuser_http, practice):
    feed, _token = actions.calendar_feed_create(membership=practice.specialist)
    response = superuser_http.post(f"{LIST_URL}{feed.pk}/change/", {"membership": practice.owner.pk})
    assert response.status_code == 403
    feed.refresh_from_db()
    assert feed.membership_id == practice.specialist.pk


def test_list_search_and_filters(superuser_http, practice):
    actions.calendar_feed_create(membership=practice.specialist)
    revoked, _token = actions.calendar_feed_create(membership=practice.owner)
    actions.calendar_feed_revoke(feed=revoked)
    assert superuser_http.get(LIST_URL).status_code == 200
    live = superuser_http.get(LIST_URL, {"state": "live"})
    assert list(live.context["cl"].result_list) == [CalendarFeed.objects.get(revoked_at__isnull=True)]
    found = superuser_http.get(LIST_URL, {"q": practice.owner.user.email})
    assert list(found.context["cl"].result_list) == [revoked]
