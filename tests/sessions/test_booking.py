"""Double booking: a staff member's overlapping sessions are refused (409 staff_conflict),
on real instants in the workspace's time zone, also when requests race."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from sessions.models import Session
from tests import factories
from tests.conftest import bearer
from tests.sessions.conftest import body_for, session_url, sessions_url
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def book(world, **overrides):
    return world.api.post(sessions_url(world.workspace), body_for(world, **overrides), format="json")


def assert_conflict(response) -> None:
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "staff_conflict"


@pytest.fixture
def ten_to_eleven(world, workspace):
    """The staff member's session on 2024-03-05 from 10:00 to 11:00."""
    return SessionFactory(
        workspace=workspace,
        client=world.client,
        staff=world.staff,
        date=dt.date(2024, 3, 5),
        start_time=dt.time(10),
        duration_minutes=60,
    )


@pytest.mark.parametrize(
    ("start", "minutes"),
    [
        ("10:00", 60),  # the same slot
        ("09:30", 31),  # ends one minute into it
        ("10:59", 30),  # starts in its last minute
        ("10:15", 15),  # inside it
        ("09:00", 180),  # around it
    ],
)
def test_overlaps_are_409(world, ten_to_eleven, start, minutes):
    assert_conflict(book(world, date="2024-03-05", startTime=start, durationMinutes=minutes))
    assert Session.objects.count() == 1


@pytest.mark.parametrize(("start", "minutes"), [("11:00", 60), ("09:00", 60), ("09:30", 30)])
def test_touching_is_not_an_overlap(world, ten_to_eleven, start, minutes):
    assert book(world, date="2024-03-05", startTime=start, durationMinutes=minutes).status_code == 201


def test_other_days_do_not_conflict(world, ten_to_eleven):
    assert book(world, date="2024-03-06", startTime="10:00", durationMinutes=60).status_code == 201


def test_overlap_across_midnight(world, workspace):
    SessionFactory(
        workspace=workspace,
        staff=world.staff,
        date=dt.date(2024, 3, 5),
        start_time=dt.time(23, 30),
        duration_minutes=60,
    )
    assert_conflict(book(world, date="2024-03-06", startTime="00:15", durationMinutes=30))
    assert book(world, date="2024-03-06", startTime="00:30", durationMinutes=30).status_code == 201


def test_a_cancelled_session_does_not_block(world, ten_to_eleven):
    Session.objects.filter(pk=ten_to_eleven.pk).update(status="cancelled")
    assert book(world, date="2024-03-05", startTime="10:00", durationMinutes=60).status_code == 201


@pytest.mark.parametrize("status", ["in-progress", "completed"])
def test_active_statuses_block(world, ten_to_eleven, status):
    Session.objects.filter(pk=ten_to_eleven.pk).update(status=status)
    assert_conflict(book(world, date="2024-03-05", startTime="10:30"))


def test_a_new_cancelled_session_does_not_conflict(world, ten_to_eleven):
    response = book(world, date="2024-03-05", startTime="10:00", status="cancelled")
    assert response.status_code == 201


def test_another_staff_member_or_none_does_not_conflict(world, workspace, ten_to_eleven):
    other = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    assert book(world, date="2024-03-05", startTime="10:00", staffId=other.pk).status_code == 201
    assert book(world, date="2024-03-05", startTime="10:00", staffId=None).status_code == 201
    assert book(world, date="2024-03-05", startTime="10:00", staffId=None).status_code == 201


# -- moves (PATCH) ------------------------------------------------------------------------------


def test_moving_into_an_overlap_is_409_and_changes_nothing(world, workspace, ten_to_eleven):
    later = SessionFactory(
        workspace=workspace, client=world.client, staff=world.staff, date=dt.date(2024, 3, 5), start_time=dt.time(12)
    )
    url = session_url(workspace, later)
    for body in ({"startTime": "10:30"}, {"durationMinutes": 60, "startTime": "11:30", "name": "x"}):
        response = world.api.patch(url, body, format="json")
        if body.get("startTime") == "11:30":
            assert response.status_code == 200  # 11:30-12:30 touches nothing
            continue
        assert_conflict(response)
    later.refresh_from_db()
    assert later.start_time == dt.time(11, 30)
    # a longer duration reaching back is a move too
    assert_conflict(world.api.patch(url, {"startTime": "10:45", "durationMinutes": 15}, format="json"))


def test_moving_a_session_over_its_own_old_time_is_fine(world, workspace, ten_to_eleven):
    response = world.api.patch(session_url(workspace, ten_to_eleven), {"startTime": "10:30"}, format="json")
    assert response.status_code == 200


def test_changing_the_staff_member_checks_the_new_one(world, workspace, ten_to_eleven):
    other = factories.MembershipFactory(workspace=workspace)
    theirs = SessionFactory(workspace=workspace, staff=other, date=dt.date(2024, 3, 5), start_time=dt.time(10, 30))
    assert_conflict(world.api.patch(session_url(workspace, theirs), {"staffId": world.staff.pk}, format="json"))


def test_changing_services_that_lengthen_the_session_checks(world, workspace, ten_to_eleven):
    earlier = SessionFactory(
        workspace=workspace, staff=world.staff, date=dt.date(2024, 3, 5), start_time=dt.time(9), duration_minutes=60
    )
    long = factories.ServiceFactory(workspace=workspace, duration_minutes=90)
    assert_conflict(world.api.patch(session_url(workspace, earlier), {"serviceIds": [long.pk]}, format="json"))


def test_an_unrelated_patch_of_an_already_overlapping_session_succeeds(world, workspace, ten_to_eleven):
    # imported data may already overlap; renaming it is not a move
    twin = SessionFactory(workspace=workspace, staff=world.staff, date=dt.date(2024, 3, 5), start_time=dt.time(10))
    assert world.api.patch(session_url(workspace, twin), {"name": "Renamed"}, format="json").status_code == 200
    assert world.api.patch(session_url(workspace, twin), {"status": "completed"}, format="json").status_code == 200


