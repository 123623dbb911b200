"""The one read shape of each kind of session: the same JSON in lists, details and create answers.

Sessions and consultations are read as plain rows formatted by PostgreSQL (sessions.selectors,
nutrition.selectors) and mapped by their read serializer. Every item of a list must be byte for
byte what the detail answers for it, and equal what the stored row means, computed here
independently with the Python wire formats (config.api.formats).
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.utils import timezone

from billing.actions import billing_settings_update, invoice_draft_for_session, invoice_issue
from billing.selectors import session_invoice_summaries
from config.api.formats import format_clock, format_day, format_instant
from config.api.rendering import JSONRenderer
from nutrition.models import FollowUp, NutritionSession
from records.models import ConsultationAttachment, SessionAttachment
from sessions.models import Session, SessionService
from tests import factories
from tests.conftest import bearer
from tests.nutrition.conftest import nutrition_url
from tests.records.expected import booking_attachments, session_notes
from tests.records.factories import ConsultationAttachmentFactory, NoteFactory, SessionAttachmentFactory
from tests.sessions.conftest import sessions_url
from tests.sessions.factories import SessionFactory
from workspaces.roles import Role
from workspaces.timezones import local_span

pytestmark = pytest.mark.django_db


def expected_session(session: Session, private: bool = True) -> dict:
    """What the API must show for ``session``, from its stored row and the Python wire formats
    (``private``: to a caller who reads private notes and attachments)."""
    links = SessionService.objects.filter(session=session).select_related("service").order_by("position", "id")
    staff = session.staff
    return {
        "id": session.pk,
        "workspaceId": session.workspace_id,
        "clientId": session.client_id,
        "clientName": session.client.name,
        "serviceIds": [link.service_id for link in links],
        "serviceNames": [link.service.name for link in links],
        "staffId": session.staff_id,
        "staffName": None if staff is None else (staff.user.name or staff.user.email),
        "name": session.name,
        "date": format_day(session.date),
        "startTime": format_clock(session.start_time),
        "endTime": format_clock(session.end_time),
        "durationMinutes": session.duration_minutes,
        "status": session.status,
        "fieldValues": session.field_values,
        "attachments": booking_attachments(session, SessionAttachment, private),
        "notes": session_notes(session, private),
        "invoice": _invoice_of(session),
        "createdAt": format_instant(session.created_at),
        "updatedAt": format_instant(session.updated_at),
    }


def _invoice_of(session: Session) -> dict | None:
    """The session's invoice summary as the renderer writes it (money keeps its decimals)."""
    summary = session_invoice_summaries(workspace_id=session.workspace_id, session_ids=[session.pk]).get(session.pk)
    return None if summary is None else orjson.loads(JSONRenderer().render(summary))


def expected_consultation(session: NutritionSession, private_notes: bool) -> dict:
    follow_ups = FollowUp.objects.filter(session=session).order_by("due_date", "id")
    return {
        "id": session.pk,
        "workspaceId": session.workspace_id,
        "clientId": session.client_id,
        "specialistId": session.staff_id,
        "type": session.type,
        "status": session.status,
        "date": format_day(session.date),
        "startTime": format_clock(session.start_time),
        "endTime": format_clock(session.end_time),
        "durationMinutes": session.duration_minutes,
        "topic": session.topic,
        "notesPrivate": session.notes_private if private_notes else None,
        "notesShared": session.notes_shared,
        "attachments": booking_attachments(session, ConsultationAttachment, private_notes),
        "followUps": [
            {
                "id": f.pk,
                "dueDate": format_day(f.due_date),
                "note": f.note,
                "createdAt": format_instant(f.created_at),
                "updatedAt": format_instant(f.updated_at),
            }
            for f in follow_ups
        ],
        "meetingLink": session.meeting_link,
        "location": session.location,
        "createdAt": format_instant(session.created_at),
        "updatedAt": format_instant(session.updated_at),
    }


