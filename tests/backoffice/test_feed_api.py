"""POST/DELETE /api/v1/workspace/{id}/members/me/calendar-feed: the caller's own feed URL."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from backoffice.models import CalendarFeed
from tests.access import Endpoint, assert_access_order
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def path(workspace, prefix: str = "/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}/members/me/calendar-feed"


def local_path(url: str) -> str:
    assert url.startswith("http://testserver/calendar/feeds/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_access_order_and_role_table(workspace, method):
    assert_access_order(Endpoint(method, path, "sessions.view"), workspace)


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
def test_post_answers_a_working_url_and_a_second_post_replaces_it(practice, prefix):
    api = bearer(practice.specialist.user)
    response = api.post(path(practice.workspace, prefix))
    assert response.status_code == 201, response.content
    first = response.json()["url"]
    assert set(response.json()) == {"url"}
    assert HttpClient().get(local_path(first)).status_code == 200
    # a second POST gives a new URL and the first stops working
    second = api.post(path(practice.workspace, prefix) + "/").json()["url"]
    assert second != first
    assert HttpClient().get(local_path(first)).status_code == 404
    assert HttpClient().get(local_path(second)).status_code == 200


def test_delete_revokes_and_is_harmless_when_there_is_nothing_to_revoke(practice):
    api = bearer(practice.specialist.user)
    url = api.post(path(practice.workspace)).json()["url"]
    assert api.delete(path(practice.workspace)).status_code == 204
    assert HttpClient().get(local_path(url)).status_code == 404
    assert api.delete(path(practice.workspace)).status_code == 204


def test_the_feed_is_the_callers_own_in_that_workspace(practice):
    url = bearer(practice.specialist.user).post(path(practice.workspace)).json()["url"]
    feed = CalendarFeed.objects.get(revoked_at__isnull=True)
    assert (feed.workspace_id, feed.membership_id) == (practice.workspace.pk, practice.specialist.pk)
    # and revoking one's own leaves a colleague's alone
    colleague = bearer(practice.owner.user)
    colleague_url = colleague.post(path(practice.workspace)).json()["url"]
    colleague.delete(path(practice.workspace))
    assert HttpClient().get(local_path(url)).status_code == 200
    assert HttpClient().get(local_path(colleague_url)).status_code == 404


def test_the_url_is_never_replayed_from_storage(practice):
    # an Idempotency-Key is not honoured here: replaying would mean storing the secret URL
    api = bearer(practice.specialist.user)
    one = api.post(path(practice.workspace), HTTP_IDEMPOTENCY_KEY="k1").json()["url"]
    two = api.post(path(practice.workspace), HTTP_IDEMPOTENCY_KEY="k1").json()["url"]
    assert one != two
    from workspaces.models import IdempotencyRecord

    assert not IdempotencyRecord.objects.exists()


def test_other_methods_are_405(practice):
    api = bearer(practice.specialist.user)
    assert api.get(path(practice.workspace)).status_code == 405
    assert api.patch(path(practice.workspace), {}).status_code == 405


def test_documented_in_the_schema(api_client):
    response = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    operations = response.json()["paths"]["/api/v1/workspace/{workspace_id}/members/me/calendar-feed"]
    assert set(operations) >= {"post", "delete"}
    assert "201" in operations["post"]["responses"]
