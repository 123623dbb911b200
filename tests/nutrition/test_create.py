"""POST .../nutrition/sessions: seed 000 verbatim, every field, default and rule at its edge."""

from __future__ import annotations

import re

import pytest

from nutrition.models import FollowUp, NutritionSession
from tests import factories
from tests.nutrition.conftest import SEED_BODY, SEED_CLIENT, body_for, nutrition_url
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")

#: the seed's response keys, in the seed's order
SEED_RESPONSE_KEYS = [
    "id",
    "workspaceId",
    "clientId",
    "specialistId",
    "type",
    "status",
    "date",
    "startTime",
    "endTime",
    "durationMinutes",
    "topic",
    "notesPrivate",
    "notesShared",
    "attachments",
    "followUps",
    "meetingLink",
    "location",
    "createdAt",
    "updatedAt",
]


def create(world, **overrides):
    return world.api.post(nutrition_url(world.workspace), body_for(world, **overrides), format="json")


def created(world, **overrides) -> dict:
    response = create(world, **overrides)
    assert response.status_code == 201, response.content
    return response.json()["session"]


def assert_400(response, field: str | None) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    if field is not None:
        assert field in error["fields"], error
    return error


# -- seed 000 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
def test_seed_000_request_sent_verbatim_answers_the_seed_response(workspace, owner, prefix):
    # given the seed's client in the workspace
    factories.ClientFactory(pk=SEED_CLIENT, workspace=workspace, name="عميل")
    # when the seed's request is sent as published
    response = owner.post(nutrition_url(workspace, prefix), SEED_BODY, format="json")
    # then 201 with the seed's shape, keys in its order, and its values
    assert response.status_code == 201, response.content
    session = response.json()["session"]
    assert list(session) == SEED_RESPONSE_KEYS
    assert session | {"id": None, "createdAt": None, "updatedAt": None} == {
        "id": None,
        "workspaceId": workspace.pk,
        "clientId": "507f1f77bcf86cd799439011",
        "specialistId": None,
        "type": "online",
        "status": "scheduled",
        "date": "2024-01-20T00:00:00.000Z",
        "startTime": "10:00",
        "endTime": "10:30",
        "durationMinutes": 30,
        "topic": "متابعة أسبوعية",
        "notesPrivate": "ملاحظات للأخصائي فقط",
        "notesShared": "ملاحظات مشتركة مع العميل",
        "attachments": [],
        "followUps": [],
        "meetingLink": "https://zoom.us/j/123456789",
        "location": None,
        "createdAt": None,
        "updatedAt": None,
    }
    assert re.fullmatch(r"[0-9a-f]{24}", session["id"])
    assert INSTANT.match(session["createdAt"]) and INSTANT.match(session["updatedAt"])
    # and the Arabic text is stored and answered byte for byte (UTF-8, not \u escapes)
    stored = NutritionSession.objects.get(pk=session["id"])
    for field, key in [("topic", "topic"), ("notes_private", "notesPrivate"), ("notes_shared", "notesShared")]:
        assert getattr(stored, field).encode() == SEED_BODY[key].encode()
        assert SEED_BODY[key].encode() in response.content
    assert (stored.date.isoformat(), stored.start_time.isoformat(), stored.end_time.isoformat()) == (
        "2024-01-20",
        "10:00:00",
        "10:30:00",
    )


