"""A consultation's private notes appear in its history only to those allowed to read them:
superusers, and staff whose membership in its workspace holds nutrition.manage."""

from __future__ import annotations

import pytest

from nutrition.models import NutritionSession
from tests import factories
from tests.history.helpers import browser_for, history_html, history_rows
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

CONSULTATIONS_ADMIN = "nutrition/nutritionsession"
FIRST_SECRET = "سر أول: يتناول دواء للضغط"
SECOND_SECRET = "second secret: sleeps four hours"


@pytest.fixture
def consultation_id(world) -> str:
    """A consultation created with a private note, then changed: new private note and topic."""
    base = f"/api/v1/workspace/{world.workspace.pk}/nutrition/sessions"
    body = {
        "clientId": world.client.pk,
        "type": "online",
        "date": "2024-03-05",
        "startTime": "10:00",
        "topic": "First visit",
        "notesPrivate": FIRST_SECRET,
    }
    consultation_id = world.api.post(base, body, format="json").json()["session"]["id"]
    patch = {"notesPrivate": SECOND_SECRET, "topic": "Follow-up visit"}
    assert world.api.patch(f"{base}/{consultation_id}", patch, format="json").status_code == 200
    return consultation_id


def staff(world, role: str | None):
    """A member (not a superuser) with ``role`` in the workspace (None: no membership at all)."""
    user = factories.UserFactory()
    if role is not None:
        factories.MembershipFactory(workspace=world.workspace, user=user, role=role)
    return user


def test_a_user_who_is_no_member_cannot_open_the_history(world, consultation_id):
    response = browser_for(staff(world, None)).get(f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.VIEWER], ids=["assistant", "viewer"])
def test_staff_not_allowed_to_read_private_notes_never_see_them_in_the_history(world, consultation_id, role):
    browser = browser_for(staff(world, role))

    # when they open the consultation's history
    rows = history_rows(browser, CONSULTATIONS_ADMIN, consultation_id)
    page = history_html(browser, CONSULTATIONS_ADMIN, consultation_id)

    # then they see who changed what, but nothing of the private notes, not even that they changed
    assert [row["action"] for row in rows] == ["Changed", "Created"]
    assert "Topic: First visit → Follow-up visit" in rows[0]["changes"]
    assert FIRST_SECRET not in page and SECOND_SECRET not in page
    assert "Private notes" not in page

    # nor on the page of one past version
    version = NutritionSession.history.filter(id=consultation_id).last()
    response = browser.get(f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/{version.history_id}/")
    assert response.status_code == 200
    assert FIRST_SECRET not in response.content.decode()
    assert "First visit" in response.content.decode()


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.ADMIN, Role.OWNER])
def test_staff_allowed_to_manage_consultations_see_private_notes_in_the_history(world, consultation_id, role):
    browser = browser_for(staff(world, role))
    rows = history_rows(browser, CONSULTATIONS_ADMIN, consultation_id)
    assert f"Private notes: {FIRST_SECRET} → {SECOND_SECRET}" in rows[0]["changes"]
    assert f"Private notes: — → {FIRST_SECRET}" in rows[1]["changes"]


def test_superusers_see_private_notes_in_the_history(world, consultation_id, root):
    browser = browser_for(root)
    rows = history_rows(browser, CONSULTATIONS_ADMIN, consultation_id)
    assert f"Private notes: {FIRST_SECRET} → {SECOND_SECRET}" in rows[0]["changes"]
    version = NutritionSession.history.filter(id=consultation_id).last()
    response = browser.get(f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/{version.history_id}/")
    assert FIRST_SECRET in response.content.decode()


def test_a_membership_in_another_workspace_does_not_count(world, consultation_id, other_workspace):
    # an owner elsewhere: the consultation's history is another workspace's, not found
    user = staff(world, None)
    factories.MembershipFactory(workspace=other_workspace, user=user, role=Role.OWNER)
    browser = browser_for(user)
    response = browser.get(f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/")
    assert response.status_code == 404
    assert FIRST_SECRET not in response.content.decode() and SECOND_SECRET not in response.content.decode()
    version = NutritionSession.history.filter(id=consultation_id).last()
    response = browser.get(f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/{version.history_id}/")
    assert response.status_code == 404


def test_a_past_version_cannot_be_saved_back(world, consultation_id, root):
    version = NutritionSession.history.filter(id=consultation_id).last()
    response = browser_for(root).post(
        f"/admin/{CONSULTATIONS_ADMIN}/{consultation_id}/history/{version.history_id}/", {"topic": "x"}
    )
    assert response.status_code == 405
    assert NutritionSession.objects.get(pk=consultation_id).topic == "Follow-up visit"
