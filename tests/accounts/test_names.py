"""Names are one line of text: control characters are refused by every door that writes one."""

from __future__ import annotations

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from tests import factories
from workspaces.models import Client, User, Workspace

pytestmark = pytest.mark.django_db

BAD_NAMES = [
    "Sami\nHassan",
    "Sami\r\nX-Header: 1",
    "Tab\tname",
    "Bell\x07",
    "Esc\x1b[31m",
    "Del\x7f",
    "C1\x85x",
    "L\u2028S",
]
GOOD_NAMES = ["سامي حسن", "Zoë O'Brien-Núñez", "نور‌الدين"]  # Arabic, Latin accents, a zero-width non-joiner


@pytest.fixture
def admin_browser() -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(User.objects.create_superuser(email="root@example.com", password="root-pass-123"))
    return browser


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_api_refuses_a_client_name_with_control_characters(workspace, owner, name):
    url = f"/api/v1/workspace/{workspace.pk}/clients"
    created = owner.post(url, {"name": name}, format="json")
    assert created.status_code == 400, created.content
    assert "name" in created.json()["error"]["fields"]

    client = factories.ClientFactory(workspace=workspace, name="Clara")
    patched = owner.patch(f"{url}/{client.pk}", {"name": name}, format="json")
    assert patched.status_code == 400
    client.refresh_from_db()
    assert client.name == "Clara"


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_names_in_any_script_are_accepted(workspace, owner, name):
    response = owner.post(f"/api/v1/workspace/{workspace.pk}/clients", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["client"]["name"] == name
    assert owner.patch("/api/v1/me", {"name": name}, format="json").status_code == 200
    assert owner.patch(f"/api/v1/workspace/{workspace.pk}", {"name": name}, format="json").status_code == 200


def test_the_admin_refuses_a_workspace_name_with_a_line_break(admin_browser):
    response = admin_browser.post(
        reverse("admin:workspaces_workspace_add"),
        {
            "name": "Clinic\nX",
            "timezone": "UTC",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Workspace.objects.exists()


def test_the_admin_refuses_a_user_or_client_name_with_control_characters(admin_browser, workspace):
    user = factories.UserFactory(name="Sami")
    response = admin_browser.post(
        reverse("admin:workspaces_user_change", args=[user.pk]),
        {
            "email": user.email,
            "name": "Sami\x07",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00",
        },
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    user.refresh_from_db()
    assert user.name == "Sami"

    response = admin_browser.post(
        reverse("admin:workspaces_client_add"),
        {"workspace": workspace.pk, "name": "Lai\nla", "email": "", "phone": "", "notes": ""},
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Client.objects.exists()
