"""The benchmark's floor (bench/floor.py) gives the API's JSON, so that ratios to it compare like with like.

The benchmark itself is not run here (it takes minutes): these keep its hand-written SQL in step
with the API as the API changes.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.db import connection

from bench import floor
from billing.actions import invoice_draft_for_session, invoice_issue
from tests import factories
from tests.sessions.conftest import session_url, sessions_url
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_the_floor_list_is_the_api_list(workspace, owner):
    # given sessions with and without staff, with ordered services and custom fields
    staff = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=""))
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]
    made = [
        SessionFactory(
            workspace=workspace,
            staff=staff if i % 2 else None,
            services=services[i % 3 :] or services,
            date=dt.date(2024, 1, 15) + dt.timedelta(days=i % 5),
            start_time=dt.time(8 + i % 9),
            field_values=[{"fieldKey": "k", "value": i, "phase": "pre"}] if i % 3 else [],
        )
        for i in range(12)
    ]
    made[1].workspace = workspace
    invoice_issue(invoice=invoice_draft_for_session(session=made[1]))  # its invoice, issued
    params = {"dateFrom": "2024-01-15", "dateTo": "2024-01-18"}

    # when the API and the floor list the same range, then they give the same JSON
    api = owner.get(sessions_url(workspace), params)
    assert api.status_code == 200
    mine = floor.list_json(connection.connection, workspace.pk, params["dateFrom"], params["dateTo"])
    assert orjson.loads(mine) == api.json() and len(api.json()["sessions"]) > 5
    assert [s["invoice"]["status"] for s in api.json()["sessions"] if s["invoice"]] == ["issued"]


def test_the_floor_create_writes_what_the_api_then_reads(workspace, owner):
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(2)]
    written = orjson.loads(
        floor.create_json(
            connection.connection,
            workspace_id=workspace.pk,
            client_id=client.pk,
            client_name=client.name,
            staff_id=staff.pk,
            staff_name=staff.user.name,
            services=[(s.pk, s.name) for s in services],
            day=dt.date(2035, 1, 2),
            start=dt.time(10),
            minutes=60,
        )
    )["session"]
    read = owner.get(session_url(workspace, written["id"])).json()["session"]
    assert read == written
