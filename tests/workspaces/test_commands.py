"""The ops commands: thin wrappers that print one JSON object with --json and refuse bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories
from workspaces.ids import is_object_id
from workspaces.models import Membership, User, Workspace

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines  # exactly one JSON object, nothing else on stdout
    return json.loads(lines[0])


# --- create_workspace ------------------------------------------------------------------------


def test_create_workspace_creates_workspace_owner_user_and_membership():
    result = run(
        "create_workspace",
        "--name",
        "عيادة النور",
        "--owner-email",
        "Owner@Example.com",
        "--owner-password",
        "s3cret-pass-123",
        "--timezone",
        "Africa/Cairo",
    )

    assert is_object_id(result["id"])
    assert result["name"] == "عيادة النور"
    assert result["timezone"] == "Africa/Cairo"
    assert result["subscriptionExpiresAt"] is None
    assert result["ownerEmail"] == "owner@example.com"
    workspace = Workspace.objects.get(pk=result["id"])
    assert workspace.name == "عيادة النور" and workspace.timezone == "Africa/Cairo"
    owner = Membership.objects.get(pk=result["ownerMembershipId"])
    assert (owner.workspace_id, owner.user_id, owner.role, owner.is_active) == (
        workspace.pk,
        result["ownerUserId"],
        "owner",
        True,
    )
    assert owner.user.email == "owner@example.com"
    assert owner.user.check_password("s3cret-pass-123")


def test_create_workspace_defaults_to_utc_and_reuses_an_existing_user():
    existing = factories.UserFactory(email="known@example.com")

    result = run("create_workspace", "--name", "Second practice", "--owner-email", "KNOWN@example.com")

    assert result["timezone"] == "UTC"
    assert result["ownerUserId"] == existing.pk
    assert User.objects.filter(email__iexact="known@example.com").count() == 1
    existing.refresh_from_db()
    assert existing.check_password("correct-horse-battery")  # no password given: unchanged


def test_create_workspace_owner_can_log_in_and_see_the_workspace(api_client):
    result = run("create_workspace", "--name", "P", "--owner-email", "o@example.com", "--owner-password", "pw-12345!")

    token = api_client.post("/api/v1/auth/token", {"email": "o@example.com", "password": "pw-12345!"}, format="json")
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    members = api_client.get(f"/api/v1/workspace/{result['id']}/members").json()["members"]
    assert [(m["id"], m["role"]) for m in members] == [(result["ownerMembershipId"], "owner")]


def test_create_workspace_without_json_prints_a_human_line():
    out = io.StringIO()
    call_command("create_workspace", "--name", "Plain", "--owner-email", "p@example.com", stdout=out)
    workspace = Workspace.objects.get(name="Plain")
    assert workspace.pk in out.getvalue() and "p@example.com" in out.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "P", "--owner-email", "not-an-email"], "not a valid email"),
        (["--name", "P", "--owner-email", ""], "not a valid email"),
        (["--name", "P", "--owner-email", "o@example.com", "--timezone", "Mars/Olympus"], "time zone"),
        (["--name", "P", "--owner-email", "o@example.com", "--timezone", "utc"], "time zone"),
        (["--name", "  ", "--owner-email", "o@example.com"], "must not be empty"),
        (["--name", "x" * 201, "--owner-email", "o@example.com"], "at most 200"),
        (["--name", "Clinic\nX", "--owner-email", "o@example.com"], "control characters"),
        (["--name", "Clinic\x00", "--owner-email", "o@example.com"], "control characters"),
        (["--owner-email", "o@example.com"], "--name"),
        # Django's password validators: too short, too common, all digits, like the email
        (["--name", "P", "--owner-email", "o@example.com", "--owner-password", "1"], "--owner-password: .*short"),
        (["--name", "P", "--owner-email", "o@example.com", "--owner-password", "password"], "too common"),
        (["--name", "P", "--owner-email", "o@example.com", "--owner-password", "4815162342"], "entirely numeric"),
        (
            ["--name", "P", "--owner-email", "owner.person@example.com", "--owner-password", "owner.person@example"],
            "similar",
        ),
    ],
)
def test_create_workspace_refuses_bad_input_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_workspace", *args, stdout=io.StringIO())
    assert not Workspace.objects.exists()
    assert not User.objects.exists()


# --- add_member ------------------------------------------------------------------------------


def test_add_member_creates_a_new_user_with_the_role(workspace):
    result = run(
        "add_member",
        "--workspace",
        workspace.pk,
        "--email",
        "New.Person@Example.com",
        "--password",
        "pw-abc-12345",
        "--name",
        "Nour",
        "--role",
        "specialist",
    )

    membership = Membership.objects.select_related("user").get(pk=result["id"])
    assert {k: result[k] for k in ("id", "userId", "workspaceId", "email", "role", "isActive")} == {
        "id": membership.pk,
        "userId": membership.user_id,
        "workspaceId": workspace.pk,
        "email": "new.person@example.com",
        "role": "specialist",
        "isActive": True,
    }
    assert membership.user.name == "Nour"
    assert membership.user.check_password("pw-abc-12345")


def test_add_member_reuses_the_user_and_reactivates_with_the_new_role(workspace, other_workspace):
    old = factories.MembershipFactory(workspace=workspace, role="viewer", is_active=False)
    elsewhere = factories.MembershipFactory(workspace=other_workspace, user=old.user, role="owner")

    result = run("add_member", "--workspace", workspace.pk, "--email", old.user.email.upper(), "--role", "admin")

    assert result["id"] == old.pk and result["userId"] == old.user_id
    old.refresh_from_db()
    assert (old.role, old.is_active) == ("admin", True)
    assert User.objects.count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.role == "owner"  # other workspaces untouched


@pytest.mark.parametrize(
    ("workspace_arg", "email", "role", "message"),
    [
        ("0123456789abcdef01234567", "a@example.com", "viewer", "No workspace"),
        ("not-an-id", "a@example.com", "viewer", "not a workspace id"),
        ("0123456789ABCDEF01234567", "a@example.com", "viewer", "not a workspace id"),
        (None, "bad@", "viewer", "not a valid email"),
        (None, "a@example.com", "superuser", "Unknown role"),
        (None, "a@example.com", "Owner", "Unknown role"),
    ],
)
def test_add_member_refuses_bad_input(workspace, workspace_arg, email, role, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "add_member", "--workspace", workspace_arg or workspace.pk, "--email", email, "--role", role, "--json"
        )
    assert not Membership.objects.exists()
    assert not User.objects.exists()


# --- set_subscription ------------------------------------------------------------------------


def test_set_subscription_expires_then_never(workspace):
    result = run("set_subscription", "--workspace", workspace.pk, "--expires", "2030-06-01T12:00:00+02:00")

    assert result == {"id": workspace.pk, "name": workspace.name, "subscriptionExpiresAt": "2030-06-01T10:00:00.000Z"}
    workspace.refresh_from_db()
    assert workspace.subscription_expires_at == datetime(2030, 6, 1, 10, tzinfo=UTC)

    result = run("set_subscription", "--workspace", workspace.pk, "--never")

    assert result["subscriptionExpiresAt"] is None
    workspace.refresh_from_db()
    assert workspace.subscription_expires_at is None


def test_set_subscription_without_offset_is_utc_and_z_is_accepted(workspace):
    assert run("set_subscription", "--workspace", workspace.pk, "--expires", "2031-01-02T03:04:05")[
        "subscriptionExpiresAt"
    ] == ("2031-01-02T03:04:05.000Z")
    assert run("set_subscription", "--workspace", workspace.pk, "--expires", "2031-01-02T03:04:05Z")[
        "subscriptionExpiresAt"
    ] == ("2031-01-02T03:04:05.000Z")


def test_expired_subscription_set_by_the_command_blocks_the_api(owner, workspace):
    run("set_subscription", "--workspace", workspace.pk, "--expires", "2000-01-01T00:00:00Z")
    response = owner.get(f"/api/v1/workspace/{workspace.pk}/members")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "subscription_expired"

    run("set_subscription", "--workspace", workspace.pk, "--never")
    assert owner.get(f"/api/v1/workspace/{workspace.pk}/members").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expires", "2030-01-01T00:00:00Z", "--never"], "exactly one"),
        ([], "exactly one"),
        (["--expires", "next tuesday"], "not an ISO 8601"),
        (["--expires", "2030-02-30T00:00:00Z"], "not an ISO 8601"),
        (["--expires", ""], "not an ISO 8601"),
    ],
)
def test_set_subscription_refuses_bad_input_and_changes_nothing(workspace, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("set_subscription", "--workspace", workspace.pk, *args, stdout=io.StringIO())
    workspace.refresh_from_db()
    assert workspace.subscription_expires_at is None


@pytest.mark.parametrize("workspace_id", ["0123456789abcdef01234567", "zzz"])
def test_set_subscription_unknown_or_malformed_workspace(workspace_id):
    with pytest.raises(CommandError, match="workspace"):
        call_command("set_subscription", "--workspace", workspace_id, "--never")


# --- from the shell: exit status and stderr --------------------------------------------------


def test_bad_input_from_the_shell_exits_non_zero_with_a_message_on_stderr():
    env = {**os.environ, "DEBUG": "1"}
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "add_member",
            "--workspace",
            "nope",
            "--email",
            "a@example.com",
            "--role",
            "viewer",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert completed.stdout == ""
    assert "not a workspace id" in completed.stderr


# --- weak passwords and names (contract: ops commands refuse weak passwords) ---------------------


@pytest.mark.parametrize("password", ["1", "short", "password123", "12345678901"])
def test_add_member_refuses_a_weak_password_for_a_new_user_and_creates_nothing(workspace, api_client, password):
    with pytest.raises(CommandError, match="--password"):
        call_command(
            "add_member",
            "--workspace",
            workspace.pk,
            "--email",
            "new@example.com",
            "--role",
            "viewer",
            "--password",
            password,
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(email="new@example.com").exists()
    login = api_client.post("/api/v1/auth/token", {"email": "new@example.com", "password": password}, format="json")
    assert login.status_code == 401


def test_add_member_refuses_a_weak_new_password_for_an_existing_user_and_keeps_the_old_one(workspace):
    existing = factories.UserFactory(email="old@example.com")
    with pytest.raises(CommandError, match="--password"):
        call_command(
            "add_member",
            "--workspace",
            workspace.pk,
            "--email",
            "old@example.com",
            "--role",
            "viewer",
            "--password",
            "1",
            stdout=io.StringIO(),
        )
    existing.refresh_from_db()
    assert existing.check_password("correct-horse-battery")
    assert not Membership.objects.filter(user=existing).exists()


def test_add_member_refuses_a_name_with_control_characters(workspace):
    with pytest.raises(CommandError, match="control characters"):
        call_command(
            "add_member",
            "--workspace",
            workspace.pk,
            "--email",
            "n@example.com",
            "--role",
            "viewer",
            "--name",
            "Sami\r\nX",
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(email="n@example.com").exists()