@pytest.fixture
def sessions(workspace):
    """Sessions covering every shape the list can meet."""
    nameless = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=""))
    named = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name="د. سارة"))
    services = [
        factories.ServiceFactory(workspace=workspace, name=name)
        for name in ("استشارة طبية", 'Quote " and, comma {x}', "Back\\slash")
    ]
    deleted = factories.ServiceFactory(workspace=workspace, name="Gone")
    deleted.deleted_at = timezone.now()
    deleted.save()
    client = factories.ClientFactory(workspace=workspace, name="عميل")
    made = [
        # no staff, one service
        SessionFactory(workspace=workspace, client=client, services=services[:1]),
        # a staff member without a name (shown by email), services in the order given, one deleted
        SessionFactory(
            workspace=workspace,
            client=client,
            staff=nameless,
            services=[services[2], deleted, services[0], services[1]],
            date=dt.date(2024, 1, 21),
            start_time=dt.time(23, 30),
            duration_minutes=45,  # ends past midnight
            status="in-progress",
            field_values=[
                {"fieldKey": "k", "value": ["a", 1, 2.5, True, None], "phase": "pre"},
                {"fieldKey": "n", "value": {"nested": "ignored but kept"}, "phase": "post"},
            ],
        ),
        # a named staff member, an early date, no services at all
        SessionFactory(workspace=workspace, client=client, staff=named, date=dt.date(999, 12, 31)),
    ]
    # an issued invoice in a currency of three decimals (the list must keep 3: 1.500, not 1.5)
    billing_settings_update(workspace=workspace, currency="KWD")
    made[0].workspace = workspace
    invoice_issue(invoice=invoice_draft_for_session(session=made[0]))
    # notes (one by a member without a name, one private, one with characters JSON escapes) and
    # attachments (an Arabic name, a private one)
    NoteFactory(session=made[1], body='سطر\nثاني\t! "quoted" \\', author=nameless)
    NoteFactory(session=made[1], body="private", visibility="private", author=named)
    NoteFactory(session=made[0], body="shared")
    SessionAttachmentFactory(booking=made[1], name="تحليل الدم.pdf", uploaded_by=named)
    SessionAttachmentFactory(booking=made[1], name="x.png", content_type="image/png", visibility="private")
    # timestamps whose milliseconds must be truncated, as format_instant does
    Session.objects.filter(pk=made[1].pk).update(
        created_at=dt.datetime(2024, 1, 15, 10, 30, 0, 999999, tzinfo=dt.UTC),
        updated_at=dt.datetime(2024, 2, 29, 23, 59, 59, 1000, tzinfo=dt.UTC),
    )
    return made


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])  # with and without private notes and attachments
def test_session_list_items_are_the_details_json(workspace, member_client, sessions, role):
    owner = member_client(role)
    # when the whole list is read
    response = owner.get(sessions_url(workspace))
    assert response.status_code == 200
    items = response.json()["sessions"]

    # then each item is byte for byte what the detail answers, and what the stored row means
    assert len(items) == len(sessions)
    for item in items:
        detail = owner.get(f"{sessions_url(workspace)}/{item['id']}")
        assert orjson.dumps(item) == orjson.dumps(detail.json()["session"])
        expected = expected_session(Session.objects.get(pk=item["id"]), private=role == Role.OWNER)
        assert list(item.items()) == list(expected.items())
    by_id = {item["id"]: item for item in items}
    assert by_id[sessions[1].pk]["serviceNames"] == ["Back\\slash", "Gone", "استشارة طبية", 'Quote " and, comma {x}']
    assert by_id[sessions[1].pk]["staffName"] == sessions[1].staff.user.email
    assert by_id[sessions[1].pk]["createdAt"] == "2024-01-15T10:30:00.999Z"
    assert by_id[sessions[2].pk]["date"] == "0999-12-31T00:00:00.000Z"
    assert by_id[sessions[2].pk]["serviceIds"] == []
    assert by_id[sessions[0].pk]["invoice"]["currency"] == "KWD" and by_id[sessions[1].pk]["invoice"] is None
    raw = response.content.decode()
    assert '"total":100.000' in raw  # the service's price, written with the currency's three decimals
    notes = [note["body"] for note in by_id[sessions[1].pk]["notes"]]
    assert notes == (['سطر\nثاني\t! "quoted" \\', "private"] if role == Role.OWNER else ['سطر\nثاني\t! "quoted" \\'])
    files = [file["name"] for file in by_id[sessions[1].pk]["attachments"]]
    assert files == (["تحليل الدم.pdf", "x.png"] if role == Role.OWNER else ["تحليل الدم.pdf"])


def test_session_pages_are_the_same_rows_in_the_same_order(workspace, owner, sessions):
    # given the whole list
    whole = owner.get(sessions_url(workspace)).json()["sessions"]

    # when it is read a page of one at a time, following the cursors
    paged, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        body = owner.get(sessions_url(workspace), params).json()
        paged += body["sessions"]
        cursor = body["nextCursor"]
        if cursor is None:
            break

    # then the pages hold the same items, in the same order
    assert paged == whole


