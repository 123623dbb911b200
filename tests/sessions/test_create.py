"""POST .../sessions: every field and rule of seed 001 and the contract."""

from __future__ import annotations

import pytest

from billing.models import Invoice
from records.models import SessionField
from sessions.models import Session, SessionService
from tests import factories
from tests.sessions.conftest import body_for, sessions_url

pytestmark = pytest.mark.django_db


def create(world, **overrides):
    return world.api.post(sessions_url(world.workspace), body_for(world, **overrides), format="json")


def created(world, **overrides) -> dict:
    response = create(world, **overrides)
    assert response.status_code == 201, response.content
    return response.json()["session"]


# -- duration ---------------------------------------------------------------------------------


def test_duration_is_the_sum_of_the_services_when_not_given(world):
    # given services of 45 and 30 minutes; when created without durationMinutes
    session = created(world, startTime="09:00")
    # then 75 minutes, ending at 10:15
    assert (session["durationMinutes"], session["endTime"]) == (75, "10:15")


def test_explicit_duration_wins_over_the_services(world):
    session = created(world, durationMinutes=20)
    assert (session["durationMinutes"], session["endTime"]) == (20, "09:20")


def test_a_service_without_duration_counts_zero(world, workspace):
    # given one service of 45 minutes and one without a duration
    untimed = factories.ServiceFactory(workspace=workspace, duration_minutes=None)
    session = created(world, serviceIds=[world.services[0].pk, untimed.pk])
    assert session["durationMinutes"] == 45


def test_no_duration_at_all_becomes_60(world, workspace):
    untimed = [factories.ServiceFactory(workspace=workspace, duration_minutes=None) for _ in range(2)]
    session = created(world, serviceIds=[s.pk for s in untimed], startTime="23:30")
    # and endTime wraps past midnight as HH:mm
    assert (session["durationMinutes"], session["endTime"]) == (60, "00:30")


def test_null_duration_means_computed(world):
    body = body_for(world)
    body["durationMinutes"] = None
    response = world.api.post(sessions_url(world.workspace), body, format="json")
    assert response.status_code == 201
    assert response.json()["session"]["durationMinutes"] == 75


def test_duplicate_services_count_once_and_keep_the_order_sent(world):
    massage, checkup = world.services
    session = created(world, serviceIds=[checkup.pk, massage.pk, checkup.pk])
    assert session["serviceIds"] == [checkup.pk, massage.pk]
    assert session["serviceNames"] == ["Checkup", "Massage"]
    assert session["durationMinutes"] == 75
    assert SessionService.objects.count() == 2


def test_services_adding_up_past_a_day_is_400_on_duration(world, workspace):
    long = [factories.ServiceFactory(workspace=workspace, duration_minutes=800) for _ in range(2)]
    response = create(world, serviceIds=[s.pk for s in long])
    assert response.status_code == 400
    assert "durationMinutes" in response.json()["error"]["fields"]


@pytest.mark.parametrize(("duration", "end"), [(1, "09:01"), (1440, "09:00")])
def test_duration_edges(world, duration, end):
    session = created(world, durationMinutes=duration)
    assert (session["durationMinutes"], session["endTime"]) == (duration, end)


# -- dates, defaults and names ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent", ["2024-01-20", "2024-01-20T10:00:00Z", "2024-01-20T23:30:00-05:00", "2024-01-20T00:30:00+14:00"]
)
def test_date_is_its_date_part_as_written(world, sent):
    assert created(world, date=sent)["date"] == "2024-01-20T00:00:00.000Z"


def test_defaults_and_looked_up_names(world):
    session = created(world, status=None, fieldValues=None)
    assert session["status"] == "scheduled"
    assert session["fieldValues"] == [] and session["attachments"] == [] and session["notes"] == []
    assert session["invoice"] is None
    assert session["clientName"] == "Amal" and session["staffName"] == "Dr. Nour"


def test_without_staff_the_staff_fields_are_null(world):
    session = created(world, staffId=None)
    assert session["staffId"] is None and session["staffName"] is None
    body = body_for(world)
    body["staffId"] = None
    assert world.api.post(sessions_url(world.workspace), body, format="json").json()["session"]["staffId"] is None


def test_staff_name_falls_back_to_email(world, workspace):
    nameless = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name="", email="x@y.test"))
    assert created(world, staffId=nameless.pk)["staffName"] == "x@y.test"


@pytest.mark.parametrize("status", ["scheduled", "in-progress", "completed", "cancelled"])
def test_a_session_may_be_created_in_any_status(world, status):
    assert created(world, status=status)["status"] == status


