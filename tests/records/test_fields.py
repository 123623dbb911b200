"""Custom field definitions (``.../session-fields``) and ``fieldValues`` checked against them, by
every door: the API's create and change, the admin's bulk status action, the ops command."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from records.models import SessionField
from sessions.models import Session
from tests.access import Endpoint, assert_access_order
from tests.records.factories import SessionFieldFactory
from tests.sessions.conftest import body_for, sessions_url
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def fields_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/session-fields"


# -- definitions ----------------------------------------------------------------------------------


def test_a_definition_is_created_read_changed_and_deleted(world):
    url = fields_url(world.workspace)
    body = {"key": "session-type", "label": "نوع الجلسة", "type": "choice", "options": ["consultation", "follow-up"],
            "phase": "pre", "required": True}  # fmt: skip
    created = world.api.post(url, body, format="json")
    assert created.status_code == 201, created.content
    field = created.json()["sessionField"]
    assert field == {**body, "isActive": True}
    assert list(field) == ["key", "label", "type", "options", "phase", "required", "isActive"]
    assert world.api.get(url).json()["sessionFields"] == [field]
    assert world.api.get(f"{url}/session-type").json()["sessionField"] == field

    changed = world.api.patch(f"{url}/session-type", {"label": "Type", "isActive": False}, format="json")
    assert changed.status_code == 200 and changed.json()["sessionField"]["label"] == "Type"
    assert changed.json()["sessionField"]["isActive"] is False
    # a type other than choice drops the options
    text = world.api.patch(f"{url}/session-type", {"type": "text"}, format="json").json()["sessionField"]
    assert text["options"] == []
    assert world.api.delete(f"{url}/session-type").status_code == 204
    assert world.api.get(f"{url}/session-type").status_code == 404
    assert SessionField.history.filter(key="session-type").count() == 4  # created, 2 changes, deleted


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "Session Type"}, "key"),
        ({"key": "session--type"}, "key"),
        ({"key": "-x"}, "key"),
        ({"key": "x" * 101}, "key"),
        ({"label": ""}, "label"),
        ({"type": "email"}, "type"),
        ({"phase": "during"}, "phase"),
        ({"type": "choice"}, "options"),  # a choice field needs its options
        ({"type": "choice", "options": []}, "options"),
        ({"type": "choice", "options": ["a", "a"]}, "options"),
        ({"type": "choice", "options": ["a", ""]}, "options"),
        ({"type": "text", "options": ["a"]}, "options"),  # only choice fields have options
        ({"required": "yes"}, "required"),
        ({"isActive": 1}, "isActive"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_definition_is_a_400_naming_the_field(world, body, field):
    valid = {"key": "k", "label": "K", "type": "text", "phase": "pre"}
    response = world.api.post(fields_url(world.workspace), valid | body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not SessionField.objects.exists()


def test_keys_are_unique_in_a_workspace_and_never_change(world, other_workspace, member_client):
    body = {"key": "weight", "label": "Weight", "type": "number", "phase": "post"}
    assert world.api.post(fields_url(world.workspace), body, format="json").status_code == 201
    clash = world.api.post(fields_url(world.workspace), body | {"label": "Other"}, format="json")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "session_field_key_taken"
    assert clash.json()["error"]["fields"] == {"key": [clash.json()["error"]["message"]]}
    # the same key in another workspace is another field
    other = member_client(Role.OWNER, ws=other_workspace)
    assert other.post(fields_url(other_workspace), body, format="json").status_code == 201
    # a key cannot change
    renamed = world.api.patch(f"{fields_url(world.workspace)}/weight", {"key": "mass"}, format="json")
    assert renamed.status_code == 400 and "key" in renamed.json()["error"]["fields"]
    # and another workspace's field is not found
    assert world.api.get(f"{fields_url(other_workspace)}/weight").status_code == 404


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_everyone_reads_definitions_and_only_services_managers_change_them(world, method):
    def path(ws):
        if method in {"GET", "POST"}:
            return fields_url(ws)
        return f"{fields_url(ws)}/{SessionFieldFactory(workspace=ws).key}"

    body = {"POST": lambda ws: {"key": f"k{SessionField.objects.count()}", "label": "K", "type": "text",
                                "phase": "pre"}, "PATCH": lambda ws: {"label": "L"}}.get(method)  # fmt: skip
    permission = "sessions.view" if method == "GET" else "services.manage"
    assert_access_order(Endpoint(method, path, permission, body=body), world.workspace)


# -- field values against the definitions ------------------------------------------------------------


@pytest.fixture
def defined(world):
    """Every type of field: required and not, pre and post, and an inactive one."""
    for spec in [
        {"key": "reason", "label": "Reason", "type": "text", "phase": "pre", "required": True},
        {"key": "weight", "label": "Weight", "type": "number", "phase": "pre"},
        {"key": "first-visit", "label": "First visit", "type": "boolean", "phase": "pre"},
        {"key": "referral-date", "label": "Referral date", "type": "date", "phase": "pre"},
        {"key": "kind", "label": "Kind", "type": "choice", "options": ["adult", "child"], "phase": "pre"},
        {"key": "outcome", "label": "Outcome", "type": "text", "phase": "post", "required": True},
        {"key": "old", "label": "Old", "type": "text", "phase": "pre", "is_active": False, "required": True},
    ]:
        SessionFieldFactory(workspace=world.workspace, **spec)
    return world


def values(*items):
    return [{"fieldKey": key, "value": value, "phase": phase} for key, value, phase in items]


def create(world, field_values, **overrides):
    return world.api.post(sessions_url(world.workspace), body_for(world, fieldValues=field_values, **overrides),
                          format="json")  # fmt: skip


def test_values_of_every_type_are_taken(defined):
    given = values(("reason", "back pain", "pre"), ("weight", 72.5, "pre"), ("first-visit", True, "pre"),
                   ("referral-date", "2024-01-02", "pre"), ("kind", "child", "pre"))  # fmt: skip
    response = create(defined, given)
    assert response.status_code == 201, response.content
    assert response.json()["session"]["fieldValues"] == given
    # null is "no value" for a field that is not required
    assert (
        create(defined, values(("reason", "x", "pre"), ("weight", None, "pre")), startTime="12:00").status_code == 201
    )


@pytest.mark.parametrize(
    ("items", "where"),
    [
        ([("reason", "x", "pre"), ("unknown", 1, "pre")], "fieldValues[1]"),  # an unknown key
        ([("reason", "x", "pre"), ("old", "x", "pre")], "fieldValues[1]"),  # an inactive one
        ([("reason", "x", "pre"), ("reason", "y", "pre")], "fieldValues[1]"),  # twice
        ([("reason", 5, "pre")], "fieldValues[0]"),  # text
        ([("reason", "x", "pre"), ("weight", "72", "pre")], "fieldValues[1]"),  # number
        ([("reason", "x", "pre"), ("weight", True, "pre")], "fieldValues[1]"),
        ([("reason", "x", "pre"), ("first-visit", "yes", "pre")], "fieldValues[1]"),  # boolean
        ([("reason", "x", "pre"), ("referral-date", "2024-02-30", "pre")], "fieldValues[1]"),  # date
        ([("reason", "x", "pre"), ("referral-date", "2024-01-02T10:00:00Z", "pre")], "fieldValues[1]"),
        ([("reason", "x", "pre"), ("kind", "senior", "pre")], "fieldValues[1]"),  # choice
        ([("reason", "x", "pre"), ("kind", ["adult"], "pre")], "fieldValues[1]"),
        ([("reason", "x", "post")], "fieldValues[0]"),  # the wrong phase
        ([("weight", 70, "pre")], "fieldValues"),  # the required pre field is missing
        ([("reason", "", "pre")], "fieldValues"),  # ... or empty
        ([("reason", None, "pre")], "fieldValues"),
    ],
)
def test_a_value_breaking_a_definition_is_a_400_naming_it(defined, items, where):
    response = create(defined, values(*items))
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [where]
    assert not Session.objects.filter(workspace=defined.workspace).exists()


def test_a_required_post_field_is_needed_before_completion(defined):
    session = create(defined, values(("reason", "x", "pre"))).json()["session"]
    url = f"{sessions_url(defined.workspace)}/{session['id']}"
    # moving to in-progress needs nothing more
    assert defined.api.patch(url, {"status": "in-progress"}, format="json").status_code == 200
    # completing without the outcome: 400 naming fieldValues, the status unchanged
    refused = defined.api.patch(url, {"status": "completed"}, format="json")
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["fieldValues"]
    assert Session.objects.get(pk=session["id"]).status == "in-progress"
    # with it (in the same PATCH), it completes
    with_outcome = values(("reason", "x", "pre"), ("outcome", "better", "post"))
    done = defined.api.patch(url, {"status": "completed", "fieldValues": with_outcome}, format="json")
    assert done.status_code == 200 and done.json()["session"]["status"] == "completed"
    # created completed: the post field is needed at once
    assert create(defined, values(("reason", "x", "pre")), status="completed", startTime="15:00").status_code == 400


def test_a_forbidden_move_is_still_a_409_not_a_missing_field(defined):
    session = create(defined, values(("reason", "x", "pre")), status="cancelled").json()["session"]
    response = defined.api.patch(f"{sessions_url(defined.workspace)}/{session['id']}", {"status": "completed"},
                                 format="json")  # fmt: skip
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_status_transition"


def test_changed_values_are_checked_on_patch_too(defined):
    session = create(defined, values(("reason", "x", "pre"))).json()["session"]
    url = f"{sessions_url(defined.workspace)}/{session['id']}"
    bad = defined.api.patch(url, {"fieldValues": values(("reason", "x", "pre"), ("weight", "heavy", "pre"))},
                            format="json")  # fmt: skip
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["fieldValues[1]"]
    # a change of something else leaves stored values alone (even when a definition came later)
    SessionFieldFactory(workspace=defined.workspace, key="late", type="number", phase="pre", required=True)
    assert defined.api.patch(url, {"name": "Renamed"}, format="json").status_code == 200


def test_a_workspace_without_active_definitions_stores_values_as_sent(world):
    SessionFieldFactory(workspace=world.workspace, key="off", is_active=False, required=True)
    anything = [{"fieldKey": "session-type", "value": "consultation", "phase": "pre"},
                {"fieldKey": "free", "value": [1, "a", None], "phase": "post"}]  # fmt: skip
    created = create(world, anything, status="completed")
    assert created.status_code == 201 and created.json()["session"]["fieldValues"] == anything


def test_every_door_checks_the_required_post_fields(defined, django_user_model):
    from django.test import Client

    session = create(defined, values(("reason", "x", "pre"))).json()["session"]
    # the admin's bulk action refuses the move, naming the reason
    root = django_user_model.objects.create_superuser(email="root@example.com", password="pw-123456-xyz")
    admin = Client()
    admin.force_login(root)
    page = admin.post(
        "/admin/appointments/session/",
        {"action": "mark_completed", "_selected_action": [session["id"]]},
        follow=True,
    )
    assert "is required" in page.content.decode()
    assert Session.objects.get(pk=session["id"]).status == "scheduled"
    # the ops command too
    with pytest.raises(Exception, match="required"):
        call_command("set_session_status", "--session", session["id"], "--status", "completed")
    assert Session.objects.get(pk=session["id"]).status == "scheduled"
