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

from nutrition.models import FollowUp, NutritionSession
from tests import factories
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
    # 3. the workspace's clients (search and order through client_ws_search_idx)
    "clients": ("clients", make_clients, 2, 2),
    # 3. the workspace's members joined with their users
    "members": ("members", make_members, 2, None),
    # 3. the workspace's live services
    "services": ("services", make_services, 2, 2),
    # 3. the sessions as rows of the read shape, with client and staff names joined (on id and
    #    workspace), the services as one [id, name] array per session and the notes and attachments
    #    the caller may read as one JSON array each, in the same query (sessions.selectors.session_rows,
    #    records.selectors); the detail reads the same row
    "sessions": ("sessions", make_sessions, 2, 2),
    # 3. the consultations as rows of the read shape, each with its follow-ups and its attachments
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
# transaction of its own (no surrounding test transaction, so no savepoint either):
#   1. the caller's membership with its workspace and their user
#   BEGIN
#   2. the workspace's active custom field definitions (records.fields: fieldValues are checked
#      against them, required "pre" ones needed)
#   3. the client    4. the services (one query for the list)    5. the staff member with its user
#   6. the staff member's row locked (SELECT ... FOR UPDATE: concurrent bookings take turns)
#   7. any overlapping session of either kind (one UNION ALL, each through its staff index)
#   8. INSERT the session    9. INSERT its history row (history app)
#   10. the workspace's webhook endpoints subscribed to session.created (notifications: none here, so
#       nothing more; a session in the past sends no email and has no reminder)
#   11. INSERT its service links
#   12. the session read back as a row of the read shape (the one lists and details read)
#   COMMIT
CREATE_QUERIES = 14


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("services", [1, 5])
def test_create_query_count(workspace, owner, services, django_assert_num_queries):
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    chosen = [factories.ServiceFactory(workspace=workspace, duration_minutes=10) for _ in range(services)]
    body = {
        "name": "Check-up",
        "clientId": client.pk,
        "serviceIds": [service.pk for service in chosen],
        "staffId": staff.pk,
        "date": "2024-01-20",
        "startTime": "10:00",
    }
    with django_assert_num_queries(CREATE_QUERIES):
        response = owner.post(f"/api/v1/workspace/{workspace.pk}/sessions", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()["session"]
    # and the answer is what reading the session back gives
    assert owner.get(f"/api/v1/workspace/{workspace.pk}/sessions/{created['id']}").json()["session"] == created
