"""Write logic of nutrition consultations: keyword-only, typed, each in one transaction.

A consultation is a booking (``bookings``): placing it in time, its lifecycle and double booking
are the booking core's. What is its own is here: a length given by an end time, a duration,
both (they must agree) or neither (60 minutes), and its follow-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from bookings.actions import booking_change, booking_insert
from bookings.placement import Placement
from bookings.time import DEFAULT_DURATION_MINUTES, clock_minutes
from nutrition.models import ConsultationStatus, FollowUp, NutritionSession
from workspaces.errors import InvalidError
from workspaces.models import Client, Membership, Workspace

END_BEFORE_START = _("endTime must be after startTime.")
TIMES_DISAGREE = _("endTime and durationMinutes disagree: startTime plus durationMinutes must equal endTime.")

#: fields whose change moves the consultation in time
TIMING_FIELDS = frozenset({"date", "start_time", "end_time", "duration_minutes"})


def consultation_duration(*, start_time: dt.time, end_time: dt.time | None, duration_minutes: int | None) -> int:
    """The length of a consultation from an end time, a duration, both (they must agree) or neither (60).

    A given ``end_time`` must be after ``start_time`` on the same day; a duration alone may run
    past midnight (23:30 for 60 minutes ends at 00:30).
    """
    if end_time is None:
        return DEFAULT_DURATION_MINUTES if duration_minutes is None else duration_minutes
    span = clock_minutes(end_time) - clock_minutes(start_time)
    if span <= 0:
        raise InvalidError(END_BEFORE_START, field="end_time")
    if duration_minutes is not None and duration_minutes != span:
        raise InvalidError(TIMES_DISAGREE, field="duration_minutes")
    return span


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
    session = NutritionSession(
        workspace=workspace,
        client=client,
        staff=staff,
        type=type,
        status=status,
        date=date,
        start_time=start_time,
        duration_minutes=consultation_duration(
            start_time=start_time, end_time=end_time, duration_minutes=duration_minutes
        ),
        topic=topic,
        notes_private=notes_private,
        notes_shared=notes_shared,
        meeting_link=meeting_link,
        location=location,
    )
    booking_insert(session)
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

    ``end_time`` / ``duration_minutes`` given as ``None`` count as not given.
    """
    end_time = changes.pop("end_time", None)
    duration_minutes = changes.pop("duration_minutes", None)

    def derive(locked: NutritionSession, before: Placement) -> None:
        if end_time is not None or duration_minutes is not None:
            locked.duration_minutes = consultation_duration(
                start_time=locked.start_time, end_time=end_time, duration_minutes=duration_minutes
            )

    saved, _before = booking_change(session, changes, derive=derive)
    return saved


@transaction.atomic
def nutrition_session_delete(*, session: NutritionSession) -> None:
    session.delete()


@transaction.atomic
def follow_up_add(*, session: NutritionSession, due_date: dt.date, note: str) -> FollowUp:
    return FollowUp.objects.create(workspace_id=session.workspace_id, session=session, due_date=due_date, note=note)


@transaction.atomic
def follow_up_remove(*, follow_up: FollowUp) -> None:
    follow_up.delete()