def test_seed_000_from_a_specialist_names_them_when_given(workspace, member_client):
    # given a specialist calling with their own member id as specialistId
    factories.ClientFactory(pk=SEED_CLIENT, workspace=workspace)
    specialist = member_client(Role.SPECIALIST)
    response = specialist.post(
        nutrition_url(workspace), SEED_BODY | {"specialistId": specialist.membership.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["session"]["specialistId"] == specialist.membership.pk
    assert response.json()["session"]["notesPrivate"] == SEED_BODY["notesPrivate"]


# -- defaults ---------------------------------------------------------------------------------


def test_minimal_body_gets_the_defaults(world):
    session = created(world)
    assert session["status"] == "scheduled"
    assert (session["startTime"], session["endTime"], session["durationMinutes"]) == ("09:00", "10:00", 60)
    assert session["specialistId"] is None
    assert session["location"] is None and session["meetingLink"] is None
    assert session["topic"] is None and session["notesPrivate"] is None and session["notesShared"] is None
    assert session["attachments"] == [] and session["followUps"] == []


def test_server_owned_fields_and_attachments_are_not_taken_from_the_body(world):
    session = created(
        world,
        id="aaaaaaaaaaaaaaaaaaaaaaaa",
        workspaceId="bbbbbbbbbbbbbbbbbbbbbbbb",
        createdAt="2000-01-01T00:00:00.000Z",
        attachments=["https://evil.example/x"],
    )
    assert session["id"] != "aaaaaaaaaaaaaaaaaaaaaaaa"
    assert session["workspaceId"] == world.workspace.pk
    assert not session["createdAt"].startswith("2000")
    assert session["attachments"] == []


def test_empty_strings_mean_none(world):
    session = created(world, topic="  ", location="", meetingLink="", notesShared="", notesPrivate=None)
    assert [session[k] for k in ("topic", "location", "meetingLink", "notesShared", "notesPrivate")] == [None] * 5


def test_a_session_may_be_created_in_another_status(world):
    assert created(world, status="completed")["status"] == "completed"


def test_location_for_in_person(world):
    assert created(world, type="in_person", location="عيادة المعادي، الدور الثاني")["location"] == (
        "عيادة المعادي، الدور الثاني"
    )


def test_date_time_counts_as_its_date_part_as_written(world):
    # 23:30 at -05:00 is the next day in UTC; the calendar date is the one written
    assert created(world, date="2024-01-20T23:30:00-05:00")["date"] == "2024-01-20T00:00:00.000Z"
    assert created(world, date="2024-01-21", startTime="11:00")["date"] == "2024-01-21T00:00:00.000Z"


# -- endTime and durationMinutes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "end", "duration"),
    [
        ({}, "10:00", 60),  # neither: 60 minutes
        ({"endTime": "09:01"}, "09:01", 1),  # only endTime, the shortest
        ({"endTime": "23:59"}, "23:59", 899),
        ({"durationMinutes": 1}, "09:01", 1),
        ({"durationMinutes": 1440}, "09:00", 1440),  # a whole day, ending at the same clock time
        ({"endTime": "09:45", "durationMinutes": 45}, "09:45", 45),  # both, agreeing
        ({"endTime": None, "durationMinutes": None}, "10:00", 60),  # null is "not given"
    ],
)
def test_end_time_and_duration(world, given, end, duration):
    session = created(world, startTime="09:00", **given)
    assert (session["endTime"], session["durationMinutes"]) == (end, duration)


def test_duration_past_midnight_ends_the_next_day(world):
    session = created(world, startTime="23:30", durationMinutes=60)
    assert (session["endTime"], session["durationMinutes"]) == ("00:30", 60)
    stored = NutritionSession.objects.get(pk=session["id"])
    assert (stored.ends_at - stored.starts_at).total_seconds() == 3600


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"endTime": "09:00"}, "endTime"),  # equal to startTime
        ({"endTime": "08:59"}, "endTime"),  # before startTime
        ({"endTime": "09:30", "durationMinutes": 31}, "durationMinutes"),  # disagree by a minute
        ({"endTime": "09:30", "durationMinutes": 29}, "durationMinutes"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"durationMinutes": 1441}, "durationMinutes"),
        ({"durationMinutes": -5}, "durationMinutes"),
        ({"durationMinutes": "30"}, "durationMinutes"),
        ({"durationMinutes": 30.5}, "durationMinutes"),
        ({"durationMinutes": True}, "durationMinutes"),
        ({"endTime": "24:00"}, "endTime"),
        ({"endTime": 930}, "endTime"),
    ],
)
def test_end_time_and_duration_rules(world, given, field):
    assert_400(create(world, startTime="09:00", **given), field)
    assert not NutritionSession.objects.exists()