def test_cancelling_frees_the_slot(world, workspace, ten_to_eleven):
    assert_conflict(book(world, date="2024-03-05", startTime="10:00"))
    world.api.patch(session_url(workspace, ten_to_eleven), {"status": "cancelled"}, format="json")
    assert book(world, date="2024-03-05", startTime="10:00").status_code == 201


# -- time zones: overlaps on real instants --------------------------------------------------------


def berlin(workspace):
    workspace.timezone = "Europe/Berlin"
    workspace.save()


def test_spring_forward_overlap_uses_real_instants(world, workspace):
    # Berlin, 2024-03-31: 02:00 becomes 03:00. 01:30 + 60 minutes really ends at 03:30 local.
    berlin(workspace)
    assert book(world, date="2024-03-31", startTime="01:30", durationMinutes=60).status_code == 201
    # on the wall clock 01:30-02:30 and 03:00 do not meet, but in real time they do
    assert_conflict(book(world, date="2024-03-31", startTime="03:00", durationMinutes=30))
    assert book(world, date="2024-03-31", startTime="03:30", durationMinutes=30).status_code == 201
    # and a time in the gap is refused
    response = book(world, date="2024-03-31", startTime="02:30", durationMinutes=30, staffId=None)
    assert response.status_code == 400 and response.json()["error"]["code"] == "nonexistent_local_time"


def test_fall_back_overlap_uses_real_instants(world, workspace):
    # Berlin, 2024-10-27: 03:00 becomes 02:00. 02:00 (first) + 90 minutes ends at 02:30 (second).
    berlin(workspace)
    assert book(world, date="2024-10-27", startTime="02:00", durationMinutes=90).status_code == 201
    # on the wall clock 02:00-03:30 would contain 03:00, but in real time it ended an hour before
    assert book(world, date="2024-10-27", startTime="03:00", durationMinutes=30).status_code == 201
    assert_conflict(book(world, date="2024-10-27", startTime="01:30", durationMinutes=60))


def test_same_wall_clock_in_two_zones_is_not_the_same_instant(world, workspace):
    # a staff member's session booked while the workspace was in UTC...
    assert book(world, date="2024-03-05", startTime="10:00", durationMinutes=60).status_code == 201
    # ...and one at 12:30 Cairo time (10:30 UTC) overlaps it in real time; 13:00 (11:00 UTC) touches
    workspace.timezone = "Africa/Cairo"
    workspace.save()
    assert_conflict(book(world, date="2024-03-05", startTime="12:30", durationMinutes=30))
    assert book(world, date="2024-03-05", startTime="13:00", durationMinutes=30).status_code == 201


# -- races ---------------------------------------------------------------------------------------


def race(calls) -> list:
    """Run the callables at once in threads; each closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_one_slot_book_it_once(workspace):
    # given one free slot of one staff member, and 8 callers (each their own client and name)
    staff = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    client = factories.ClientFactory(workspace=workspace)
    service = factories.ServiceFactory(workspace=workspace, duration_minutes=60)
    callers = [bearer(factories.MembershipFactory(workspace=workspace, role=Role.ASSISTANT).user) for _ in range(8)]

    def attempt(api, i):
        body = {
            "name": f"Attempt {i}",
            "clientId": client.pk,
            "serviceIds": [service.pk],
            "staffId": staff.pk,
            "date": "2024-05-01",
            "startTime": f"10:{i:02d}",  # all overlapping
        }
        return api.post(sessions_url(workspace), body, format="json")

    # when they all book at once
    responses = race([lambda api=api, i=i: attempt(api, i) for i, api in enumerate(callers)])

    # then exactly one 201, every other a 409 staff_conflict, and one row
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 7, statuses
    assert all(r.json()["error"]["code"] == "staff_conflict" for r in responses if r.status_code == 409)
    assert Session.objects.filter(workspace=workspace, staff=staff).count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_moves_into_one_slot_succeed_once(workspace):
    staff = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    sessions = [
        SessionFactory(workspace=workspace, staff=staff, date=dt.date(2024, 5, 1), start_time=dt.time(8 + 2 * i))
        for i in range(6)
    ]
    callers = [bearer(owner.user) for _ in sessions]
    responses = race(
        [
            lambda api=api, s=s: api.patch(session_url(workspace, s), {"startTime": "20:00"}, format="json")
            for api, s in zip(callers, sessions, strict=True)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 5, statuses
    assert Session.objects.filter(staff=staff, start_time=dt.time(20)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_lifecycle_moves_apply_one_after_the_other(workspace):
    # two callers finish a scheduled session differently at once: one wins, the other is a 409
    owner = factories.MembershipFactory(workspace=workspace, role=Role.OWNER)
    session = SessionFactory(workspace=workspace)
    url = session_url(workspace, session)
    callers = {status: bearer(owner.user) for status in ("completed", "cancelled")}
    responses = race(
        [
            lambda api=api, status=status: api.patch(url, {"status": status}, format="json")
            for status, api in callers.items()
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] == "invalid_status_transition"


@pytest.mark.django_db
@pytest.mark.parametrize("changes", [{"colour": "red"}, {"created_at": None}], ids=["unknown", "not editable"])
def test_a_change_of_no_editable_field_is_a_programming_error(workspace, changes):
    from bookings.actions import booking_change

    session = SessionFactory(workspace=workspace)
    with pytest.raises(TypeError, match=r"booking_change\(\) got unexpected fields"):
        booking_change(session, changes)
    assert Session.objects.get(pk=session.pk).updated_at == session.updated_at
