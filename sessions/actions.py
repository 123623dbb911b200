"""Write logic of sessions: keyword-only, typed, transactional.

Every write that places a session in time goes through :func:`_place`, which computes the
real start and end instants (``workspaces.timezones.local_span``, the one place) and, for an
active session with a staff member, locks that member and refuses an overlap
(``workspaces.booking.booking_ensure_staff_free``) before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date  # noqa: N812 - the field is called date
from datetime import datetime
from datetime import time as Time  # noqa: N812
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import BadRequest, Conflict
from services.models import Service
from sessions.models import MAX_DURATION, Session, SessionService, SessionStatus
from workspaces.booking import booking_ensure_staff_free, booking_span
from workspaces.models import Client, Membership, Workspace

#: duration when neither the request nor the services give one
DEFAULT_DURATION = 60

#: the lifecycle: status -> statuses it may move to (completed and cancelled are final)
TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.SCHEDULED: frozenset({SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.CANCELLED}),
    SessionStatus.IN_PROGRESS: frozenset({SessionStatus.COMPLETED, SessionStatus.CANCELLED}),
    SessionStatus.COMPLETED: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}

INVALID_TRANSITION = _("A session cannot move from %(current)s to %(new)s.")
DURATION_TOO_LONG = _("The services' durations add up to more than %(max)s minutes; give durationMinutes instead.")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "not given" in a PATCH (``None`` is a value: no staff member, recompute the duration)
UNSET: Any = _Unset()


def session_duration_from_services(services: Sequence[Service]) -> int:
    """Sum of the services' durations (a service without one counts 0); 0 or less is 60."""
    total = sum(service.duration_minutes or 0 for service in services)
    if total <= 0:
        return DEFAULT_DURATION
    if total > MAX_DURATION:
        raise BadRequest(DURATION_TOO_LONG % {"max": MAX_DURATION}, code="invalid", field="durationMinutes")
    return total


