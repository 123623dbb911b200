"""Workspaces to attack and every workspace endpoint, for the reliability suite's fast tests.

:func:`build_world` makes one workspace with a bit of everything (members, clients, services,
sessions, consultations with follow-ups); with ``marker`` every text in it carries that string,
so a test can assert that the workspace's data never reaches another workspace's callers.
:data:`ENDPOINTS` lists every workspace endpoint and method with the permission the contract
requires, how to build its path (fresh objects for writes) and a valid body.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from availability import actions as availability_actions
from availability.models import TimeOff
from tests import factories
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory
from tests.records.factories import (
    ConsultationAttachmentFactory,
    NoteFactory,
    SessionAttachmentFactory,
    SessionFieldFactory,
)
from tests.sessions.factories import SessionFactory
from workspaces.roles import PERMISSION_ROLES, Role

_counter = itertools.count()


@dataclass
class World:
    workspace: object
    owner: object  # Membership
    staff: object  # Membership (specialist)
    client: object
    services: list
    session: object
    consultation: object
    follow_up: object
    note: object
    attachment: object  # of the session (stored)
    consultation_attachment: object  # (stored)
    field: object  # a custom session field
    time_off: object  # the specialist's
    marker: str
    secrets: list[str] = field(default_factory=list)  # strings that must never leave the workspace

    @property
    def id(self) -> str:
        return self.workspace.pk

    def root(self, prefix: str = "/api/v1") -> str:
        return f"{prefix}/workspace/{self.workspace.pk}"

    # fresh objects, for the writes that change or delete them
    def new_client(self):
        return factories.ClientFactory(workspace=self.workspace, name=f"{self.marker} client {next(_counter)}")

    def new_service(self):
        return factories.ServiceFactory(workspace=self.workspace, name=f"{self.marker} service {next(_counter)}")

    def new_session(self):
        return SessionFactory(
            workspace=self.workspace,
            client=self.client,
            name=f"{self.marker} session {next(_counter)}",
            services=self.services,
        )

    def new_consultation(self):
        return NutritionSessionFactory(
            workspace=self.workspace,
            client=self.client,
            topic=f"{self.marker} topic {next(_counter)}",
            notes_private=f"{self.marker} private notes",
            notes_shared=f"{self.marker} shared notes",
        )

    def new_follow_up(self):
        return FollowUpFactory(workspace=self.workspace, session=self.consultation, note=f"{self.marker} follow-up")

    def new_note(self):  # by the specialist: only owners and admins change another's note
        return NoteFactory(session=self.session, author=self.staff, body=f"{self.marker} note {next(_counter)}")

    def new_attachment(self):
        return SessionAttachmentFactory(
            booking=self.session, uploaded_by=self.staff, name=f"{self.marker}-{next(_counter)}.pdf", stored=True
        )

    def new_consultation_attachment(self):
        return ConsultationAttachmentFactory(
            booking=self.consultation, uploaded_by=self.staff, name=f"{self.marker}-{next(_counter)}.pdf", stored=True
        )

    def new_field(self):
        return SessionFieldFactory(workspace=self.workspace, key=f"{self.marker.lower()}-{next(_counter)}")

    def new_time_off(self):
        starts_at = dt.datetime(2031, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_counter))
        return TimeOff.objects.create(
            workspace=self.workspace,
            membership=self.staff,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=12),
            reason=f"{self.marker} leave",
        )


def build_world(marker: str, **workspace_fields) -> World:
    workspace = factories.WorkspaceFactory(name=f"{marker} practice", **workspace_fields)
    owner = factories.MembershipFactory(
        workspace=workspace, role=Role.OWNER, user__email=f"owner.{marker.lower()}{next(_counter)}@example.com"
    )
    staff = factories.MembershipFactory(
        workspace=workspace, role=Role.SPECIALIST, user=factories.UserFactory(name=f"{marker} Dr")
    )
    client = factories.ClientFactory(
        workspace=workspace, name=f"{marker} client", email=f"{marker.lower()}@example.com", notes=f"{marker} notes"
    )
    services = [
        factories.ServiceFactory(workspace=workspace, name=f"{marker} service {n}", color=None) for n in range(2)
    ]
    session = SessionFactory(
        workspace=workspace, client=client, staff=staff, name=f"{marker} session", services=services
    )
    consultation = NutritionSessionFactory(
        workspace=workspace,
        client=client,
        staff=staff,
        date=dt.date(2024, 1, 21),  # the session holds the staff member on the 20th
        topic=f"{marker} topic",
        notes_private=f"{marker} private notes",
        notes_shared=f"{marker} shared notes",
    )
    follow_up = FollowUpFactory(workspace=workspace, session=consultation, note=f"{marker} follow-up")
    note = NoteFactory(session=session, author=staff, body=f"{marker} private note", visibility="private")
    attachment = SessionAttachmentFactory(booking=session, uploaded_by=staff, name=f"{marker}.pdf", stored=True)
    consultation_attachment = ConsultationAttachmentFactory(
        booking=consultation, uploaded_by=staff, name=f"{marker} plan.pdf", stored=True
    )
    field = SessionFieldFactory(workspace=workspace, key=f"{marker.lower()}-field", label=f"{marker} label")

    availability_actions.working_hours_set(membership=staff, intervals=[(day, 540, 1020) for day in range(1, 8)])
    time_off = TimeOff.objects.create(
        workspace=workspace,
        membership=staff,
        starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 1, 2, tzinfo=dt.UTC),
        reason=f"{marker} leave",
    )
    world = World(
        workspace, owner, staff, client, services, session, consultation, follow_up, note, attachment,
        consultation_attachment, field, time_off, marker,
    )  # fmt: skip
    world.secrets = [
        marker,
        workspace.pk,
        client.pk,
        session.pk,
        consultation.pk,
        follow_up.pk,
        note.pk,
        attachment.pk,
        consultation_attachment.pk,
        time_off.pk,
        staff.pk,
        *(s.pk for s in services),
    ]
    return world


# --------------------------------------------------------------------------------------------
# Every workspace endpoint and method
# --------------------------------------------------------------------------------------------


@dataclass
class Op:
    """One endpoint and method. ``path(world, prefix)`` may create the object it acts on."""

    name: str
    method: str
    permission: str
    path: Callable[[World, str], str]
    body: Callable[[World], dict] | None = None
    ok: int = 200
    kind: str = ""  # the collection: which objects of another workspace its path can name
    object_path: Callable[[World, str, str], str] | None = None  # (world, prefix, foreign id) -> path
    format: str = "json"  # of the body ("multipart": a file upload)

    def send(self, api, world: World, prefix: str = "/api/v1", path: str | None = None, body: dict | None = None):
        path = path or self.path(world, prefix)
        body = body if body is not None else (self.body(world) if self.body else None)
        call = getattr(api, self.method.lower())
        return call(path, body, format=self.format) if body is not None else call(path)

    def denied_roles(self) -> list[str]:
        return [role for role in Role if role not in PERMISSION_ROLES[self.permission]]


def _client_body(world: World) -> dict:
    return {"name": f"New client {next(_counter)}", "email": "new@example.com"}


def _service_body(world: World) -> dict:
    return {"name": f"New service {next(_counter)}", "durationMinutes": 30, "price": 50}


def _session_body(world: World) -> dict:
    n = next(_counter)
    return {
        "name": f"New session {n}",
        "clientId": world.client.pk,
        "serviceIds": [s.pk for s in world.services],
        "date": (dt.date(2031, 1, 1) + dt.timedelta(days=n)).isoformat(),
        "startTime": "09:00",
    }


def _consultation_body(world: World) -> dict:
    n = next(_counter)
    return {
        "clientId": world.client.pk,
        "type": "online",
        "date": (dt.date(2032, 1, 1) + dt.timedelta(days=n)).isoformat(),
        "startTime": "09:00",
    }


def _follow_up_body(world: World) -> dict:
    return {"dueDate": "2033-01-01", "note": "Weigh in"}


def _upload_body(world: World) -> dict:
    return {"file": SimpleUploadedFile("lab.pdf", b"%PDF-1.4\n%%EOF\n"), "visibility": "shared"}


def _field_body(world: World) -> dict:
    return {"key": f"field-{next(_counter)}", "label": "Weight", "type": "number", "phase": "post"}


def _nested(parent: str, attribute: str, collection: str, new: str | None = None):
    """``.../{parent}/{world's object}/{collection}[/{new object}]``"""

    def path(world: World, prefix: str) -> str:
        base = f"{world.root(prefix)}/{parent}/{getattr(world, attribute).pk}/{collection}"
        return base if new is None else f"{base}/{getattr(world, new)().pk}"

    return path


def _nested_foreign(parent: str, attribute: str, collection: str, suffix: str = ""):
    return lambda w, p, foreign: f"{w.root(p)}/{parent}/{getattr(w, attribute).pk}/{collection}/{foreign}{suffix}"


def _member(collection: str) -> Callable[[World, str], str]:
    """A path under the specialist (the callers are other members: the permission is needed)."""
    return lambda world, prefix: f"{world.root(prefix)}/members/{world.staff.pk}/{collection}"


def _foreign_member(collection: str) -> Callable[[World, str, str], str]:
    return lambda world, prefix, foreign_id: f"{world.root(prefix)}/members/{foreign_id}/{collection}"


SLOTS_QUERY = "availability?dateFrom=2031-01-06&dateTo=2031-01-07&durationMinutes=30"


def _item(collection: str, new: str) -> Callable[[World, str], str]:
    return lambda world, prefix: f"{world.root(prefix)}/{collection}/{getattr(world, new)().pk}"


def _foreign(collection: str) -> Callable[[World, str, str], str]:
    return lambda world, prefix, foreign_id: f"{world.root(prefix)}/{collection}/{foreign_id}"


def _collection(collection: str) -> Callable[[World, str], str]:
    return lambda world, prefix: f"{world.root(prefix)}/{collection}"


ENDPOINTS: list[Op] = [
    Op("clients list", "GET", "clients.view", _collection("clients")),
    Op("clients create", "POST", "clients.manage", _collection("clients"), _client_body, 201),
    Op(
        "clients get",
        "GET",
        "clients.view",
        _item("clients", "new_client"),
        kind="client",
        object_path=_foreign("clients"),
    ),
    Op(
        "clients patch",
        "PATCH",
        "clients.manage",
        _item("clients", "new_client"),
        lambda w: {"phone": "+20 1"},
        kind="client",
        object_path=_foreign("clients"),
    ),
    Op(
        "clients delete",
        "DELETE",
        "clients.manage",
        _item("clients", "new_client"),
        ok=204,
        kind="client",
        object_path=_foreign("clients"),
    ),
    Op("members list", "GET", "members.view", _collection("members")),
    Op("services list", "GET", "services.view", _collection("services")),
    Op("services create", "POST", "services.manage", _collection("services"), _service_body, 201),
    Op(
        "services get",
        "GET",
        "services.view",
        _item("services", "new_service"),
        kind="service",
        object_path=_foreign("services"),
    ),
    Op(
        "services patch",
        "PATCH",
        "services.manage",
        _item("services", "new_service"),
        lambda w: {"description": "changed"},
        kind="service",
        object_path=_foreign("services"),
    ),
    Op(
        "services delete",
        "DELETE",
        "services.manage",
        _item("services", "new_service"),
        ok=204,
        kind="service",
        object_path=_foreign("services"),
    ),
    Op("sessions list", "GET", "sessions.view", _collection("sessions")),
    Op("sessions create", "POST", "sessions.create", _collection("sessions"), _session_body, 201),
    Op(
        "sessions get",
        "GET",
        "sessions.view",
        _item("sessions", "new_session"),
        kind="session",
        object_path=_foreign("sessions"),
    ),
    Op(
        "sessions patch",
        "PATCH",
        "sessions.update",
        _item("sessions", "new_session"),
        lambda w: {"name": "Renamed"},
        kind="session",
        object_path=_foreign("sessions"),
    ),
    Op(
        "sessions delete",
        "DELETE",
        "sessions.delete",
        _item("sessions", "new_session"),
        ok=204,
        kind="session",
        object_path=_foreign("sessions"),
    ),
    Op("nutrition list", "GET", "nutrition.view", _collection("nutrition/sessions")),
    Op("nutrition create", "POST", "nutrition.manage", _collection("nutrition/sessions"), _consultation_body, 201),
    Op(
        "nutrition get",
        "GET",
        "nutrition.view",
        _item("nutrition/sessions", "new_consultation"),
        kind="consultation",
        object_path=_foreign("nutrition/sessions"),
    ),
    Op(
        "nutrition patch",
        "PATCH",
        "nutrition.manage",
        _item("nutrition/sessions", "new_consultation"),
        lambda w: {"topic": "Changed"},
        kind="consultation",
        object_path=_foreign("nutrition/sessions"),
    ),
    Op(
        "nutrition delete",
        "DELETE",
        "nutrition.manage",
        _item("nutrition/sessions", "new_consultation"),
        ok=204,
        kind="consultation",
        object_path=_foreign("nutrition/sessions"),
    ),
    Op(
        "follow-ups add",
        "POST",
        "nutrition.manage",
        lambda w, p: f"{w.root(p)}/nutrition/sessions/{w.consultation.pk}/follow-ups",
        _follow_up_body,
        201,
        kind="consultation",
        object_path=lambda w, p, foreign: f"{w.root(p)}/nutrition/sessions/{foreign}/follow-ups",
    ),
    Op(
        "working hours get",
        "GET",
        "availability.view",
        _member("working-hours"),
        kind="member",
        object_path=_foreign_member("working-hours"),
    ),
    Op(
        "working hours put",
        "PUT",
        "availability.manage",
        _member("working-hours"),
        lambda w: {"workingHours": [{"weekday": 2, "start": "08:00", "end": "12:00"}]},
        kind="member",
        object_path=_foreign_member("working-hours"),
    ),
    Op(
        "time off list",
        "GET",
        "availability.view",
        _member("time-off"),
        kind="member",
        object_path=_foreign_member("time-off"),
    ),
    Op(
        "time off add",
        "POST",
        "availability.manage",
        _member("time-off"),
        lambda w: {"startsAt": "2032-01-01T00:00:00Z", "endsAt": "2032-01-02T00:00:00Z"},
        201,
        kind="member",
        object_path=_foreign_member("time-off"),
    ),
    Op(
        "time off remove",
        "DELETE",
        "availability.manage",
        lambda w, p: f"{w.root(p)}/members/{w.staff.pk}/time-off/{w.new_time_off().pk}",
        ok=204,
        kind="time_off",
        object_path=lambda w, p, foreign: f"{w.root(p)}/members/{w.staff.pk}/time-off/{foreign}",
    ),
    Op("booking policy get", "GET", "availability.manage", _collection("booking-policy")),
    Op(
        "booking policy patch",
        "PATCH",
        "availability.manage",
        _collection("booking-policy"),
        lambda w: {"bufferMinutes": 5},
    ),
    Op("free slots", "GET", "availability.view", _collection(SLOTS_QUERY)),
    Op(
        "follow-ups remove",
        "DELETE",
        "nutrition.manage",
        lambda w, p: f"{w.root(p)}/nutrition/sessions/{w.consultation.pk}/follow-ups/{w.new_follow_up().pk}",
        ok=204,
        kind="follow_up",
        object_path=lambda w, p, foreign: f"{w.root(p)}/nutrition/sessions/{w.consultation.pk}/follow-ups/{foreign}",
    ),
]


ENDPOINTS += [
    Op(
        "notes list",
        "GET",
        "sessions.view",
        _nested("sessions", "session", "notes"),
        kind="session",
        object_path=lambda w, p, foreign: f"{w.root(p)}/sessions/{foreign}/notes",
    ),
    Op(
        "notes add",
        "POST",
        "sessions.update",
        _nested("sessions", "session", "notes"),
        lambda w: {"body": "Seen", "visibility": "shared"},
        201,
        kind="session",
        object_path=lambda w, p, foreign: f"{w.root(p)}/sessions/{foreign}/notes",
    ),
    Op(
        "note patch",
        "PATCH",
        "records.manage",  # sessions.update, and another member's note: owners and admins only
        _nested("sessions", "session", "notes", "new_note"),
        lambda w: {"body": "Changed"},
        kind="note",
        object_path=_nested_foreign("sessions", "session", "notes"),
    ),
    Op(
        "note delete",
        "DELETE",
        "records.manage",
        _nested("sessions", "session", "notes", "new_note"),
        ok=204,
        kind="note",
        object_path=_nested_foreign("sessions", "session", "notes"),
    ),
    Op(
        "attachments list",
        "GET",
        "sessions.view",
        _nested("sessions", "session", "attachments"),
        kind="session",
        object_path=lambda w, p, foreign: f"{w.root(p)}/sessions/{foreign}/attachments",
    ),
    Op(
        "attachment upload",
        "POST",
        "sessions.update",
        _nested("sessions", "session", "attachments"),
        _upload_body,
        201,
        kind="session",
        object_path=lambda w, p, foreign: f"{w.root(p)}/sessions/{foreign}/attachments",
        format="multipart",
    ),
    Op(
        "attachment get",
        "GET",
        "sessions.view",  # a shared one (private ones are not found for roles without records.private)
        _nested("sessions", "session", "attachments", "new_attachment"),
        kind="attachment",
        object_path=_nested_foreign("sessions", "session", "attachments"),
    ),
    Op(
        "attachment download",
        "GET",
        "sessions.view",
        lambda w, p: f"{_nested('sessions', 'session', 'attachments', 'new_attachment')(w, p)}/content",
        kind="attachment",
        object_path=_nested_foreign("sessions", "session", "attachments", "/content"),
    ),
    Op(
        "attachment delete",
        "DELETE",
        "records.manage",
        _nested("sessions", "session", "attachments", "new_attachment"),
        ok=204,
        kind="attachment",
        object_path=_nested_foreign("sessions", "session", "attachments"),
    ),
    Op(
        "consultation attachment upload",
        "POST",
        "nutrition.manage",
        _nested("nutrition/sessions", "consultation", "attachments"),
        _upload_body,
        201,
        kind="consultation",
        object_path=lambda w, p, foreign: f"{w.root(p)}/nutrition/sessions/{foreign}/attachments",
        format="multipart",
    ),
    Op(
        "consultation attachment download",
        "GET",
        "nutrition.view",
        lambda w, p: (
            _nested("nutrition/sessions", "consultation", "attachments", "new_consultation_attachment")(w, p)
            + "/content"
        ),
        kind="consultation_attachment",
        object_path=_nested_foreign("nutrition/sessions", "consultation", "attachments", "/content"),
    ),
    Op("session fields list", "GET", "sessions.view", _collection("session-fields")),
    Op("session fields create", "POST", "services.manage", _collection("session-fields"), _field_body, 201),
    Op(
        "session field patch",
        "PATCH",
        "services.manage",
        lambda w, p: f"{w.root(p)}/session-fields/{w.new_field().key}",
        lambda w: {"label": "Changed"},
        kind="field",
        object_path=_foreign("session-fields"),
    ),
    Op(
        "session field delete",
        "DELETE",
        "services.manage",
        lambda w, p: f"{w.root(p)}/session-fields/{w.new_field().key}",
        ok=204,
        kind="field",
        object_path=_foreign("session-fields"),
    ),
]


def foreign_id(world: World, kind: str) -> str:
    """The id of ``world``'s object of that kind (to name it in another workspace's paths)."""
    return {
        "client": world.client.pk,
        "service": world.services[0].pk,
        "session": world.session.pk,
        "consultation": world.consultation.pk,
        "follow_up": world.follow_up.pk,
        "note": world.note.pk,
        "attachment": world.attachment.pk,
        "consultation_attachment": world.consultation_attachment.pk,
        "field": world.field.key,
        "member": world.staff.pk,
        "time_off": world.time_off.pk,
    }[kind]
