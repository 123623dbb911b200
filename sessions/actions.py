"""Write logic of sessions: keyword-only, typed, transactional.

A session is a booking (``bookings``) built from services: placing it in time, its lifecycle and
double booking are the booking core's (:func:`bookings.actions.booking_insert`,
:func:`bookings.actions.booking_change`); what is the session's own is here: its services, in the
order given, and the duration they add up to when none is given; the history of each write holds
them too (``history.recording.recorded_with``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date as Date  # noqa: N812 - the field is called date
from datetime import time as Time  # noqa: N812
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.actions import booking_change, booking_insert
from bookings.placement import Placement
from bookings.time import DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES
from history.recording import recorded_with
from records.fields import active_definitions, check_field_values
from records.models import SessionField
from services.models import Service
from sessions.models import Session, SessionService, SessionStatus
from workspaces.errors import InvalidError
from workspaces.ids import new_object_id
from workspaces.models import Client, Membership, Workspace

DURATION_TOO_LONG = _("The services' durations add up to more than %(max)s minutes; give durationMinutes instead.")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "not given" in a change (``None`` is a value: no staff member, recompute the duration)
UNSET: Any = _Unset()


def session_duration_from_services(services: Sequence[Service]) -> int:
    """Sum of the services' durations (a service without one counts 0); 0 or less is 60."""
    total = sum(service.duration_minutes or 0 for service in services)
    if total <= 0:
        return DEFAULT_DURATION_MINUTES
    if total > MAX_DURATION_MINUTES:
        raise InvalidError(DURATION_TOO_LONG % {"max": MAX_DURATION_MINUTES}, field="duration_minutes")
    return total


def _unique(services: Sequence[Service]) -> list[Service]:
    """The services in the order given, duplicates once."""
    return list({service.pk: service for service in services}.values())


def _service_ids(session: Session) -> list[str]:
    return list(
        SessionService.objects.filter(workspace_id=session.workspace_id, session_id=session.pk)
        .order_by("position", "id")
        .values_list("service_id", flat=True)
    )


def _link(session: Session, services: list[Service]) -> None:
    """The session's service links, in the order given (``position``): one INSERT of the two
    arrays that differ from row to row (what ``bulk_create`` writes as one array a column; the
    links have no signals to send). Inside a write's batch it goes with the others."""
    if not services:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _LINK_SQL,
            [now, now, session.workspace_id, session.pk, [new_object_id() for _ in services], [s.pk for s in services]],
        )


_LINK_COLUMNS = ", ".join(
    f'"{SessionService._meta.get_field(name).column}"'
    for name in ("id", "created_at", "updated_at", "workspace", "session", "service", "position")
)
_LINK_SQL = (
    f'INSERT INTO "{SessionService._meta.db_table}" ({_LINK_COLUMNS})'
    " SELECT link.id, %s, %s, %s, %s, link.service, link.n - 1"
    " FROM unnest(%s::varchar[], %s::varchar[]) WITH ORDINALITY AS link(id, service, n)"
)


@transaction.atomic(savepoint=False)  # joins the caller's transaction: a failure rolls it all back
def session_create(
    *,
    workspace: Workspace,
    name: str,
    client: Client,
    services: Sequence[Service],
    date: Date,
    start_time: Time,
    duration_minutes: int | None = None,
    staff: Membership | None = None,
    status: str = SessionStatus.SCHEDULED,
    field_values: list | None = None,
    definitions: Mapping[str, SessionField] | None = None,
) -> Session:
    """Book a session. Any status is accepted (imports); a staff clash is a 409. With custom field
    definitions, the values are checked, required ``pre`` ones needed (and ``post`` ones when
    created completed). ``definitions``: the workspace's active ones by key, when the caller has
    read them already (the API, with the references: ``SessionWriteSerializer``)."""
    check_field_values(
        field_values or [],
        active_definitions(workspace.pk) if definitions is None else definitions,
        require_pre=True,
        require_post=status == SessionStatus.COMPLETED,
    )
    services = _unique(services)
    session = Session(
        workspace=workspace,
        name=name,
        client=client,
        staff=staff,
        date=date,
        start_time=start_time,
        duration_minutes=duration_minutes or session_duration_from_services(services),
        status=status,
        field_values=field_values or [],
    )
    with recorded_with(session, service_ids=[service.pk for service in services]):
        booking_insert(session)
    _link(session, services)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    services: Sequence[Service] = UNSET,
    duration_minutes: int | None = UNSET,
    **changes: Any,
) -> Session:
    """Change what was given (``name``, ``client``, ``staff``, ``date``, ``start_time``, ``status``,
    ``field_values``, ``services``, ``duration_minutes``).

    - ``status`` follows the lifecycle (409 ``invalid_status_transition``; same status: no-op).
    - ``services`` given without ``duration_minutes``: the duration is recomputed from the new
      services (the session does not remember whether its duration was typed or computed);
      ``duration_minutes=None`` recomputes from the (new or current) services.
    - A change of date, start time, duration or staff member re-runs the double-booking check.
    """
    if "field_values" in changes:
        changes["field_values"] = changes["field_values"] or []
    new_services = None if services is UNSET else _unique(services)

    def derive(locked: Session, before: Placement) -> None:
        _check_field_values(locked, before, values_given="field_values" in changes)
        if duration_minutes is not UNSET and duration_minutes is not None:
            locked.duration_minutes = duration_minutes
        elif duration_minutes is None or new_services is not None:
            locked.duration_minutes = session_duration_from_services(
                new_services if new_services is not None else _current_services(locked)
            )

    if new_services is None:  # the history reads the services as they are stored
        saved, _before = booking_change(session, changes, derive=derive)
        return saved
    with recorded_with(session, service_ids=[service.pk for service in new_services]):
        saved, _before = booking_change(session, changes, derive=derive)
    SessionService.objects.filter(workspace_id=saved.workspace_id, session=saved).delete()
    _link(saved, new_services)
    return saved


def _check_field_values(session: Session, before: Placement, *, values_given: bool) -> None:
    """New values checked against the definitions; a move to completed (one the lifecycle allows:
    a forbidden one is its 409) needs the required ``post`` values (one query, only then)."""
    completing = (
        session.status == SessionStatus.COMPLETED
        and before.status != SessionStatus.COMPLETED
        and Session.lifecycle.allows(before.status, session.status)
    )
    if not (values_given or completing):
        return
    check_field_values(
        session.field_values,
        active_definitions(session.workspace_id),
        require_post=completing,
        check_items=values_given,
    )


def _current_services(session: Session) -> list[Service]:
    return [
        link.service
        for link in SessionService.objects.filter(workspace_id=session.workspace_id, session=session)
        .select_related("service")
        .order_by("position", "id")
    ]


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Delete a session; its service links go with it (the database cascades)."""
    with recorded_with(session, service_ids=_service_ids(session)):  # read while they are there
        session.delete()