def session_end_time(start_time: Time, duration_minutes: int) -> Time:
    """``startTime + durationMinutes`` on the clock, wrapping past midnight."""
    minutes = (start_time.hour * 60 + start_time.minute + duration_minutes) % (24 * 60)
    return Time(minutes // 60, minutes % 60)


def session_span(
    *, workspace: Workspace, date: Date, start_time: Time, duration_minutes: int
) -> tuple[datetime, datetime]:
    return booking_span(day=date, start_time=start_time, duration_minutes=duration_minutes, tz_name=workspace.timezone)


def session_ensure_transition(*, current: str, new: str) -> None:
    """Same status: nothing to do. Otherwise the move must be in the lifecycle (409)."""
    if new == current:
        return
    if new not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(INVALID_TRANSITION % {"current": current, "new": new}, code="invalid_status_transition")


class Snapshot(NamedTuple):
    """What a write is judged against: the session as it was before the change."""

    date: Date
    start_time: Time
    duration_minutes: int
    staff_id: str | None
    status: str


def session_snapshot(session: Session) -> Snapshot:
    return Snapshot(session.date, session.start_time, session.duration_minutes, session.staff_id, session.status)


def session_settle(
    *,
    session: Session,
    workspace: Workspace,
    original: Snapshot | None,
    services: Sequence[Service] | None = None,
    recompute_duration: bool = False,
) -> None:
    """Derive and check, on a session holding its new values (not yet saved), all a write needs.

    Shared by the API's actions and the admin's form, so both refuse the same things:

    - a status move outside the lifecycle (``original`` is None for a new session: any status);
    - ``recompute_duration``: the duration from ``services`` (None: the session's current ones);
    - a new or moved (date, start time, duration, staff member) session gets its end time and
      real instants (400 ``nonexistent_local_time``) and, when active with a staff member, the
      double-booking check (409 ``staff_conflict``), which locks that member until the
      surrounding transaction ends: call it inside the transaction that then saves.
    """
    if original is not None:
        session_ensure_transition(current=original.status, new=session.status)
    if recompute_duration:
        if services is None:
            services = [link.service for link in _links(session)]
        session.duration_minutes = session_duration_from_services(services)
    if original is not None and session_snapshot(session)[:4] == original[:4]:
        return  # not moved: nothing to re-derive or re-check
    session.end_time = session_end_time(session.start_time, session.duration_minutes)
    session.starts_at, session.ends_at = session_span(
        workspace=workspace,
        date=session.date,
        start_time=session.start_time,
        duration_minutes=session.duration_minutes,
    )
    booking_ensure_staff_free(
        model=Session,
        workspace_id=workspace.pk,
        staff_id=session.staff_id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        status=session.status,
        exclude_pk=None if original is None else session.pk,
    )


def _set_services(session: Session, services: Sequence[Service], *, replace: bool = True) -> None:
    """Replace the session's services (a new session has none), keeping the order given
    (duplicates count once)."""
    unique = list({service.pk: service for service in services}.values())
    if replace:
        SessionService.objects.filter(workspace_id=session.workspace_id, session=session).delete()
    SessionService.objects.bulk_create(
        SessionService(workspace_id=session.workspace_id, session=session, service=service, position=position)
        for position, service in enumerate(unique)
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
) -> Session:
    """Book a session. Any status is accepted (imports); a staff clash is a 409."""
    session = Session(
        workspace=workspace,
        name=name,
        client=client,
        staff=staff,
        date=date,
        start_time=start_time,
        duration_minutes=duration_minutes,
        status=status,
        field_values=field_values or [],
    )
    session_settle(
        session=session,
        workspace=workspace,
        original=None,
        services=services,
        recompute_duration=duration_minutes is None,
    )
    session._history_service_ids = list(dict.fromkeys(service.pk for service in services))  # history.receivers
    session.save(force_insert=True)
    _set_services(session, services, replace=False)
    return session


@transaction.atomic
def session_update(
    *,
    session: Session,
    name: str = UNSET,
    client: Client = UNSET,
    services: Sequence[Service] = UNSET,
    staff: Membership | None = UNSET,
    date: Date = UNSET,
    start_time: Time = UNSET,
    duration_minutes: int | None = UNSET,
    status: str = UNSET,
    field_values: list | None = UNSET,
) -> Session:
    """Change what was given.

    - ``status`` follows the lifecycle (409 ``invalid_status_transition``; same status: no-op).
    - ``services`` given without ``duration_minutes``: the duration is recomputed from the new
      services (the session does not remember whether its duration was typed or computed);
      ``duration_minutes=None`` recomputes from the (new or current) services.
    - A change of date, start time, duration or staff member re-runs the double-booking check.
    """
    workspace = session.workspace
    # the row is locked: two PATCHes of one session apply one after the other, each seeing
    # the other's outcome (so a lifecycle move is judged against the current status)
    session = Session.objects.select_for_update().get(pk=session.pk)
    session.workspace = workspace
    original = session_snapshot(session)

    if status is not UNSET:
        session.status = status
    if name is not UNSET:
        session.name = name
    if client is not UNSET:
        session.client = client
    if staff is not UNSET:
        session.staff = staff
    if date is not UNSET:
        session.date = date
    if start_time is not UNSET:
        session.start_time = start_time
    if field_values is not UNSET:
        session.field_values = field_values or []
    if duration_minutes is not UNSET and duration_minutes is not None:
        session.duration_minutes = duration_minutes
    session_settle(
        session=session,
        workspace=workspace,
        original=original,
        services=None if services is UNSET else services,
        recompute_duration=duration_minutes is None or (services is not UNSET and duration_minutes is UNSET),
    )
    if services is not UNSET:
        session._history_service_ids = list(dict.fromkeys(service.pk for service in services))  # history.receivers
    session.save()
    if services is not UNSET:
        _set_services(session, services)
    return session


def _links(session: Session):
    return (
        SessionService.objects.filter(workspace_id=session.workspace_id, session=session)
        .select_related("service")
        .order_by("position", "id")
    )


@transaction.atomic
def session_delete(*, session: Session) -> None:
    """Delete a session; its service links go with it (the database cascades)."""
    session.delete()
