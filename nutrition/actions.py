"""Write logic of nutrition consultations: keyword-only, typed, each in one transaction.

The API and the admin validate through the same functions: :func:`consultation_times` (end time
and duration), :func:`nutrition_session_settle` (status move, references, real instants,
double booking). Errors are the API's exceptions, named by wire field; the admin maps them onto
its form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from config.api.errors import Conflict
from nutrition.models import (
    DEFAULT_DURATION_MINUTES,
    MAX_DURATION_MINUTES,
    STATUS_MOVES,
    ConsultationStatus,
    FollowUp,
    NutritionSession,
)
from workspaces.booking import booking_ensure_staff_free, booking_span
from workspaces.models import Client, Membership, Workspace

END_BEFORE_START = _("endTime must be after startTime.")
TIMES_DISAGREE = _("endTime and durationMinutes disagree: startTime plus durationMinutes must equal endTime.")
DURATION_RANGE = _("durationMinutes must be from 1 to %(max)s.")
INVALID_STATUS_TRANSITION = _("A consultation cannot move from %(current)s to %(target)s.")
CLIENT_ELSEWHERE = _("Client not found.")
STAFF_ELSEWHERE = _("Staff member not found.")

#: fields whose change moves the consultation in time
TIMING_FIELDS = frozenset({"date", "start_time", "end_time", "duration_minutes"})


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def consultation_times(
    *, start_time: dt.time, end_time: dt.time | None, duration_minutes: int | None
) -> tuple[dt.time, int]:
    """``(end_time, duration_minutes)`` from either, both (they must agree) or neither (60 minutes).

    A given ``end_time`` must be after ``start_time`` on the same day. Given only a duration,
    the end is ``start_time + duration`` and may fall on the next day (23:30 for 60 minutes ends
    at 00:30), as in the contract's "endTime is startTime + durationMinutes".
    """
    if duration_minutes is not None and not 1 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValidationError({"durationMinutes": [DURATION_RANGE % {"max": MAX_DURATION_MINUTES}]})
    if end_time is not None:
        span = _minutes(end_time) - _minutes(start_time)
        if span <= 0:
            raise ValidationError({"endTime": [END_BEFORE_START]})
        if duration_minutes is not None and duration_minutes != span:
            raise ValidationError({"durationMinutes": [TIMES_DISAGREE]})
        return end_time, span
    minutes = DEFAULT_DURATION_MINUTES if duration_minutes is None else duration_minutes
    end = (dt.datetime.combine(dt.date(2000, 1, 1), start_time) + dt.timedelta(minutes=minutes)).time()
    return end, minutes


def status_move_allowed(current: str, target: str) -> bool:
    return current == target or target in STATUS_MOVES[current]


def nutrition_session_settle(*, session: NutritionSession, original: dict[str, Any] | None) -> None:
    """Check a new or changed consultation and fill in its real instants; call in the write's transaction.

    ``original`` holds the stored ``status``, ``staff_id``, ``starts_at`` and ``ends_at`` of a
    consultation being changed (``None`` for a new one). Raises 409 ``invalid_status_transition``,
    400 ``nonexistent_local_time`` or 409 ``staff_conflict``; the last locks the staff member
    until the transaction ends, so parallel bookings of one slot serialise.
    """
    if original is not None and not status_move_allowed(original["status"], session.status):
        raise Conflict(
            INVALID_STATUS_TRANSITION % {"current": original["status"], "target": session.status},
            code="invalid_status_transition",
        )
    for name, wire, message in (("client", "clientId", CLIENT_ELSEWHERE), ("staff", "specialistId", STAFF_ELSEWHERE)):
        # a reference set on this object (the API's are already scoped; the admin's may not be)
        if NutritionSession._meta.get_field(name).is_cached(session):
            related = getattr(session, name)
            if related is not None and related.workspace_id != session.workspace_id:
                raise ValidationError({wire: [message]})
    session.starts_at, session.ends_at = booking_span(
        day=session.date,
        start_time=session.start_time,
        duration_minutes=session.duration_minutes,
        tz_name=session.workspace.timezone,
    )
    moved = original is None or (original["staff_id"], original["starts_at"], original["ends_at"]) != (
        session.staff_id,
        session.starts_at,
        session.ends_at,
    )
    if moved:
        booking_ensure_staff_free(
            model=NutritionSession,
            workspace_id=session.workspace_id,
            staff_id=session.staff_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            status=session.status,
            exclude_pk=None if original is None else session.pk,
        )


def snapshot(session: NutritionSession) -> dict[str, Any]:
    """What :func:`nutrition_session_settle` compares a change against."""
    return {
        "status": session.status,
        "staff_id": session.staff_id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
    }


@transaction.atomic
def nutrition_session_create(
    *,
    workspace: Workspace,
    client: Client,
    type: str,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time | None = None,
    duration_minutes: int | None = None,
    staff: Membership | None = None,
    status: str = ConsultationStatus.SCHEDULED,
    topic: str | None = None,
    notes_private: str | None = None,
    notes_shared: str | None = None,
    meeting_link: str | None = None,
    location: str | None = None,
    follow_ups: Iterable[dict[str, Any]] = (),
) -> NutritionSession:
    end_time, duration_minutes = consultation_times(
        start_time=start_time, end_time=end_time, duration_minutes=duration_minutes
    )
    session = NutritionSession(
        workspace=workspace,
        client=client,
        staff=staff,
        type=type,
        status=status,
        date=date,
        start_time=start_time,
        end_time=end_time,
        duration_minutes=duration_minutes,
        topic=topic,
        notes_private=notes_private,
        notes_shared=notes_shared,
        meeting_link=meeting_link,
        location=location,
    )
    nutrition_session_settle(session=session, original=None)
    session.save(force_insert=True)
    rows = [
        FollowUp(workspace=workspace, session=session, due_date=item["due_date"], note=item["note"])
        for item in follow_ups
    ]
    if rows:  # with their history rows (one more INSERT), as follow_up_add records one
        bulk_create_with_history(rows, FollowUp)
    return session


@transaction.atomic
def nutrition_session_update(*, session: NutritionSession, **changes: Any) -> NutritionSession:
    """Change any writable field; a move in time keeps the duration unless told otherwise.

    ``end_time`` / ``duration_minutes`` given as ``None`` count as not given. The row is locked
    and re-read first, so two parallel status moves cannot both pass the lifecycle check.
    """
    workspace = session.workspace if NutritionSession._meta.get_field("workspace").is_cached(session) else None
    session = NutritionSession.objects.select_for_update().get(pk=session.pk)
    if workspace is not None:
        session.workspace = workspace
    original = snapshot(session)
    if TIMING_FIELDS & changes.keys():
        start_time = changes.get("start_time", session.start_time)
        end_time = changes.pop("end_time", None)
        duration_minutes = changes.pop("duration_minutes", None)
        if end_time is None and duration_minutes is None:
            duration_minutes = session.duration_minutes  # moved: same length
        changes["end_time"], changes["duration_minutes"] = consultation_times(
            start_time=start_time, end_time=end_time, duration_minutes=duration_minutes
        )
    for name, value in changes.items():
        setattr(session, name, value)
    nutrition_session_settle(session=session, original=original)
    session.save()
    return session


@transaction.atomic
def nutrition_session_delete(*, session: NutritionSession) -> None:
    session.delete()


@transaction.atomic
def follow_up_add(*, session: NutritionSession, due_date: dt.date, note: str) -> FollowUp:
    return FollowUp.objects.create(workspace_id=session.workspace_id, session=session, due_date=due_date, note=note)


@transaction.atomic
def follow_up_remove(*, follow_up: FollowUp) -> None:
    follow_up.delete()