# -- every other field at its edges -----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"clientId": ...}, "clientId"),
        ({"type": ...}, "type"),
        ({"date": ...}, "date"),
        ({"startTime": ...}, "startTime"),
        ({"clientId": "nope"}, "clientId"),
        ({"clientId": "507F1F77BCF86CD799439011"}, "clientId"),
        ({"clientId": 42}, "clientId"),
        ({"specialistId": "x" * 24}, "specialistId"),
        ({"type": "video"}, "type"),
        ({"type": ["online"]}, "type"),
        ({"type": None}, "type"),
        ({"status": "in-progress"}, "status"),
        ({"date": "2024-02-30"}, "date"),
        ({"date": "2024-01-20T25:00:00Z"}, "date"),
        ({"date": "20/01/2024"}, "date"),
        ({"date": 20240120}, "date"),
        ({"startTime": "9:00"}, "startTime"),
        ({"startTime": "24:00"}, "startTime"),
        ({"startTime": "10:60"}, "startTime"),
        ({"startTime": "10:00:00"}, "startTime"),
        ({"topic": "x" * 201}, "topic"),
        ({"topic": 5}, "topic"),
        ({"topic": "nul\x00byte"}, "topic"),
        ({"location": "x" * 301}, "location"),
        ({"notesShared": "x" * 10001}, "notesShared"),
        ({"notesPrivate": "x" * 10001}, "notesPrivate"),
        ({"notesPrivate": {"a": 1}}, "notesPrivate"),
        ({"meetingLink": "ftp://files.example.com/x"}, "meetingLink"),
        ({"meetingLink": "javascript:alert(1)"}, "meetingLink"),
        ({"meetingLink": "zoom.us/j/123"}, "meetingLink"),
        ({"meetingLink": "https://meet.example.com/" + "a" * 476}, "meetingLink"),  # 501 characters
        ({"followUps": "soon"}, "followUps"),
        ({"followUps": [{"dueDate": "2024-02-30", "note": "x"}]}, "followUps"),
        ({"followUps": [{"dueDate": "2024-02-01"}]}, "followUps"),
        ({"followUps": [{"dueDate": "2024-02-01", "note": ""}]}, "followUps"),
        ({"followUps": [{"dueDate": "2024-02-01", "note": "x" * 2001}]}, "followUps"),
        ({"followUps": [{"dueDate": "2024-02-01", "note": "x"}] * 51}, "followUps"),
    ],
)
def test_bad_input_is_400_naming_the_field(world, overrides, field):
    assert_400(create(world, **overrides), field)
    assert not NutritionSession.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"topic": "x" * 200},
        {"location": "x" * 300},
        {"notesShared": "x" * 10000, "notesPrivate": "y" * 10000},
        {"meetingLink": "http://meet.example.com/room"},
        {"meetingLink": "https://meet.example.com/" + "a" * 475},  # 500 characters
        {"followUps": [{"dueDate": "2024-02-01", "note": "x" * 2000}] * 50},
    ],
)
def test_values_at_their_limits_are_accepted(world, overrides):
    session = created(world, **overrides)
    for key, value in overrides.items():
        if key == "followUps":
            assert len(session[key]) == 50
        else:
            assert session[key] == value


