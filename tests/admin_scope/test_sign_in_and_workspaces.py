"""Who signs in to the back office, which workspace they work in, and the header that says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client as BrowserClient
from django.utils import timezone

from tests import factories
from tests.admin_scope.conftest import browser_for
from tests.sessions.factories import SessionFactory
from workspaces.accounts.pages import AdminLoginForm
from workspaces.admin_scope import WORKSPACE_COOKIE
from workspaces.models import User
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def sign_in(email: str, password: str = PASSWORD):
    browser = BrowserClient()
    response = browser.post("/admin/login/", {"username": email, "password": password, "next": "/admin/"})
    return browser, response


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_every_active_member_signs_in_with_email_and_password(workspace, role):
    user = factories.MembershipFactory(workspace=workspace, role=role).user
    assert not user.is_staff
    browser, response = sign_in(user.email.upper())  # emails ignore case
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_who_may_not_sign_in(workspace):
    # a user of no workspace, an inactive member, a member of an inactive workspace, an inactive user
    nobody = factories.UserFactory()
    inactive_member = factories.MembershipFactory(workspace=workspace, is_active=False).user
    closed = factories.WorkspaceFactory(is_active=False)
    of_closed = factories.MembershipFactory(workspace=closed).user
    gone = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(is_active=False)).user
    for user in (nobody, inactive_member, of_closed, gone):
        browser, response = sign_in(user.email)
        assert response.status_code == 200, user  # the form again
        assert browser.get("/admin/").status_code == 302
    assert sign_in("nobody@example.com")[1].status_code == 200
    assert sign_in(nobody.email, "wrong")[1].status_code == 200


def test_a_member_whose_subscription_expired_signs_in_and_is_told_it_shows_nothing(workspace):
    workspace.subscription_expires_at = timezone.now() - dt.timedelta(days=1)
    workspace.save()
    member = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    factories.ClientFactory(workspace=workspace, name="Hidden Client")
    browser, response = sign_in(member.user.email)
    assert response.status_code == 302
    page = browser.get("/admin/").content.decode()
    assert f"The subscription of {workspace.name} has expired" in page
    assert "Hidden Client" not in page
    assert browser.get("/admin/workspaces/client/").status_code == 403


def test_the_header_names_the_product_the_workspace_and_its_time_zone_without_view_site(workspace):
    workspace.timezone = "Africa/Cairo"
    workspace.save()
    browser = browser_for(factories.MembershipFactory(workspace=workspace, role=Role.VIEWER).user)
    page = browser.get("/admin/").content.decode()
    assert "<title>Back office | Practice management</title>" in page
    assert 'id="site-name"><a href="/admin/">Practice management</a>' in page
    assert "Django administration" not in page and "Django site admin" not in page
    assert "View site" not in page
    assert f'<bdi class="workspace-current">{workspace.name}</bdi>' in page
    assert "Times in Africa/Cairo" in page
    arabic = browser.get("/admin/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "إدارة العيادات" in arabic and "Practice management" not in arabic
    assert "الأوقات بتوقيت Africa/Cairo" in arabic


def test_a_member_of_several_workspaces_works_in_one_switched_in_the_header(workspace):
    # given a user who works at two practices
    user = factories.UserFactory()
    factories.MembershipFactory(workspace=workspace, user=user, role=Role.OWNER)  # "Practice ..."
    second = factories.WorkspaceFactory(name="Zahra Clinic", timezone="Asia/Dubai")
    factories.MembershipFactory(workspace=second, user=user, role=Role.VIEWER)
    here = factories.ClientFactory(workspace=workspace, name="Client Here")
    there = factories.ClientFactory(workspace=second, name="Client There")
    browser = browser_for(user)

    # then they work in the first by name: its rows, its role, its zone; the other's are 404
    page = browser.get("/admin/workspaces/client/").content.decode()
    assert "Client Here" in page and "Client There" not in page
    assert 'id="workspace-switcher-select"' in page and "Zahra Clinic" in page
    assert browser.get(f"/admin/workspaces/client/{there.pk}/change/").status_code == 404
    assert browser.get("/admin/workspaces/client/add/").status_code == 200  # an owner here

    # when they switch to the other in the header, from a page of an object of the first
    response = browser.post(
        "/admin/workspace/", {"workspace": second.pk, "next": f"/admin/workspaces/client/{here.pk}/change/"}
    )
    # then they land on the list they were on (not the other workspace's object), remembered
    assert response.status_code == 302 and response["Location"] == "/admin/workspaces/client/"
    assert browser.cookies[WORKSPACE_COOKIE].value == second.pk
    page = browser.get("/admin/workspaces/client/").content.decode()
    assert "Client There" in page and "Client Here" not in page
    assert "Times in Asia/Dubai" in page
    assert browser.get(f"/admin/workspaces/client/{here.pk}/change/").status_code == 404
    assert browser.get("/admin/workspaces/client/add/").status_code == 403  # a viewer there

    # signing out and in again remembers it (the cookie outlives the session)
    assert browser.post("/admin/logout/").status_code == 200
    assert browser.get("/admin/").status_code == 302
    browser.force_login(user)
    assert "Client There" in browser.get("/admin/workspaces/client/").content.decode()


def test_the_switch_takes_only_the_users_live_workspaces_and_only_by_post(workspace):
    user = factories.MembershipFactory(workspace=workspace).user
    expired = factories.WorkspaceFactory(subscription_expires_at=timezone.now() - dt.timedelta(days=1))
    factories.MembershipFactory(workspace=expired, user=user)
    not_mine = factories.WorkspaceFactory()
    browser = browser_for(user)
    for target in (expired.pk, not_mine.pk, "nonsense", ""):
        assert browser.post("/admin/workspace/", {"workspace": target}).status_code == 404
    assert browser.get("/admin/workspace/", {"workspace": workspace.pk}).status_code == 405
    # an unsafe "next" goes to the index
    response = browser.post("/admin/workspace/", {"workspace": workspace.pk, "next": "https://evil.example/admin/"})
    assert response["Location"] == "/admin/"
    # a cookie naming a workspace that is not theirs is ignored
    browser.cookies[WORKSPACE_COOKIE] = not_mine.pk
    factories.ClientFactory(workspace=not_mine, name="Not Mine")
    assert "Not Mine" not in browser.get("/admin/workspaces/client/").content.decode()


def test_times_are_in_the_workspace_zone_as_hh_mm_and_labelled(workspace):
    # given a Cairo practice and a session at 16:00 there (14:00 UTC in winter)
    workspace.timezone = "Africa/Cairo"
    workspace.save()
    session = SessionFactory(workspace=workspace, date=dt.date(2024, 1, 15), start_time=dt.time(16))
    browser = browser_for(factories.MembershipFactory(workspace=workspace, role=Role.VIEWER).user)
    page = browser.get(f"/admin/appointments/session/{session.pk}/change/").content.decode()
    # then the start is 16:00 everywhere on the page, its real instant named with the zone and UTC beside
    assert "16:00" in page and "16:00:00" not in page
    assert 'Jan. 15, 2024, 16:00 <span dir="ltr">(Africa/Cairo)</span>' in page
    assert "14:00 UTC" in page
    assert "2 p.m." not in page and "4 p.m." not in page
    # the record's timestamps too: in the workspace's zone, labelled
    assert "EET" in page
    listed = browser.get("/admin/appointments/session/").content.decode()
    assert "16:00" in listed and "4 p.m." not in listed
    arabic = browser.get(
        f"/admin/appointments/session/{session.pk}/change/", HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()
    assert "15 يناير، 2024, 16:00" in arabic and "16:00:00" not in arabic


def test_a_workspace_requiring_two_factor_is_not_live_for_a_member_without_it(workspace):
    # given a practice that requires two-factor, and a member of it (and of another) without it
    workspace.require_two_factor = True
    workspace.save()
    member = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    other = factories.WorkspaceFactory(name="Zahra Clinic")
    factories.MembershipFactory(workspace=other, user=member.user, role=Role.VIEWER)
    factories.ClientFactory(workspace=workspace, name="Guarded Client")
    factories.ClientFactory(workspace=other, name="Open Client")
    browser, response = sign_in(member.user.email)
    assert response.status_code == 302
    # then they work in the other one and are told why the first is not shown, as the API answers 403
    page = browser.get("/admin/").content.decode()
    assert f"{workspace.name} requires two-factor authentication" in page
    listed = browser.get("/admin/workspaces/client/").content.decode()
    assert "Open Client" in listed and "Guarded Client" not in listed
    assert browser.post("/admin/workspace/", {"workspace": workspace.pk}).status_code == 404
    # a member of that practice only sees nothing at all, and the calendar says why
    alone = browser_for(factories.MembershipFactory(workspace=workspace, role=Role.OWNER).user)
    assert alone.get("/admin/workspaces/client/").status_code == 403
    assert "turn it on to see its calendar" in alone.get("/admin/calendar/").content.decode()
    # once two-factor is on for their account, the practice is theirs again
    User.objects.filter(pk=member.user_id).update(two_factor_enabled=True)
    assert browser.post("/admin/workspace/", {"workspace": workspace.pk}).status_code == 302
    listed = browser.get("/admin/workspaces/client/").content.decode()
    assert "Guarded Client" in listed and "requires two-factor" not in listed


def test_the_admin_login_is_the_accounts_form_with_the_back_offices_rule(workspace):
    # the accounts' form (the authenticator code, the shared failed-login counter, 429) ...
    assert issubclass(admin.site.login_form, AdminLoginForm)
    assert "otp" in admin.site.login_form.base_fields
    # ... asking the back office who may enter: a staff flag and the right password without an
    # active membership is the form again, with no session
    flagged = factories.UserFactory(is_staff=True)
    browser, response = sign_in(flagged.email)
    assert response.status_code == 200 and response.context["form"].errors
    assert browser.get("/admin/").status_code == 302
