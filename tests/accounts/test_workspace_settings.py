"""GET/PATCH /workspace/{id}: every member reads the settings; owners and admins change them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.access import Endpoint, assert_access_order
from tests.accounts.conftest import enrol
from tests.conftest import bearer
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def workspace_url(workspace, prefix: str = "/api/v1") -> str:
    return f"{prefix}/workspace/{workspace.pk}"


ENDPOINTS = {
    "retrieve": Endpoint("GET", workspace_url, "workspace.view"),
    "update": Endpoint("PATCH", workspace_url, "workspace.manage", body=lambda ws: {"language": "ar"}),
}


@pytest.mark.parametrize("action", ENDPOINTS)
def test_access_rules_for_every_role(workspace, action):
    assert_access_order(ENDPOINTS[action], workspace)


@pytest.mark.parametrize("path", ["/api/v1/workspace/{id}", "/api/v1/workspace/{id}/", "/v1/workspace/{id}"])
def test_every_member_reads_the_workspace(workspace, member_client, path):
    workspace.timezone = "Africa/Cairo"
    workspace.subscription_expires_at = timezone.now() + timedelta(days=3)
    workspace.save()

    response = member_client("viewer").get(path.format(id=workspace.pk))

    assert response.status_code == 200, response.content
    body = response.json()["workspace"]
    assert set(body) == {
        "id",
        "name",
        "timezone",
        "language",
        "reminderHours",
        "subscriptionExpiresAt",
        "requireTwoFactor",
        "createdAt",
        "updatedAt",
    }
    assert body["id"] == workspace.pk
    assert body["timezone"] == "Africa/Cairo"
    assert body["language"] == "en"
    assert body["reminderHours"] == [24]
    assert body["requireTwoFactor"] is False
    assert body["subscriptionExpiresAt"].endswith("Z")


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_change_the_settings(workspace, member_client, role):
    client = member_client(role)
    body = {"name": "  Cairo Clinic ", "timezone": "Africa/Cairo", "language": "ar", "reminderHours": [2, 48]}

    response = client.patch(workspace_url(workspace), body, format="json")

    assert response.status_code == 200, response.content
    answered = response.json()["workspace"]
    assert answered["name"] == "Cairo Clinic"
    assert answered["timezone"] == "Africa/Cairo"
    assert answered["language"] == "ar"
    assert answered["reminderHours"] == [48, 2]  # stored largest first
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone, workspace.language, workspace.reminder_hours) == (
        "Cairo Clinic",
        "Africa/Cairo",
        "ar",
        [48, 2],
    )


def test_no_reminders_at_all_is_allowed(workspace, owner):
    response = owner.patch(workspace_url(workspace), {"reminderHours": []}, format="json")
    assert response.status_code == 200
    assert response.json()["workspace"]["reminderHours"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reminderHours": [1, 2, 3, 4]}, "reminderHours"),
        ({"reminderHours": [0]}, "reminderHours"),
        ({"reminderHours": [169]}, "reminderHours"),
        ({"reminderHours": [1.5]}, "reminderHours"),
        ({"reminderHours": ["24"]}, "reminderHours"),
        ({"reminderHours": [24, 24]}, "reminderHours"),
        ({"reminderHours": 24}, "reminderHours"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"language": "fr"}, "language"),
        ({"name": ""}, "name"),
        ({"name": "Clinic\r\nX-Injected: 1"}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"requireTwoFactor": "yes"}, "requireTwoFactor"),
    ],
)
def test_bad_settings_are_400_naming_the_field(workspace, owner, body, field):
    response = owner.patch(workspace_url(workspace), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    fresh = Workspace.objects.get(pk=workspace.pk)
    assert (fresh.name, fresh.language, fresh.reminder_hours) == (workspace.name, "en", [24])


def test_the_subscription_and_server_fields_are_not_taken_from_the_body(workspace, owner):
    before = Workspace.objects.get(pk=workspace.pk)
    body = {"subscriptionExpiresAt": "2000-01-01T00:00:00.000Z", "id": "0" * 24, "createdAt": "2000-01-01T00:00:00Z"}

    response = owner.patch(workspace_url(workspace), body, format="json")

    assert response.status_code == 200
    after = Workspace.objects.get(pk=workspace.pk)
    assert after.subscription_expires_at == before.subscription_expires_at
    assert after.created_at == before.created_at


def test_requiring_two_factor_needs_it_on_the_callers_own_account_first(workspace, member_client):
    owner = member_client("owner")

    refused = owner.patch(workspace_url(workspace), {"requireTwoFactor": True}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "two_factor_not_enabled"
    assert refused.json()["error"]["fields"] == {"requireTwoFactor": [refused.json()["error"]["message"]]}

    enrol(owner.user)
    accepted = bearer(owner.user).patch(workspace_url(workspace), {"requireTwoFactor": True}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["workspace"]["requireTwoFactor"] is True


def test_a_workspace_requiring_two_factor_refuses_unenrolled_members_until_they_enrol(workspace, member_client):
    # given a workspace whose owner requires two-factor, and a specialist without it
    specialist = member_client("specialist")
    workspace.require_two_factor = True
    workspace.save()
    clients_url = f"/api/v1/workspace/{workspace.pk}/clients"

    # then every endpoint of that workspace refuses them, naming why
    for response in (specialist.get(clients_url), specialist.get(workspace_url(workspace))):
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "two_factor_required"
    # while their account's own endpoints still answer (that is where they enrol)
    assert specialist.get("/api/v1/me").status_code == 200

    # and once enrolled, the same token opens the workspace
    enrol(specialist.user)
    assert specialist.get(clients_url).status_code == 200


def test_another_workspaces_settings_are_404_and_unchanged(workspace, other_workspace, owner):
    response = owner.patch(workspace_url(other_workspace), {"name": "Mine now"}, format="json")
    assert response.status_code == 404
    other_workspace.refresh_from_db()
    assert other_workspace.name == "Other practice"


@pytest.mark.parametrize("method", ["put", "delete", "post"])
def test_other_methods_are_405(workspace, owner, method):
    response = getattr(owner, method)(workspace_url(workspace), {}, format="json")
    assert response.status_code == 405


def test_reading_the_workspace_costs_one_query(workspace, member_client, django_assert_num_queries):
    client = member_client("viewer")
    # 1. the membership with its workspace (which is the answer) and its user (the token's)
    with django_assert_num_queries(1):
        assert client.get(workspace_url(workspace)).status_code == 200


def test_the_database_refuses_bad_reminder_hours_whatever_the_door(workspace):
    from django.db import IntegrityError, transaction

    for bad in ([1, 2, 3, 4], [0], [200]):
        with pytest.raises(IntegrityError), transaction.atomic():
            Workspace.objects.filter(pk=workspace.pk).update(reminder_hours=bad)


def test_new_rows_written_without_the_new_columns_get_their_defaults(db):
    # bulk loaders (seed_demo's COPY) name their columns: the new ones have database defaults
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workspaces_workspace (id, created_at, updated_at, name, timezone, is_active) "
            "VALUES ('0123456789abcdef01234567', now(), now(), 'Raw', 'UTC', true)"
        )
    raw = Workspace.objects.get(pk="0123456789abcdef01234567")
    assert (raw.language, raw.reminder_hours, raw.require_two_factor) == ("en", [24], False)
    assert factories.UserFactory().language == "en"