def test_server_owned_fields_are_ignored(world):
    session = created(
        world,
        id="aaaaaaaaaaaaaaaaaaaaaaaa",
        workspaceId="bbbbbbbbbbbbbbbbbbbbbbbb",
        clientName="Forged",
        serviceNames=["Forged"],
        staffName="Forged",
        endTime="23:59",
        createdAt="2000-01-01T00:00:00.000Z",
        attachments=[{"url": "x"}],
        notes=["n"],
        invoice={"total": 1},
    )
    assert not Invoice.objects.exists()
    assert session["id"] != "aaaaaaaaaaaaaaaaaaaaaaaa"
    assert session["workspaceId"] == world.workspace.pk
    assert session["clientName"] == "Amal" and session["staffName"] == "Dr. Nour"
    assert session["endTime"] == "10:15"
    assert (session["attachments"], session["notes"], session["invoice"]) == ([], [], None)


def test_field_values_are_stored_and_returned_as_sent(world):
    values = [
        {"fieldKey": "mood", "value": "ok", "phase": "pre"},
        {"fieldKey": "weight", "value": 72.5, "phase": "post"},
        {"fieldKey": "smoker", "value": False, "phase": "pre"},
        {"fieldKey": "empty", "value": None, "phase": "post"},
        {"fieldKey": "tags", "value": ["a", 1], "phase": "pre"},
        {"fieldKey": "ملاحظة", "value": "نص عربي", "phase": "pre"},
    ]
    session = created(world, fieldValues=values)
    assert session["fieldValues"] == values
    assert Session.objects.get().field_values == values


# -- bad input: 400 naming the field --------------------------------------------------------------

ID = "0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 5}, "name"),
        ({"name": "nul\x00"}, "name"),
        ({"clientId": None}, "clientId"),
        ({"clientId": "nope"}, "clientId"),
        ({"clientId": 12}, "clientId"),
        ({"serviceIds": None}, "serviceIds"),
        ({"serviceIds": []}, "serviceIds"),
        ({"serviceIds": "0123456789abcdef01234567"}, "serviceIds"),
        ({"serviceIds": ["nope"]}, "serviceIds"),
        ({"serviceIds": [ID] * 51}, "serviceIds"),
        ({"staffId": "NOPE"}, "staffId"),
        ({"date": None}, "date"),
        ({"date": "2024-02-30"}, "date"),
        ({"date": "20/01/2024"}, "date"),
        ({"date": "2024-01-20T25:00:00Z"}, "date"),
        ({"date": 20240120}, "date"),
        ({"startTime": None}, "startTime"),
        ({"startTime": "9:00"}, "startTime"),
        ({"startTime": "24:00"}, "startTime"),
        ({"startTime": "10:60"}, "startTime"),
        ({"startTime": "10:00:00"}, "startTime"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"durationMinutes": 1441}, "durationMinutes"),
        ({"durationMinutes": "90"}, "durationMinutes"),
        ({"durationMinutes": 1.5}, "durationMinutes"),
        ({"durationMinutes": True}, "durationMinutes"),
        ({"status": "done"}, "status"),
        ({"status": ["scheduled"]}, "status"),
        ({"fieldValues": "x"}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": "v", "phase": "during"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "", "value": "v", "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k" * 101, "value": "v", "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": "v" * 2001, "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": "a\x00b", "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k\x00", "value": "v", "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": {"nested": 1}, "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": ["x"] * 51, "phase": "pre"}]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": "v"}]}, "fieldValues"),
        ({"fieldValues": ["x"]}, "fieldValues"),
        ({"fieldValues": [{"fieldKey": "k", "value": "v", "phase": "pre"}] * 101}, "fieldValues"),
    ],
)
def test_bad_input_is_400_naming_the_field(world, overrides, field):
    response = create(world, **overrides)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    assert not Session.objects.exists()


def test_field_value_edges_are_accepted(world):
    values = [{"fieldKey": "k" * 100, "value": "v" * 2000, "phase": "pre"}] * 100
    assert len(created(world, fieldValues=values)["fieldValues"]) == 100


def test_body_that_is_not_an_object_is_400(world):
    response = world.api.post(sessions_url(world.workspace), ["x"], format="json")
    assert response.status_code == 400


# -- references: 404 when not in the workspace ---------------------------------------------------


@pytest.mark.parametrize("field", ["clientId", "serviceIds", "staffId"])
def test_unknown_reference_is_404_naming_it(world, field):
    value = [ID] if field == "serviceIds" else ID
    response = create(world, **{field: value})
    assert response.status_code == 404
    assert field in response.json()["error"]["fields"]
    assert not Session.objects.exists()


def test_another_workspaces_client_service_or_staff_is_404(world, other_workspace):
    foreign = {
        "clientId": factories.ClientFactory(workspace=other_workspace).pk,
        "serviceIds": [world.services[0].pk, factories.ServiceFactory(workspace=other_workspace).pk],
        "staffId": factories.MembershipFactory(workspace=other_workspace).pk,
    }
    for field, value in foreign.items():
        response = create(world, **{field: value})
        assert response.status_code == 404, field
        assert field in response.json()["error"]["fields"]
    assert not Session.objects.exists()