def test_malformed_json_and_wrong_content_type(world):
    url = nutrition_url(world.workspace)
    response = world.api.generic("POST", url, b'{"clientId": ', content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_json"
    response = world.api.generic("POST", url, b"type=online", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


# -- references -------------------------------------------------------------------------------


def test_unknown_client_is_404_naming_the_field(world):
    response = create(world, clientId="0123456789abcdef01234567")
    assert response.status_code == 404
    assert "clientId" in response.json()["error"]["fields"]


def test_another_workspaces_client_and_specialist_are_404(world, other_workspace):
    foreign_client = factories.ClientFactory(workspace=other_workspace)
    foreign_staff = factories.MembershipFactory(workspace=other_workspace, role=Role.SPECIALIST)
    response = create(world, clientId=foreign_client.pk)
    assert response.status_code == 404 and "clientId" in response.json()["error"]["fields"]
    response = create(world, specialistId=foreign_staff.pk)
    assert response.status_code == 404 and "specialistId" in response.json()["error"]["fields"]
    assert not NutritionSession.objects.exists()


def test_an_inactive_member_is_not_a_specialist(world, workspace):
    gone = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST, is_active=False)
    response = create(world, specialistId=gone.pk)
    assert response.status_code == 404 and "specialistId" in response.json()["error"]["fields"]


# -- time zones -------------------------------------------------------------------------------


def test_real_instants_use_the_workspaces_time_zone(world, workspace):
    # given a practice in Cairo (UTC+3 in summer 2024, UTC+2 in winter)
    workspace.timezone = "Africa/Cairo"
    workspace.save()
    summer = NutritionSession.objects.get(pk=created(world, date="2024-07-01", startTime="10:00")["id"])
    winter = NutritionSession.objects.get(pk=created(world, date="2024-01-10", startTime="10:00")["id"])
    assert summer.starts_at.isoformat() == "2024-07-01T07:00:00+00:00"
    assert winter.starts_at.isoformat() == "2024-01-10T08:00:00+00:00"


def test_a_start_time_that_does_not_exist_is_400(world, workspace):
    # given Berlin, where 2024-03-31 02:00-03:00 is skipped
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    error = assert_400(create(world, date="2024-03-31", startTime="02:30"), "startTime")
    assert error["code"] == "nonexistent_local_time"
    # and the ambiguous 02:30 of 2024-10-27 is its first occurrence (UTC+2)
    session = NutritionSession.objects.get(pk=created(world, date="2024-10-27", startTime="02:30")["id"])
    assert session.starts_at.isoformat() == "2024-10-27T00:30:00+00:00"


# -- follow-ups given on create ---------------------------------------------------------------


def test_follow_ups_given_on_create_come_back_ordered_by_due_date(world):
    session = created(
        world,
        followUps=[
            {"dueDate": "2024-03-20T00:00:00.000Z", "note": "قياس الوزن"},
            {"dueDate": "2024-03-12", "note": "Send the meal plan"},
        ],
    )
    assert [(f["dueDate"], f["note"]) for f in session["followUps"]] == [
        ("2024-03-12T00:00:00.000Z", "Send the meal plan"),
        ("2024-03-20T00:00:00.000Z", "قياس الوزن"),
    ]
    assert set(session["followUps"][0]) == {"id", "dueDate", "note", "createdAt", "updatedAt"}
    assert FollowUp.objects.filter(session_id=session["id"], workspace=world.workspace).count() == 2


# -- idempotency ------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_response_and_creates_one_row(world):
    url = nutrition_url(world.workspace)
    body = body_for(world, specialistId=world.specialist.pk)
    first = world.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = world.api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert NutritionSession.objects.count() == 1  # and no staff_conflict with itself
    # the same key with another body is refused
    other = world.api.post(url, body | {"topic": "changed"}, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 409
    assert NutritionSession.objects.count() == 1
    # a new key creates a new one (another slot)
    fresh = world.api.post(url, body_for(world), format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    assert fresh.status_code == 201
    assert NutritionSession.objects.count() == 2


def test_a_failed_create_leaves_the_key_free_for_a_corrected_retry(world):
    url = nutrition_url(world.workspace)
    bad = world.api.post(url, body_for(world, type="video"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400
    good = world.api.post(url, body_for(world), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert good.status_code == 201


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_400_not_500(owner, workspace, day):
    # given a client, when a consultation is placed where no instant can be computed
    client = factories.ClientFactory(workspace=workspace)
    response = owner.post(
        nutrition_url(workspace),
        {"clientId": client.pk, "type": "online", "date": day, "startTime": "23:30", "durationMinutes": 60},
        format="json",
    )
    # then it is a 400 naming the date, and nothing is written
    assert response.status_code == 400, response.content
    assert "date" in response.json()["error"]["fields"]
    assert not NutritionSession.objects.filter(workspace=workspace).exists()