@pytest.fixture
def consultations(workspace):
    specialist = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    client = factories.ClientFactory(workspace=workspace)

    def make(day, start, minutes, **fields):
        starts_at, ends_at = local_span(day, start, minutes, workspace.timezone)
        end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
        return NutritionSession.objects.create(
            workspace=workspace,
            client=client,
            date=day,
            start_time=start,
            end_time=end,
            duration_minutes=minutes,
            starts_at=starts_at,
            ends_at=ends_at,
            **fields,
        )

    made = [
        make(dt.date(2024, 1, 20), dt.time(10), 30, staff=specialist, type="online", meeting_link="https://x.example"),
        make(
            dt.date(2024, 1, 21),
            dt.time(9, 15),
            60,
            type="in_person",
            status="no_show",
            topic="متابعة",
            notes_private="خاص",
            notes_shared="مشترك",
            location="Room 2",
        ),
    ]
    ConsultationAttachmentFactory(booking=made[1], name="plan.pdf")
    ConsultationAttachmentFactory(booking=made[1], name="secret.pdf", visibility="private")
    for n in (3, 1, 2):
        FollowUp.objects.create(workspace=workspace, session=made[1], due_date=dt.date(2024, 2, n), note=f"n{n}")
    return made


@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])  # with and without private notes
def test_nutrition_list_items_are_the_details_json(workspace, member_client, consultations, role):
    caller = member_client(role)
    response = caller.get(nutrition_url(workspace))
    assert response.status_code == 200
    items = response.json()["sessions"]
    assert len(items) == len(consultations)
    for item in items:
        detail = caller.get(f"{nutrition_url(workspace)}/{item['id']}")
        assert orjson.dumps(item) == orjson.dumps(detail.json()["session"])
        instance = NutritionSession.objects.get(pk=item["id"])
        assert list(item.items()) == list(expected_consultation(instance, role == Role.OWNER).items())
    private = [item["notesPrivate"] for item in items]
    assert private == ([None, "خاص"] if role == Role.OWNER else [None, None])
    assert [f["note"] for f in items[1]["followUps"]] == ["n1", "n2", "n3"]


def test_nutrition_pages_are_the_same_rows_in_the_same_order(workspace, owner, consultations):
    whole = owner.get(nutrition_url(workspace)).json()["sessions"]
    first = owner.get(nutrition_url(workspace), {"limit": 1}).json()
    second = owner.get(nutrition_url(workspace), {"limit": 1, "cursor": first["nextCursor"]}).json()
    assert first["sessions"] + second["sessions"] == whole
    assert second["nextCursor"] is None


def test_another_workspaces_rows_never_show(workspace, owner, other_workspace, sessions):
    foreign = SessionFactory(workspace=other_workspace, services=[factories.ServiceFactory(workspace=other_workspace)])
    stranger = bearer(factories.MembershipFactory(workspace=other_workspace, role=Role.OWNER).user)
    ours = {item["id"] for item in owner.get(sessions_url(workspace)).json()["sessions"]}
    theirs = {item["id"] for item in stranger.get(sessions_url(other_workspace)).json()["sessions"]}
    assert ours == {s.pk for s in sessions} and theirs == {foreign.pk}


def test_a_create_answers_what_the_list_and_the_detail_show(workspace, owner):
    client = factories.ClientFactory(workspace=workspace, name="عميل")
    services = [factories.ServiceFactory(workspace=workspace, duration_minutes=20) for _ in range(2)]
    staff = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=""))
    body = {
        "name": "Visit",
        "clientId": client.pk,
        "serviceIds": [services[1].pk, services[0].pk],
        "staffId": staff.pk,
        "date": "2024-03-05",
        "startTime": "23:30",
        "fieldValues": [{"fieldKey": "k", "value": [1, "a"], "phase": "pre"}],
    }
    created = owner.post(sessions_url(workspace), body, format="json").json()["session"]
    (listed,) = owner.get(sessions_url(workspace)).json()["sessions"]
    detail = owner.get(f"{sessions_url(workspace)}/{created['id']}").json()["session"]
    assert orjson.dumps(created) == orjson.dumps(listed) == orjson.dumps(detail)
    assert created == expected_session(Session.objects.get(pk=created["id"]))
    assert (created["endTime"], created["staffName"]) == ("00:10", staff.user.email)

    consultation = {"clientId": client.pk, "type": "online", "date": "2024-03-06", "startTime": "10:00"}
    created = owner.post(
        nutrition_url(workspace), consultation | {"followUps": [{"dueDate": "2024-04-01", "note": "x"}]}, format="json"
    ).json()["session"]
    (listed,) = owner.get(nutrition_url(workspace)).json()["sessions"]
    assert orjson.dumps(created) == orjson.dumps(listed)
    assert created == expected_consultation(NutritionSession.objects.get(pk=created["id"]), True)