def test_deleted_service_is_404_and_inactive_one_is_400(world, workspace):
    from django.utils import timezone

    deleted = factories.ServiceFactory(workspace=workspace, deleted_at=timezone.now())
    inactive = factories.ServiceFactory(workspace=workspace, is_active=False)
    assert create(world, serviceIds=[deleted.pk]).status_code == 404
    response = create(world, serviceIds=[world.services[0].pk, inactive.pk])
    assert response.status_code == 400
    assert "serviceIds" in response.json()["error"]["fields"]


def test_inactive_membership_is_not_a_staff_member(world, workspace):
    gone = factories.MembershipFactory(workspace=workspace, is_active=False)
    response = create(world, staffId=gone.pk)
    assert response.status_code == 404
    assert "staffId" in response.json()["error"]["fields"]


def test_nonexistent_local_time_is_400(world, workspace):
    # given a workspace in Berlin: 2024-03-31 02:30 does not exist (clocks go 02:00 -> 03:00)
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    response = create(world, date="2024-03-31", startTime="02:30")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "nonexistent_local_time"
    assert "startTime" in error["fields"]
    assert not Session.objects.exists()


def test_real_instants_use_the_workspace_time_zone(world, workspace):
    import datetime as dt

    workspace.timezone = "Africa/Cairo"
    workspace.save()
    created(world, date="2024-01-20", startTime="10:00", durationMinutes=30)
    session = Session.objects.get()
    assert session.starts_at == dt.datetime(2024, 1, 20, 8, 0, tzinfo=dt.UTC)
    assert session.ends_at == dt.datetime(2024, 1, 20, 8, 30, tzinfo=dt.UTC)


def test_ambiguous_local_time_is_its_first_occurrence(world, workspace):
    import datetime as dt

    # 2024-10-27 02:30 happens twice in Berlin; the first is still summer time (UTC+2)
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    created(world, date="2024-10-27", startTime="02:30", durationMinutes=60)
    assert Session.objects.get().starts_at == dt.datetime(2024, 10, 27, 0, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("timezone", "date", "start"),
    [("Asia/Tokyo", "0001-01-01", "00:00"), ("UTC", "0001-01-01", "00:00"), ("UTC", "9999-12-31", "23:30")],
)
def test_dates_at_the_ends_of_the_calendar_are_400_not_500(world, workspace, timezone, date, start):
    workspace.timezone = timezone
    workspace.save()
    response = create(world, date=date, startTime=start, durationMinutes=60)
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_both_prefixes_and_trailing_slash_answer_without_redirect(world, prefix, slash):
    url = sessions_url(world.workspace, prefix) + slash
    response = world.api.post(url, body_for(world, staffId=None), format="json")
    assert response.status_code == 201
    session_id = response.json()["session"]["id"]
    assert world.api.get(url).status_code == 200
    detail = f"{sessions_url(world.workspace, prefix)}/{session_id}{slash}"
    assert world.api.get(detail).status_code == 200
    assert world.api.patch(detail, {"name": "x"}, format="json").status_code == 200


# -- the answer -------------------------------------------------------------------------------
# (made from the objects in hand, not read back: sessions.selectors.new_session_row)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"staffId": None},  # no staff member
        {"staff": "no name"},  # a staff member without a name: their email
        {"serviceIds": "reversed, one twice"},
        {"fieldValues": "with definitions"},
        {"status": "completed", "durationMinutes": 25, "startTime": "23:50"},
    ],
    ids=["plain", "no-staff", "staff-email", "services-order", "field-values", "completed-past-midnight"],
)
def test_the_answer_is_byte_for_byte_what_reading_the_session_gives(world, workspace, overrides):
    overrides = dict(overrides)
    if overrides.pop("staff", None):
        unnamed = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=""))
        overrides["staffId"] = unnamed.pk
    if overrides.get("serviceIds"):
        first, second = world.services
        overrides["serviceIds"] = [second.pk, first.pk, second.pk]
    if overrides.get("fieldValues"):
        SessionField.objects.create(workspace=workspace, key="weight", label="Weight", type="number", phase="pre")
        SessionField.objects.create(
            workspace=workspace, key="goal", label="Goal", type="choice", phase="pre", options=["lose", "keep"]
        )
        overrides["fieldValues"] = [
            {"fieldKey": "weight", "value": 71.5, "phase": "pre"},
            {"phase": "pre", "fieldKey": "goal", "value": "keep"},
        ]
    response = create(world, **overrides)
    assert response.status_code == 201, response.content
    session_id = response.json()["session"]["id"]
    read = world.api.get(f"{sessions_url(workspace)}/{session_id}")
    assert response.content == read.content
