"""Notes on sessions through the API: the shape, visibility for every role (the notes endpoints and
the session's ``notes`` array in lists, details and create answers), authors' rules, retries."""

from __future__ import annotations

import pytest

from records.models import Note
from tests.access import Endpoint, assert_access_order
from tests.records.conftest import PRIVATE_READERS, ROLES
from tests.records.expected import expected_note
from tests.sessions.conftest import sessions_url
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def add(api, url, body="Reviewed the lab results.", visibility=None, **extra):
    payload = {"body": body} if visibility is None else {"body": body, "visibility": visibility}
    return api.post(url, payload, format="json", **extra)


def test_a_note_is_written_and_shown_as_the_contract_says(rw):
    author = rw.members[Role.SPECIALIST]
    author.user.name = ""
    author.user.save()  # a member without a name is shown by their email

    response = add(rw.api(Role.SPECIALIST), rw.notes_url(), "ضغط الدم طبيعي\nBP normal", "shared")

    assert response.status_code == 201, response.content
    note = response.json()["note"]
    assert list(note) == ["id", "sessionId", "body", "visibility", "authorId", "authorName", "createdAt", "updatedAt"]
    assert note["sessionId"] == rw.session.pk and note["body"] == "ضغط الدم طبيعي\nBP normal"
    assert (note["visibility"], note["authorId"], note["authorName"]) == ("shared", author.pk, author.user.email)
    assert note == expected_note(Note.objects.get(pk=note["id"]))
    assert rw.api().get(f"{rw.notes_url()}/{note['id']}").json()["note"] == note
    # private by default
    assert add(rw.api(), rw.notes_url()).json()["note"]["visibility"] == "private"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n"}, "body"),
        ({"body": "x" * 10001}, "body"),
        ({"body": 5}, "body"),
        ({}, "body"),
        ({"body": "ok", "visibility": "public"}, "visibility"),
        ({"body": "ok", "Visibility": "shared"}, "Visibility"),
    ],
)
def test_a_bad_note_is_a_400_naming_the_field(rw, body, field):
    response = rw.api().post(rw.notes_url(), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Note.objects.exists()


def test_the_longest_note_is_taken(rw):
    assert add(rw.api(), rw.notes_url(), "ن" * 10000).status_code == 201


def test_fields_the_server_owns_are_ignored(rw):
    body = {"body": "x", "id": "0" * 24, "sessionId": "1" * 24, "authorId": "2" * 24, "authorName": "Forged"}
    note = rw.api(Role.ASSISTANT).post(rw.notes_url(), body, format="json").json()["note"]
    assert note["authorId"] == rw.members[Role.ASSISTANT].pk and note["authorName"] != "Forged"
    assert note["sessionId"] == rw.session.pk and note["id"] != "0" * 24


@pytest.fixture
def notes(rw):
    """Oldest first: a shared note by the assistant, a private one by the specialist."""
    shared = add(rw.api(Role.ASSISTANT), rw.notes_url(), "shared one", "shared").json()["note"]
    private = add(rw.api(Role.SPECIALIST), rw.notes_url(), "private one", "private").json()["note"]
    return shared, private


@pytest.mark.parametrize("role", ROLES)
def test_private_notes_exist_only_for_roles_holding_records_private(rw, notes, role):
    shared, private = notes
    api = rw.api(role)
    allowed = role in PRIVATE_READERS
    expected = [shared, private] if allowed else [shared]
    # the notes endpoint, oldest first
    assert api.get(rw.notes_url()).json()["notes"] == expected
    # the session's array: its detail, the list, a page of the list
    assert api.get(sessions_url(rw.workspace) + f"/{rw.session.pk}").json()["session"]["notes"] == expected
    (item,) = api.get(sessions_url(rw.workspace)).json()["sessions"]
    assert item["notes"] == expected
    assert api.get(sessions_url(rw.workspace), {"limit": 1}).json()["sessions"][0]["notes"] == expected
    # one private note's path is a 404 for those who may not read it, as if it were not there
    assert api.get(f"{rw.notes_url()}/{private['id']}").status_code == (200 if allowed else 404)
    if role != Role.VIEWER:
        # (its author is the specialist; owners and admins change anyone's)
        patched = api.patch(f"{rw.notes_url()}/{private['id']}", {"body": "x"}, format="json")
        assert patched.status_code == (200 if allowed else 404)


def test_a_session_created_or_changed_answers_with_what_the_caller_may_read(rw, notes):
    shared, private = notes
    patch = {"name": "Renamed"}
    owner = rw.api().patch(sessions_url(rw.workspace) + f"/{rw.session.pk}", patch, format="json").json()
    assistant = rw.api(Role.ASSISTANT).patch(sessions_url(rw.workspace) + f"/{rw.session.pk}", patch, format="json")
    assert [n["id"] for n in owner["session"]["notes"]] == [shared["id"], private["id"]]
    assert [n["id"] for n in assistant.json()["session"]["notes"]] == [shared["id"]]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_or_an_owner_or_admin_changes_or_deletes(rw, role, member_client):
    author = member_client(Role.SPECIALIST)
    note = add(author, rw.notes_url(), "by the author", "shared").json()["note"]
    url = f"{rw.notes_url()}/{note['id']}"
    api = rw.api(role)

    patched = api.patch(url, {"body": "changed", "visibility": "private"}, format="json")
    if role in {Role.OWNER, Role.ADMIN}:
        assert patched.status_code == 200
        assert (
            patched.json()["note"]["body"] == "changed" and patched.json()["note"]["authorId"] == author.membership.pk
        )
    else:
        assert patched.status_code == 403 and patched.json()["error"]["code"] == "permission_denied"
        assert Note.objects.get(pk=note["id"]).body == "by the author"
    deleted = api.delete(url)
    assert deleted.status_code == (204 if role in {Role.OWNER, Role.ADMIN} else 403)
    # the author may change and delete their own
    if role not in {Role.OWNER, Role.ADMIN}:
        assert author.patch(url, {"body": "mine"}, format="json").status_code == 200
        assert author.delete(url).status_code == 204
    assert not Note.objects.filter(pk=note["id"]).exists()


def test_an_assistant_may_file_a_private_note_it_then_cannot_read(rw):
    response = add(rw.api(Role.ASSISTANT), rw.notes_url(), "for the specialist", "private")
    assert response.status_code == 201
    note_id = response.json()["note"]["id"]
    assert rw.api(Role.ASSISTANT).get(rw.notes_url()).json()["notes"] == []
    assert rw.api(Role.ASSISTANT).delete(f"{rw.notes_url()}/{note_id}").status_code == 404
    assert [n["id"] for n in rw.api(Role.SPECIALIST).get(rw.notes_url()).json()["notes"]] == [note_id]


def test_notes_of_another_session_or_workspace_are_not_found(rw, notes, other_workspace, member_client):
    from tests.sessions.factories import SessionFactory

    other = SessionFactory(workspace=rw.workspace)
    shared, _private = notes
    assert rw.api().get(f"{rw.notes_url(other)}/{shared['id']}").status_code == 404
    assert rw.api().get(rw.notes_url(other)).json()["notes"] == []
    stranger = member_client(Role.OWNER, ws=other_workspace)
    assert stranger.get(rw.notes_url()).status_code == 404
    assert stranger.get(rw.notes_url().replace(rw.workspace.pk, other_workspace.pk)).status_code == 404


def test_notes_are_paged(rw):
    made = [add(rw.api(), rw.notes_url(), f"n{i}").json()["note"]["id"] for i in range(5)]
    first = rw.api().get(rw.notes_url(), {"limit": 2}).json()
    second = rw.api().get(rw.notes_url(), {"limit": 2, "cursor": first["nextCursor"]}).json()
    third = rw.api().get(rw.notes_url(), {"limit": 2, "cursor": second["nextCursor"]}).json()
    assert [n["id"] for n in first["notes"] + second["notes"] + third["notes"]] == made
    assert third["nextCursor"] is None


def test_a_retried_note_is_written_once(rw):
    first = add(rw.api(), rw.notes_url(), "once", HTTP_IDEMPOTENCY_KEY="k1")
    again = add(rw.api(), rw.notes_url(), "once", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Note.objects.count() == 1


def test_deleting_a_session_deletes_its_notes_with_their_history(rw, notes):
    assert rw.api().delete(sessions_url(rw.workspace) + f"/{rw.session.pk}").status_code == 204
    assert not Note.objects.filter(session_id=rw.session.pk).exists()
    assert Note.history.filter(session_id=rw.session.pk, history_type="-").count() == 2


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_contracts_order_of_checks(rw, method):
    permission = "sessions.view" if method == "GET" else "sessions.update"
    body = (lambda ws: {"body": "x"}) if method == "POST" else None
    assert_access_order(Endpoint(method, lambda ws: rw.notes_url(), permission, body=body), rw.workspace)


def test_the_contracts_order_of_checks_on_one_note(rw):
    def path(ws):
        return f"{rw.notes_url()}/{add(rw.api(), rw.notes_url(), visibility='shared').json()['note']['id']}"

    # another member's note: sessions.update, then only owners and admins (records.manage)
    assert_access_order(Endpoint("PATCH", path, "records.manage", body=lambda ws: {"body": "y"}), rw.workspace)
    assert_access_order(Endpoint("DELETE", path, "records.manage"), rw.workspace)
