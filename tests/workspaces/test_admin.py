"""The admin: every page of the tenant core loads for a superuser, search works, saves validate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from tests import factories
from workspaces.models import Client, Membership, User, Workspace

pytestmark = pytest.mark.django_db

MODELS = ["user", "workspace", "membership", "client"]


@pytest.fixture
def admin_browser() -> BrowserClient:
    superuser = User.objects.create_superuser(email="root@example.com", password="root-pass-123")
    browser = BrowserClient()
    browser.force_login(superuser)
    return browser


@pytest.fixture
def data(workspace):
    membership = factories.MembershipFactory(workspace=workspace, role="admin", user__name="Hana Admin")
    client = factories.ClientFactory(workspace=workspace, name="Yousef Client")
    return {"user": membership.user, "workspace": workspace, "membership": membership, "client": client}


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:workspaces_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_change_and_add_pages_load(admin_browser, data, model):
    assert admin_browser.get(url(model, "changelist")).status_code == 200
    assert admin_browser.get(url(model, "change", data[model].pk)).status_code == 200
    assert admin_browser.get(url(model, "add")).status_code == 200


def results(response) -> str:
    """The changelist's result table only (not the search box, filters or breadcrumbs)."""
    page = response.content.decode()
    assert 'id="result_list"' in page, "no results table"
    return page.split('id="result_list"')[1].split("</table>")[0]


@pytest.mark.parametrize(
    ("model", "term", "shown", "hidden"),
    [
        ("user", "hana", "Hana Admin", "root@example.com"),
        ("workspace", "Practice", "Practice", "Elsewhere"),
        ("membership", "Hana", "Hana Admin", "Zed"),
        ("client", "yousef", "Yousef Client", "Other Client"),
    ],
)
def test_search_finds_the_row_and_only_it(admin_browser, data, model, term, shown, hidden):
    factories.WorkspaceFactory(name="Elsewhere")
    factories.ClientFactory(workspace=data["workspace"], name="Other Client")
    factories.MembershipFactory(workspace=data["workspace"], user__email="root-like@example.org", user__name="Zed")

    response = admin_browser.get(url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    rows = results(response)
    assert shown in rows
    assert hidden not in rows


def test_search_by_exact_id(admin_browser, data):
    factories.ClientFactory(workspace=data["workspace"], name="Other Client")
    response = admin_browser.get(url("client", "changelist"), {"q": data["client"].pk})
    rows = results(response)
    assert "Yousef Client" in rows and "Other Client" not in rows


@pytest.mark.parametrize(
    ("model", "field", "term", "expected"),
    [
        ("membership", "workspace", "Practice", "workspace"),
        ("membership", "user", "hana", "user"),
        ("client", "workspace", "Practice", "workspace"),
    ],
)
def test_autocomplete_endpoint_answers(admin_browser, data, model, field, term, expected):
    response = admin_browser.get(
        reverse("admin:autocomplete"),
        {"app_label": "workspaces", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200
    assert data[expected].pk in [row["id"] for row in response.json()["results"]]


def test_filters_apply(admin_browser, data):
    factories.MembershipFactory(workspace=data["workspace"], role="viewer", user__name="Vera Viewer")
    rows = results(admin_browser.get(url("membership", "changelist"), {"role__exact": "admin"}))
    assert "Hana Admin" in rows and "Vera Viewer" not in rows

    factories.WorkspaceFactory(name="Lapsed", subscription_expires_at=timezone.now() - timedelta(days=1))
    rows = results(admin_browser.get(url("workspace", "changelist"), {"subscription": "expired"}))
    assert "Lapsed" in rows and data["workspace"].name not in rows
    rows = results(admin_browser.get(url("workspace", "changelist"), {"subscription": "current"}))
    assert "Lapsed" not in rows and data["workspace"].name in rows


def test_add_user_with_email_login(admin_browser):
    response = admin_browser.post(
        url("user", "add"),
        {
            "email": "New.Staff@Example.com",
            "name": "New Staff",
            "usable_password": "true",
            "password1": "a-Long-passw0rd!",
            "password2": "a-Long-passw0rd!",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="new.staff@example.com")
    assert user.check_password("a-Long-passw0rd!")
    assert user.name == "New Staff"


def test_add_user_with_a_taken_email_in_other_case_is_a_form_error(admin_browser, data):
    response = admin_browser.post(
        url("user", "add"),
        {
            "email": data["user"].email.upper(),
            "usable_password": "true",
            "password1": "a-Long-passw0rd!",
            "password2": "a-Long-passw0rd!",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=data["user"].email).count() == 1


def test_workspace_with_an_unknown_timezone_is_a_form_error(admin_browser):
    response = admin_browser.post(
        url("workspace", "add"),
        {
            "name": "Nowhere",
            "timezone": "Mars/Olympus",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Workspace.objects.filter(name="Nowhere").exists()


def test_workspace_add_with_an_owner_inline(admin_browser, data):
    response = admin_browser.post(
        url("workspace", "add"),
        {
            "name": "Clinic Cairo",
            "timezone": "Africa/Cairo",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": data["user"].pk,
            "memberships-0-role": "owner",
            "memberships-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Workspace.objects.get(name="Clinic Cairo")
    assert created.timezone == "Africa/Cairo"
    assert Membership.objects.filter(workspace=created, user=data["user"], role="owner").exists()


def test_duplicate_membership_is_a_form_error(admin_browser, data):
    response = admin_browser.post(
        url("membership", "add"),
        {"workspace": data["workspace"].pk, "user": data["user"].pk, "role": "viewer", "is_active": "on"},
    )
    assert response.status_code == 200
    assert Membership.objects.filter(workspace=data["workspace"], user=data["user"]).count() == 1


def test_client_add_and_change_save_through_the_actions(admin_browser, data):
    response = admin_browser.post(
        url("client", "add"),
        {"workspace": data["workspace"].pk, "name": "Laila", "email": "l@example.com", "phone": "", "notes": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client = Client.objects.get(name="Laila")
    assert client.workspace_id == data["workspace"].pk and len(client.pk) == 24

    response = admin_browser.post(
        url("client", "change", client.pk), {"name": "Laila H.", "email": "", "phone": "1", "notes": "n"}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.phone, client.workspace_id) == ("Laila H.", "1", data["workspace"].pk)


def test_a_user_who_is_no_active_member_cannot_open_the_admin(data):
    # members sign in (tests/admin_scope); a user without an active membership is sent to the login
    browser = BrowserClient()
    browser.force_login(factories.UserFactory())
    response = browser.get(url("client", "changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    data["membership"].is_active = False
    data["membership"].save()
    browser.force_login(data["user"])
    response = browser.get(url("client", "changelist"))
    assert response.status_code == 302 and "/login/" in response["Location"]
