"""The benchmark's best hand-tuned DRF variant (bench/drf.py) gives the API's answers and does its work.

The benchmark itself is not run here (it takes minutes): these keep the variant in step with the
API as the API changes, so that "x best DRF" compares like with like.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.test import override_settings
from procrastinate.contrib.django.models import ProcrastinateJob

from history.models import HistoricalSession
from notifications.emails import booking_lock
from notifications.models import Email, Reminder
from sessions.models import Session, SessionService
from tests import factories
from tests.notifications.helpers import run_write_jobs
from tests.nutrition.factories import NutritionSessionFactory
from tests.performance.listing import LISTED, listed_sessions
from tests.sessions.conftest import sessions_url
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def drf(client, method: str, workspace, **kwargs):
    """``client``'s request to the variant (its own URLs), at the API's path under /api/drf."""
    with override_settings(ROOT_URLCONF="bench.drf"):
        return getattr(client, method)(sessions_url(workspace, prefix="/api/drf"), **kwargs)


def test_the_drf_list_is_the_api_list(workspace, owner, member_client):
    # given the sessions the contenders are checked on (tests/performance/listing.py)
    listed_sessions(workspace)
    params = LISTED

    # when the API and the variant list the same range, then they give the same JSON
    api = owner.get(sessions_url(workspace), params)
    mine = drf(owner, "get", workspace, data=params)
    assert api.status_code == mine.status_code == 200
    assert orjson.loads(mine.content) == api.json() and len(api.json()["sessions"]) > 5
    assert [s["invoice"]["status"] for s in api.json()["sessions"] if s["invoice"]] == ["issued"]
    assert sum(len(s["notes"]) for s in api.json()["sessions"]) == 6
    assert [] in [s["serviceIds"] for s in api.json()["sessions"]]
    # and as a caller without records.private sees it: shared notes and attachments only
    viewer = member_client(Role.VIEWER)
    assert (
        orjson.loads(drf(viewer, "get", workspace, data=params).content)
        == viewer.get(sessions_url(workspace), params).json()
    )


def test_the_drf_list_is_for_members_only(workspace, owner, other_workspace, member_client, api_client):
    assert drf(api_client, "get", workspace).status_code == 401
    assert drf(member_client(Role.OWNER, ws=other_workspace), "get", workspace).status_code == 404


def _written(session_id: str) -> dict:
    """What a create wrote besides the session: its services, history, the job of its emails (and
    what that job makes: emails, reminders, their jobs)."""
    write_jobs = list(
        ProcrastinateJob.objects.filter(lock=booking_lock("session", session_id)).values_list("task_name", flat=True)
    )
    run_write_jobs()
    emails = list(Email.objects.filter(booking_id=session_id).values_list("pk", flat=True))
    reminders = list(Reminder.objects.filter(booking_id=session_id).values_list("pk", flat=True))
    jobs = ProcrastinateJob.objects.filter(args__email_id__in=emails) | ProcrastinateJob.objects.filter(
        args__reminder_id__in=reminders
    )
    history = HistoricalSession.objects.get(id=session_id)
    return {
        "services": list(
            SessionService.objects.filter(session_id=session_id).order_by("position").values_list("service_id")
        ),
        "history": (history.history_type, history.door, history.history_user_id, history.service_ids),
        "emails": list(Email.objects.filter(booking_id=session_id).values_list("kind", "to", "state")),
        "reminders": list(Reminder.objects.filter(booking_id=session_id).values_list("hours", "state")),
        "jobs": sorted(jobs.values_list("task_name", flat=True)),
        "write_jobs": write_jobs,
    }


def test_the_drf_create_answers_and_writes_as_the_api(workspace, owner):
    # given a client, a staff member and two services
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    services = [factories.ServiceFactory(workspace=workspace, duration_minutes=m) for m in (30, 45)]
    body = {
        "name": "Bench",
        "clientId": client.pk,
        "serviceIds": [services[1].pk, services[0].pk],
        "staffId": staff.pk,
        "date": "2035-01-02",
        "startTime": "10:00",
    }

    # when the API and the variant each book it (the variant a day later: no clash)
    api = owner.post(sessions_url(workspace), body, format="json")
    mine = drf(owner, "post", workspace, data={**body, "date": "2035-01-03"}, format="json")

    # then both answer 201 with the same session, and wrote the same rows around it
    assert api.status_code == mine.status_code == 201, mine.content
    theirs, ours = api.json()["session"], orjson.loads(mine.content)["session"]
    unique = {"id", "date", "createdAt", "updatedAt"}
    assert {k: v for k, v in ours.items() if k not in unique} == {k: v for k, v in theirs.items() if k not in unique}
    assert ours["date"] == "2035-01-03T00:00:00.000Z" and ours["durationMinutes"] == 75
    written = _written(ours["id"])
    assert written == _written(theirs["id"])
    assert written["emails"] and written["reminders"] and len(written["jobs"]) == 2
    assert written["write_jobs"] == ["notifications.make_emails"]
    assert Session.objects.get(pk=ours["id"]).ends_at == dt.datetime(2035, 1, 3, 11, 15, tzinfo=dt.UTC)


def test_the_drf_create_refuses_a_double_booking(workspace, owner):
    # given a staff member booked from 10:00 to 11:00 on one day and in a consultation on the next
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    service = factories.ServiceFactory(workspace=workspace, duration_minutes=60)
    SessionFactory(workspace=workspace, staff=staff, date=dt.date(2035, 1, 2), start_time=dt.time(10))
    SessionFactory(
        workspace=workspace, staff=staff, date=dt.date(2035, 1, 2), start_time=dt.time(12), status="cancelled"
    )
    NutritionSessionFactory(workspace=workspace, staff=staff, date=dt.date(2035, 1, 3), start_time=dt.time(10))
    body = {"name": "Bench", "clientId": client.pk, "serviceIds": [service.pk], "staffId": staff.pk}

    def book(day: str, start: str):
        return drf(owner, "post", workspace, data={**body, "date": day, "startTime": start}, format="json")

    # when the variant books over either booking, then it refuses (409) and writes nothing
    before = Session.objects.count()
    for day, start in (("2035-01-02", "10:30"), ("2035-01-02", "09:01"), ("2035-01-03", "10:59")):
        answer = book(day, start)
        assert answer.status_code == 409, answer.content
        assert orjson.loads(answer.content)["error"]["code"] == "staff_conflict"
    assert Session.objects.count() == before
    # but books next to them, and over a cancelled session
    assert book("2035-01-02", "11:00").status_code == 201
    assert book("2035-01-02", "12:00").status_code == 201
    assert book("2035-01-03", "09:00").status_code == 201


def test_the_drf_create_keeps_to_the_workspace(workspace, owner, other_workspace):
    theirs = factories.ClientFactory(workspace=other_workspace)
    service = factories.ServiceFactory(workspace=workspace)
    body = {"name": "Bench", "clientId": theirs.pk, "serviceIds": [service.pk], "date": "2035-01-02"}
    answer = drf(owner, "post", workspace, data={**body, "startTime": "10:00"}, format="json")
    assert answer.status_code == 400 and "clientId" in orjson.loads(answer.content)["error"]["fields"]
