"""Bulk status changes in the admin: each row through the API's action; forbidden moves are
skipped and reported (how many moved, how many refused), never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client as BrowserClient

from nutrition.models import NutritionSession
from sessions.models import Session
from tests import factories
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.models import User
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

SESSIONS = "/admin/appointments/session/"
CONSULTATIONS = "/admin/nutrition/nutritionsession/"


@pytest.fixture
def root_user(db):
    return User.objects.create_superuser(email="root@example.com", password="root-pass-123")


@pytest.fixture
def browser(root_user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(root_user)
    return browser


def run_action(browser, changelist: str, action: str, rows) -> tuple[int, list[tuple[str, str]]]:
    """POST the action, then show the page it leads to (which shows, and so uses up, its messages)."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows], "index": 0}
    response = browser.post(changelist, data, follow=True)
    code = response.redirect_chain[0][1] if response.redirect_chain else response.status_code
    return code, [(m.level_tag, m.message) for m in response.context["messages"]]


def sessions_in(workspace, *statuses):
    return [
        SessionFactory(workspace=workspace, name=f"S-{status}", status=status, date=dt.date(2024, 1, 20 + i))
        for i, status in enumerate(statuses)
    ]


def test_mark_completed_moves_the_allowed_and_reports_the_refused(browser, workspace, root_user):
    # given a scheduled, an in-progress, a cancelled and a completed session
    scheduled, started, cancelled, completed = sessions_in(
        workspace, "scheduled", "in-progress", "cancelled", "completed"
    )

    # when all four are marked completed
    status, messages = run_action(browser, SESSIONS, "mark_completed", [scheduled, started, cancelled, completed])

    # then the two that may move did, the cancelled one is refused and named, the completed one left alone
    assert status == 302
    assert messages == [
        ("success", "2 moved to “Completed”. 1 already “Completed”."),
        ("warning", "1 refused: S-cancelled: A session cannot move from cancelled to completed."),
    ]
    statuses = dict(Session.objects.values_list("name", "status"))
    assert statuses == {
        "S-scheduled": "completed",
        "S-in-progress": "completed",
        "S-cancelled": "cancelled",
        "S-completed": "completed",
    }
    # and the moves are in the history: through the admin, by this user; nothing for the others
    for session in (scheduled, started):
        row = Session.history.filter(id=session.pk).first()
        assert (row.history_type, row.door, row.history_user_id, row.status) == (
            "~",
            "admin",
            root_user.pk,
            "completed",
        )
    for session in (cancelled, completed):
        assert Session.history.filter(id=session.pk).count() == 1  # only the factory's "created"


def test_mark_in_progress_and_cancelled_follow_the_lifecycle(browser, workspace):
    scheduled, completed = sessions_in(workspace, "scheduled", "completed")
    status, messages = run_action(browser, SESSIONS, "mark_in_progress", [scheduled, completed])
    assert status == 302
    assert messages[0] == ("success", "1 moved to “In progress”.")
    assert messages[1][0] == "warning" and "cannot move from completed to in-progress" in messages[1][1]

    status, messages = run_action(browser, SESSIONS, "mark_cancelled", [scheduled, completed])
    assert messages[0] == ("success", "1 moved to “Cancelled”.")
    assert "cannot move from completed to cancelled" in messages[1][1]
    assert dict(Session.objects.values_list("pk", "status")) == {scheduled.pk: "cancelled", completed.pk: "completed"}


def test_nothing_movable_is_an_info_and_a_warning_never_an_error_page(browser, workspace):
    (cancelled,) = sessions_in(workspace, "cancelled")
    status, messages = run_action(browser, SESSIONS, "mark_completed", [cancelled])
    assert status == 302
    assert messages == [
        ("info", "0 moved to “Completed”."),
        ("warning", "1 refused: S-cancelled: A session cannot move from cancelled to completed."),
    ]


def test_consultation_status_actions(browser, workspace, root_user):
    client = factories.ClientFactory(workspace=workspace)
    scheduled, other, completed, cancelled = (
        NutritionSessionFactory(workspace=workspace, client=client, status=status, date=dt.date(2024, 1, 20 + i))
        for i, status in enumerate(["scheduled", "scheduled", "completed", "cancelled"])
    )

    status, messages = run_action(browser, CONSULTATIONS, "mark_no_show", [scheduled, completed, cancelled])
    assert status == 302
    assert messages[0] == ("success", "1 moved to “No show”.")
    assert messages[1][0] == "warning" and messages[1][1].startswith("2 refused:")
    assert "cannot move from completed to no_show" in messages[1][1]
    assert "cannot move from cancelled to no_show" in messages[1][1]

    run_action(browser, CONSULTATIONS, "mark_completed", [other])
    run_action(browser, CONSULTATIONS, "mark_cancelled", [scheduled])  # no_show is final
    assert dict(NutritionSession.objects.values_list("pk", "status")) == {
        scheduled.pk: "no_show",
        other.pk: "completed",
        completed.pk: "completed",
        cancelled.pk: "cancelled",
    }
    row = NutritionSession.history.filter(id=other.pk).first()
    assert (row.door, row.history_user_id, row.status) == ("admin", root_user.pk, "completed")


def test_a_row_moved_meanwhile_is_judged_by_its_current_status(browser, workspace):
    # the list was shown when the session was scheduled; it was cancelled before the action ran
    (session,) = sessions_in(workspace, "scheduled")
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    status, messages = run_action(browser, SESSIONS, "mark_completed", [session])
    assert status == 302 and messages[-1][0] == "warning"
    assert Session.objects.get(pk=session.pk).status == "cancelled"


def test_status_actions_need_the_change_permission(workspace):
    # a viewer may only view sessions: no status actions
    user = factories.MembershipFactory(workspace=workspace, role=Role.VIEWER).user
    browser = BrowserClient()
    browser.force_login(user)
    (session,) = sessions_in(workspace, "scheduled")

    response = browser.get(SESSIONS)
    assert response.status_code == 200
    assert "mark_completed" not in response.content.decode()
    run_action(browser, SESSIONS, "mark_completed", [session])
    assert Session.objects.get(pk=session.pk).status == "scheduled"


def test_the_actions_are_offered_on_the_changelists(browser, workspace):
    sessions_in(workspace, "scheduled")
    page = browser.get(SESSIONS).content.decode()
    for action in ("mark_in_progress", "mark_completed", "mark_cancelled"):
        assert f'value="{action}"' in page
    page = browser.get(CONSULTATIONS).content.decode()
    for action in ("mark_completed", "mark_cancelled", "mark_no_show"):
        assert f'value="{action}"' in page
