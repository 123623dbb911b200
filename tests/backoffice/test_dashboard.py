"""The admin index: today's sessions per staff member in the workspace a member works in (each of
a superuser's workspaces), on that workspace's own "today"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from nutrition.models import ConsultationStatus
from sessions.models import SessionStatus
from tests import factories
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.timezones import utc_to_local

pytestmark = pytest.mark.django_db

INDEX = "/admin/"


def today_in(workspace) -> dt.date:
    return utc_to_local(timezone.now(), workspace.timezone).date()


def row(content: str, staff_id: str) -> str:
    match = re.search(rf'<tr data-staff="{staff_id}">(.*?)</tr>', content, re.S)
    assert match, f"a row for {staff_id}"
    return match.group(1)


def count(row_html: str, kind: str) -> int:
    return int(re.search(rf'data-count="{kind}">(\d+)<', row_html).group(1))


def test_todays_sessions_per_staff_member_with_counts_and_links(admin_http, practice):
    today = today_in(practice.workspace)
    session = practice.session(today, "10:00", 60)
    practice.session(today, "12:00", 30, status=SessionStatus.CANCELLED)  # listed, not counted
    consultation = practice.consultation(today, "14:00", 45)
    owners = practice.session(today, "09:00", 30, staff=practice.owner)
    practice.session(today + dt.timedelta(days=1), "10:00")  # tomorrow: not today
    practice.consultation(today - dt.timedelta(days=1), "10:00")  # yesterday

    response = admin_http.get(INDEX)
    assert response.status_code == 200
    content = response.content.decode()
    specialist = row(content, practice.specialist.pk)
    assert (count(specialist, "session"), count(specialist, "consultation")) == (1, 1)
    assert f'href="/admin/appointments/session/{session.pk}/change/"' in specialist
    assert f'href="/admin/nutrition/nutritionsession/{consultation.pk}/change/"' in specialist
    assert "10:00–11:00" in specialist and "14:00–14:45" in specialist
    assert specialist.count("<li") == 3 and 'class="bo-cancelled"' in specialist
    owner = row(content, practice.owner.pk)
    assert (count(owner, "session"), count(owner, "consultation")) == (1, 0)
    assert f"/admin/appointments/session/{owners.pk}/change/" in owner
    # the staff member's name opens their day in the calendar
    assert f"staff={practice.specialist.pk}" in specialist and "view=day" in specialist
    assert 'href="/admin/calendar/"' in content


def test_the_workspace_worked_in_on_its_own_today_and_never_one_not_theirs(admin_http, practice):
    # given a second workspace of the user far east (its "today" may differ) and one not theirs
    tokyo = factories.WorkspaceFactory(name="Tokyo", timezone="Asia/Tokyo")
    factories.MembershipFactory(workspace=tokyo, user=practice.user)
    in_tokyo = SessionFactory(
        workspace=tokyo, staff=factories.MembershipFactory(workspace=tokyo), date=today_in(tokyo), start_time=dt.time(9)
    )
    elsewhere = factories.WorkspaceFactory(name="Not mine")
    not_mine = NutritionSessionFactory(workspace=elsewhere, date=today_in(elsewhere))
    # when the user works in Praxis Berlin (the first by name), then in Tokyo (switched in the header)
    content = admin_http.get(INDEX).content.decode()
    assert f'data-workspace="{practice.workspace.pk}"' in content and f'data-workspace="{tokyo.pk}"' not in content
    assert f"/admin/appointments/session/{in_tokyo.pk}/change/" not in content
    admin_http.post("/admin/workspace/", {"workspace": tokyo.pk, "next": INDEX})
    content = admin_http.get(INDEX).content.decode()
    assert f'data-workspace="{tokyo.pk}"' in content and f'data-workspace="{practice.workspace.pk}"' not in content
    assert f"/admin/appointments/session/{in_tokyo.pk}/change/" in content
    # and never a workspace that is not theirs
    assert f"/admin/nutrition/nutritionsession/{not_mine.pk}/change/" not in content
    assert "Not mine" not in content


def test_a_superuser_sees_each_of_their_workspaces_on_its_own_today(practice):
    tokyo = factories.WorkspaceFactory(name="Tokyo", timezone="Asia/Tokyo")
    root = factories.UserFactory(is_superuser=True)
    for workspace in (practice.workspace, tokyo):
        factories.MembershipFactory(workspace=workspace, user=root)
    in_tokyo = SessionFactory(
        workspace=tokyo, staff=factories.MembershipFactory(workspace=tokyo), date=today_in(tokyo), start_time=dt.time(9)
    )
    http = HttpClient()
    http.force_login(root)
    content = http.get(INDEX).content.decode()
    assert f'data-workspace="{tokyo.pk}"' in content and f'data-workspace="{practice.workspace.pk}"' in content
    assert f"/admin/appointments/session/{in_tokyo.pk}/change/" in content


def test_a_workspace_whose_subscription_expired_is_not_shown(admin_http, practice):
    practice.session(today_in(practice.workspace), "10:00", 60)
    practice.workspace.subscription_expires_at = timezone.now() - dt.timedelta(minutes=1)
    practice.workspace.save()
    response = admin_http.get(INDEX)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-workspace="{practice.workspace.pk}"' not in content
    assert "Clara Client" not in content
    assert "The subscription of Praxis Berlin has expired" in content


def test_no_sessions_today_says_so(admin_http, practice):
    content = admin_http.get(INDEX).content.decode()
    assert "No sessions today." in content


def test_a_no_show_is_not_counted(admin_http, practice):
    practice.consultation(today_in(practice.workspace), "10:00", status=ConsultationStatus.NO_SHOW)
    specialist = row(admin_http.get(INDEX).content.decode(), practice.specialist.pk)
    assert count(specialist, "consultation") == 0


def test_query_count_does_not_grow_with_sessions(admin_http, practice, django_assert_num_queries):
    # Queries: 1 session row, 2 user, 3 the user's memberships with their workspaces (who may
    # enter, where they work, their role: the app list needs nothing more), 4 sessions with
    # client, staff, user, services' names and colour, 5 consultations likewise (a member's
    # recent actions are not listed: they could name another workspace's objects)
    today = today_in(practice.workspace)
    practice.session(today, "08:00", 30)
    with django_assert_num_queries(5):
        admin_http.get(INDEX)
    for hour in range(9, 19):
        member = factories.MembershipFactory(workspace=practice.workspace)
        practice.session(today, f"{hour:02d}:00", 30, staff=member, services=practice.services)
        practice.consultation(today, f"{hour:02d}:00", 30)
    with django_assert_num_queries(5):
        response = admin_http.get(INDEX)
    assert response.content.decode().count("<li") >= 21


def test_a_superuser_without_memberships_sees_the_index(db):
    http = HttpClient()
    http.force_login(factories.UserFactory(is_superuser=True))
    response = http.get(INDEX)
    assert response.status_code == 200
    assert "not an active member of any workspace" in response.content.decode()
