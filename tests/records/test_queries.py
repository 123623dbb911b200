"""The records' lists and details cost the same number of queries for 1 record as for many, and the
session lists and details stay at 2 whatever the notes and attachments each session has, for callers
who read private records and for those who do not (the visibility is part of the one query).

Every request pays one query before its own work: the caller's membership joined with its workspace
and their user (authentication and tenancy in one)."""

from __future__ import annotations

import pytest

from tests.records.factories import (
    ConsultationAttachmentFactory,
    NoteFactory,
    SessionAttachmentFactory,
    SessionFieldFactory,
)
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

MANY = 40


def make(rw, rows: int):
    authors = [rw.members[Role.SPECIALIST], rw.members[Role.ASSISTANT], None]
    for i in range(rows):
        visibility = "private" if i % 2 else "shared"
        NoteFactory(session=rw.session, author=authors[i % 3], visibility=visibility)
        SessionAttachmentFactory(booking=rw.session, uploaded_by=authors[i % 3], visibility=visibility)
        ConsultationAttachmentFactory(booking=rw.consultation, visibility=visibility)
        SessionFieldFactory(workspace=rw.workspace)


# (path of the list, path of one item or None) -> queries: each is
#   2. the session (or consultation) the records are nested under, in the workspace (404 otherwise)
#   3. the records the caller may read, as rows of their read shape (authors' names joined)
ENDPOINTS = {
    "notes": (lambda rw: rw.notes_url(), 3),
    "session attachments": (lambda rw: rw.files_url(), 3),
    "consultation attachments": (lambda rw: rw.files_url(nutrition=True), 3),
    # 2. the workspace's definitions (no parent)
    "session fields": (lambda rw: f"{rw.root()}/session-fields", 2),
}


@pytest.mark.parametrize("role", [Role.OWNER, Role.ASSISTANT])
@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_records_lists_and_details_do_not_grow_with_rows(rw, endpoint, rows, role, django_assert_num_queries):
    make(rw, rows)
    path, queries = ENDPOINTS[endpoint]
    api = rw.api(role)
    with django_assert_num_queries(queries):
        response = api.get(path(rw))
    assert response.status_code == 200
    (items,) = [value for value in response.json().values() if isinstance(value, list)]
    assert len(items) == (rows if role == Role.OWNER or endpoint == "session fields" else (rows + 1) // 2)
    one = items[-1].get("id") or items[-1].get("key")
    with django_assert_num_queries(queries):
        assert api.get(f"{path(rw)}/{one}").status_code == 200


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])
@pytest.mark.parametrize("rows", [1, MANY])
def test_session_lists_and_details_stay_at_two_queries(rw, rows, role, django_assert_num_queries):
    # given sessions with many notes and attachments each (private and shared)
    sessions = [rw.session, *(SessionFactory(workspace=rw.workspace) for _ in range(4))]
    for session in sessions:
        for i in range(rows):
            NoteFactory(
                session=session, author=rw.members[Role.SPECIALIST], visibility="private" if i % 2 else "shared"
            )
            SessionAttachmentFactory(booking=session, visibility="private" if i % 2 else "shared")
    for i in range(rows):
        ConsultationAttachmentFactory(booking=rw.consultation, visibility="private" if i % 2 else "shared")
    api = rw.api(role)
    readable = rows if role == Role.OWNER else (rows + 1) // 2
    # 1. the caller's membership with its workspace and user  2. the sessions with their services,
    #    notes and attachments as arrays
    for path in (f"{rw.root()}/sessions", f"{rw.root()}/nutrition/sessions"):
        with django_assert_num_queries(2):
            items = api.get(path).json()["sessions"]
        with django_assert_num_queries(2):
            detail = api.get(f"{path}/{items[0]['id']}").json()["session"]
        assert detail == items[0]
        assert {len(item["attachments"]) for item in items} == {readable}
    assert {len(item["notes"]) for item in api.get(f"{rw.root()}/sessions").json()["sessions"]} == {readable}
