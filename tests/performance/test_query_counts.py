"""Every list and detail endpoint runs the same number of SQL queries for 1 row as for many.

A later change that reads something per row (an N+1) fails here. The counts are exact: a change
that adds a query anywhere must say so by changing the number and its comment.

Every request pays one query before its own work:
  1. the caller's membership joined with its workspace and their user (authentication: the user
     the token names, checked; tenancy: 404 / 403 checks)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from config.db.wire import server_statements
from history.models import HistoricalSession
from notifications.models import Email, Reminder, WebhookDelivery, WebhookEndpoint
from nutrition.models import FollowUp, NutritionSession
from sessions.models import SessionService
from tests import factories
from tests.notifications.helpers import run_write_jobs
from tests.records.factories import ConsultationAttachmentFactory, NoteFactory, SessionAttachmentFactory
from tests.sessions.factories import SessionFactory
from workspaces.timezones import local_span

pytestmark = pytest.mark.django_db

MANY = 60


def make_clients(workspace, n):
    return [factories.ClientFactory(workspace=workspace).pk for _ in range(n)]


def make_members(workspace, n):
    return [factories.MembershipFactory(workspace=workspace).pk for _ in range(n)]


def make_services(workspace, n):
    return [factories.ServiceFactory(workspace=workspace).pk for _ in range(n)]


def make_sessions(workspace, n):
    """Sessions with 0 to 3 services, 0 to 4 notes (private and shared, by named authors) and 0 to 4
    attachments each."""
    client = factories.ClientFactory(workspace=workspace)
    staff = [factories.MembershipFactory(workspace=workspace) for _ in range(3)]
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]
    sessions = [
        SessionFactory(
            workspace=workspace,
            client=client if i % 2 else factories.ClientFactory(workspace=workspace),
            staff=staff[i % 3] if i % 4 else None,
            services=services[: 1 + i % 3],
            date=dt.date(2024, 1, 15) + dt.timedelta(days=i % 7),
            start_time=dt.time(8 + i % 10, (i * 7) % 60),
        )
        for i in range(n)
    ]
    for i, session in enumerate(sessions):
        for k in range(i % 5):
            visibility = "private" if k % 2 else "shared"
            NoteFactory(session=session, author=staff[k % 3], visibility=visibility)
            SessionAttachmentFactory(booking=session, uploaded_by=staff[k % 3], visibility=visibility)
    return [session.pk for session in sessions]


def make_consultations(workspace, n):
    client = factories.ClientFactory(workspace=workspace)
    ids = []
    for i in range(n):
        day, start = dt.date(2024, 1, 15) + dt.timedelta(days=i % 7), dt.time(8 + i % 10)
        starts_at, ends_at = local_span(day, start, 30, workspace.timezone)
        consultation = NutritionSession.objects.create(
            workspace=workspace,
            client=client,
            staff=factories.MembershipFactory(workspace=workspace) if i % 2 else None,
            type="online",
            date=day,
            start_time=start,
            end_time=dt.time(8 + i % 10, 30),
            duration_minutes=30,
            starts_at=starts_at,
            ends_at=ends_at,
            notes_private="p",
        )
        for k in range(i % 3):
            FollowUp.objects.create(workspace=workspace, session=consultation, due_date=day, note=f"f{k}")
            ConsultationAttachmentFactory(booking=consultation, visibility="private" if k % 2 else "shared")
        ids.append(consultation.pk)
    return ids


# (path under the workspace, rows maker, list queries, detail queries or None when there is no detail)
ENDPOINTS = {
    # 2. the workspace's clients (search and order through client_ws_search_idx)
    "clients": ("clients", make_clients, 2, 2),
    # 2. the workspace's members joined with their users
    "members": ("members", make_members, 2, None),
    # 2. the workspace's live services
    "services": ("services", make_services, 2, 2),
    # 2. the sessions as rows of the read shape, with client and staff names joined (on id and
    #    workspace), the services as one [id, name] array per session and the notes and attachments
    #    the caller may read as one JSON array each, in the same query (sessions.selectors.session_rows,
    #    records.selectors); the detail reads the same row
    "sessions": ("sessions", make_sessions, 2, 2),
    # 2. the consultations as rows of the read shape, each with its follow-ups and its attachments
    #    as JSON arrays (nutrition.selectors.nutrition_rows, through nutrition_followup_ws_idx and
    #    records_consfile_ws_idx); the detail alike
    "nutrition": ("nutrition/sessions", make_consultations, 2, 2),
}


@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_list_query_count_does_not_grow_with_rows(endpoint, rows, workspace, owner, django_assert_num_queries):
    # given 1 or many rows (with related rows of their own)
    path, make, list_queries, _detail = ENDPOINTS[endpoint]
    made = make(workspace, rows)

    # when the whole list is read, then it costs the same number of queries
    with django_assert_num_queries(list_queries):
        response = owner.get(f"/api/v1/workspace/{workspace.pk}/{path}")
    assert response.status_code == 200
    body = response.json()
    (items,) = [value for value in body.values() if isinstance(value, list)]
    assert {item["id"] for item in items} >= set(made)


@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_page_costs_what_the_whole_list_costs(endpoint, rows, workspace, owner, django_assert_num_queries):
    path, make, list_queries, _detail = ENDPOINTS[endpoint]
    make(workspace, rows)
    with django_assert_num_queries(list_queries):
        response = owner.get(f"/api/v1/workspace/{workspace.pk}/{path}", {"limit": 10})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, MANY])
@pytest.mark.parametrize("endpoint", [name for name, spec in ENDPOINTS.items() if spec[3] is not None])
def test_detail_query_count_does_not_grow_with_rows(endpoint, rows, workspace, owner, django_assert_num_queries):
    path, make, _list, detail_queries = ENDPOINTS[endpoint]
    target = make(workspace, rows)[-1]
    with django_assert_num_queries(detail_queries):
        response = owner.get(f"/api/v1/workspace/{workspace.pk}/{path}/{target}")
    assert response.status_code == 200


# A create (POST .../sessions with services and a staff member) as production runs it, in a
# transaction of its own (no surrounding test transaction, so no savepoint either). What the
# server receives (config/db/wire.py reads it on the wire):
#   1. the caller's membership with its workspace and their user
#   2. BEGIN
#   3. what the write refers to, in one statement (config.db.together): the client, the services,
#      the staff member with their user (its row locked, SELECT ... FOR UPDATE: concurrent bookings
#      of that member take turns; config.db.locks notes it held), the workspace's active custom
#      field definitions
#   4. after the lock: what the working-hours check needs and whether any booking of either kind
#      overlaps (one UNION ALL inside, each through its staff index)
#   5. the writes, in one statement (config.db.batch): the session, its history row, its service
#      links, and (a session ahead, a client with an email) the one job that makes the
#      confirmation and the reminder in the worker (notifications.emails); with an
#      Idempotency-Key, the kept answer
#   6. COMMIT
# With an Idempotency-Key, the key's claim comes first (one INSERT ... ON CONFLICT). Nobody in
# the workspace listens to session.created (Workspace.listened_events): no endpoints query.
# The answer is made from the objects in hand, not read back (sessions.selectors.new_session_row).
CREATE_STATEMENTS = 6
# Django's query log lists the held writes one by one: 1, BEGIN, 3, 4, the session, its history
# row, its links (a session in the past: no email), COMMIT
CREATE_STATEMENTS_MADE = 8


def _session_body(workspace, *, services: int, day: str = "2024-01-20", email: str = "") -> dict:
    client = factories.ClientFactory(workspace=workspace, email=email)
    staff = factories.MembershipFactory(workspace=workspace)
    chosen = [factories.ServiceFactory(workspace=workspace, duration_minutes=10) for _ in range(services)]
    return {
        "name": "Check-up",
        "clientId": client.pk,
        "serviceIds": [service.pk for service in chosen],
        "staffId": staff.pk,
        "date": day,
        "startTime": "10:00",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("services", [1, 5])
def test_create_statement_count(workspace, owner, services, django_assert_num_queries):
    body = _session_body(workspace, services=services)
    with django_assert_num_queries(CREATE_STATEMENTS_MADE), server_statements(connection) as sent:
        response = owner.post(f"/api/v1/workspace/{workspace.pk}/sessions", body, format="json")
    assert response.status_code == 201, response.content
    assert len(sent) == CREATE_STATEMENTS, "\n".join(sent)
    assert sent[1] == '"BEGIN"' and sent[-1] == '"COMMIT"'
    assert 'FOR UPDATE OF "workspaces_membership"' in sent[2]
    assert sent[-2].startswith('"WITH _w0 AS (INSERT INTO "appointments_session"')
    created = response.json()["session"]
    # and the answer is what reading the session back gives
    assert owner.get(f"/api/v1/workspace/{workspace.pk}/sessions/{created['id']}").json()["session"] == created


def _jobs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT task_name FROM procrastinate_jobs ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_create_that_notifies_with_a_key_is_seven_statements(workspace, owner):
    # given a session ahead for a client with an email (a confirmation and a reminder), a key
    workspace.reminder_hours = [24]
    workspace.save()
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    body = _session_body(workspace, services=2, day=day, email="amal@example.com")
    jobs_before = _jobs()
    with server_statements(connection) as sent:
        response = owner.post(
            f"/api/v1/workspace/{workspace.pk}/sessions", body, format="json", headers={"Idempotency-Key": "k-1"}
        )
    assert response.status_code == 201, response.content
    # then the key's claim, and everything else as without it
    assert len(sent) == CREATE_STATEMENTS + 1, "\n".join(sent)
    assert sent[2].startswith('"INSERT INTO workspaces_idempotencyrecord')
    writes = sent[-2]
    for part in (
        'INSERT INTO "appointments_session"',
        'INSERT INTO "history_historicalsession"',
        "procrastinate_defer_jobs_v1",
        'INSERT INTO "appointments_sessionservice"',
        "UPDATE workspaces_idempotencyrecord",
    ):
        assert part in writes, part
    assert 'INSERT INTO "notifications_email"' not in writes  # (made by the job, in the worker)
    # and every row of the statement is there: the job queued, the answer kept (and replayed)
    assert _jobs()[len(jobs_before) :] == ["notifications.make_emails"]
    session_id = response.json()["session"]["id"]
    assert not Email.objects.filter(booking_id=session_id).exists()
    (job,) = run_write_jobs()
    assert job["history_id"] == HistoricalSession.objects.get(id=session_id).history_id
    assert _jobs()[len(jobs_before) :] == [
        "notifications.make_emails",
        "notifications.send_email",
        "notifications.send_reminder",
    ]
    assert Email.objects.filter(booking_id=session_id).count() == 1
    assert Reminder.objects.filter(booking_id=session_id).count() == 1
    assert SessionService.objects.filter(session_id=session_id).count() == 2
    replay = owner.post(
        f"/api/v1/workspace/{workspace.pk}/sessions", body, format="json", headers={"Idempotency-Key": "k-1"}
    )
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == response.json()


@pytest.mark.django_db(transaction=True)
def test_a_workspace_listening_to_the_event_pays_its_endpoints_query(workspace, owner):
    # given an endpoint listening to session.created
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace, url="https://hooks.example.com/in", events=["session.created"], secret="whsec_x"
    )
    body = _session_body(workspace, services=1)
    with server_statements(connection) as sent:
        response = owner.post(f"/api/v1/workspace/{workspace.pk}/sessions", body, format="json")
    assert response.status_code == 201, response.content
    # then the endpoints are asked (the writes made so far go first) and the event is queued
    assert len(sent) == CREATE_STATEMENTS + 2, "\n".join(sent)
    assert any('FROM "notifications_webhookendpoint"' in statement for statement in sent)
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1


def _prepared(text: str) -> int:
    """Statements prepared on this connection (PostgreSQL's own view of the session) containing ``text``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
        return cursor.fetchone()[0]


def test_a_list_and_the_membership_are_prepared_on_their_second_run(workspace, owner):
    # given a list read once: planned by PostgreSQL as it runs, prepared nowhere
    make_sessions(workspace, 3)
    path = f"/api/v1/workspace/{workspace.pk}/sessions"
    assert owner.get(path).status_code == 200
    assert _prepared('FROM "appointments_session"') == 0
    # when it is read again (other values: the same compiled shape)
    assert owner.get(path, {"dateFrom": "2024-01-15"}).status_code == 200
    assert owner.get(path, {"dateFrom": "2024-01-16"}).status_code == 200
    # then the server holds the list's statement and the membership's, prepared: later requests
    # send only their values, and PostgreSQL plans neither again
    assert _prepared('FROM "appointments_session"') == 1
    assert _prepared('FROM "workspaces_membership" INNER JOIN "workspaces_user"') == 1
    # and what the server receives is still two statements a read
    with server_statements(connection) as sent:
        assert owner.get(path, {"dateFrom": "2024-01-17"}).status_code == 200
    assert len(sent) == 2 and sent[1].startswith('"SELECT "appointments_session"'), sent
