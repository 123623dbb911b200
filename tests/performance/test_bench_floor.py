"""The benchmark's floor (bench/floor.py) gives the API's JSON, so that ratios to it compare like with like.

The benchmark itself is not run here (it takes minutes): these keep its hand-written SQL in step
with the API as the API changes.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.db import connection

from availability.models import TimeOff
from bench import floor
from tests import factories
from tests.availability.conftest import make_team, next_clock_change, set_hours, set_policy
from tests.nutrition.factories import NutritionSessionFactory
from tests.performance.listing import LISTED, listed_sessions
from tests.sessions.conftest import session_url, sessions_url
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def test_the_floor_list_is_the_api_list(workspace, owner, member_client):
    # given the sessions the contenders are checked on (tests/performance/listing.py)
    listed_sessions(workspace)
    params = LISTED

    # when the API and the floor list the same range, then they give the same JSON
    api = owner.get(sessions_url(workspace), params)
    assert api.status_code == 200
    mine = floor.list_json(connection.connection, workspace.pk, params["dateFrom"], params["dateTo"])
    assert orjson.loads(mine) == api.json() and len(api.json()["sessions"]) > 5
    assert [s["invoice"]["status"] for s in api.json()["sessions"] if s["invoice"]] == ["issued"]
    assert sum(len(s["notes"]) for s in api.json()["sessions"]) == 6
    # and as a caller without records.private sees it: shared notes and attachments only
    viewer = member_client(Role.VIEWER).get(sessions_url(workspace), params)
    theirs = floor.list_json(connection.connection, workspace.pk, *params.values(), private=False)
    assert orjson.loads(theirs) == viewer.json()
    assert sum(len(s["attachments"]) for s in viewer.json()["sessions"]) == 3


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


def test_the_floor_free_slots_are_the_apis(db):
    # given a Berlin practice around the night its clocks go forward: three members with working
    # hours (one across midnight), bookings of both kinds (some cancelled), time off, a policy
    team = make_team("Europe/Berlin")
    day = next_clock_change("Europe/Berlin", forward=True)
    others = [factories.MembershipFactory(workspace=team.workspace) for _ in range(2)]
    set_hours(team.staff, *[(weekday, "00:00", "05:00") for weekday in range(1, 8)])
    set_hours(others[0], *[(weekday, "09:00", "12:00") for weekday in range(1, 8)], (3, "13:00", "24:00"))
    set_hours(others[1], (day.isoweekday(), "01:30", "03:30"), (day.isoweekday() % 7 + 1, "00:00", "08:00"))
    set_policy(team.workspace, slot_step_minutes=20, buffer_minutes=10, min_notice_minutes=30)
    SessionFactory(workspace=team.workspace, staff=team.staff, date=day, start_time=dt.time(1), duration_minutes=40)
    SessionFactory(workspace=team.workspace, staff=others[0], date=day, start_time=dt.time(10), status="cancelled")
    NutritionSessionFactory(workspace=team.workspace, staff=others[0], date=day, start_time=dt.time(10, 30))
    NutritionSessionFactory(
        workspace=team.workspace, staff=team.staff, date=day, start_time=dt.time(3), status="no_show"
    )
    TimeOff.objects.create(
        workspace=team.workspace,
        membership=others[1],
        starts_at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2), dt.UTC),
        ends_at=dt.datetime.combine(day + dt.timedelta(days=1), dt.time(3, 15), dt.UTC),
    )
    first, last = day - dt.timedelta(days=1), day + dt.timedelta(days=2)

    # when the API and the floor answer the same query, then they give the same JSON
    api = team.slots(dateFrom=first.isoformat(), dateTo=last.isoformat(), durationMinutes=45)
    assert api.status_code == 200
    mine = floor.slots_json(connection.connection, team.workspace.pk, first, last, 45, dt.datetime.now(dt.UTC))
    assert orjson.loads(mine) == api.json() and len(api.json()["slots"]) > 20
