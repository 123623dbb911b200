"""Read logic of sessions: the rows of the one read shape (``SessionReadSerializer``)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, F, FilteredRelation, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from billing.selectors import session_invoice_json
from bookings.selectors import BOOKING_COLUMNS, booking_texts
from config.api.formats import JsonText, format_clock, format_day, format_instant, jsonb_ordered
from records.models import SessionAttachment
from records.selectors import attachments_json, session_notes_json
from services.models import Service
from sessions.models import Session, SessionService
from workspaces.models import Client


class _Pair(Func):
    """``ARRAY[a, b]``: a service's id and name, side by side."""

    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(CharField())


def session_rows(queryset: QuerySet[Session], *, private: bool = False) -> QuerySet:
    """The sessions of ``queryset`` as plain rows of the read shape (filter and order it after).

    ``private``: whether the caller reads private notes and attachments (``records.private``);
    without it the ``notes`` and ``attachments`` arrays hold only the shared ones.

    Every calendar view reads these, so they hold no models: one query whose rows carry every
    value already formatted by PostgreSQL (dates, times and instants as the API writes them, JSON
    columns as text), plus ``id``, ``date`` and ``start_time`` as stored, the lists' order and
    paging cursor.

    The plan stays a range scan of the sessions whatever the size of the tables: the staff
    member is a left join on its id *and the session's workspace* (the planner reads only this
    workspace's members, through a workspace-led index), the client's name one primary-key
    lookup a row (an inner join there makes the planner misjudge the row count and read the
    workspace's sessions client by client), the services one ``[[id, name], ...]`` array in
    the order given, read through the (workspace, session, service) index; the notes and the
    attachments each one JSON array built in the same query (``records.selectors``), read
    through their (workspace, session, created_at, id) indexes.
    """
    links = SessionService.objects.filter(workspace=OuterRef("workspace"), session=OuterRef("pk")).order_by(
        "position", "id"
    )
    pairs = links.values(pair=_Pair(F("service_id"), F("service__name")))
    client_name = Client.objects.filter(pk=OuterRef("client_id")).values("name")
    return queryset.alias(
        ws_staff=FilteredRelation("staff", condition=Q(staff__workspace=F("workspace"))),
    ).values(
        *BOOKING_COLUMNS,
        "name",
        client_name=Subquery(client_name),
        staff_name=Coalesce(
            NullIf(F("ws_staff__user__name"), Value("")), F("ws_staff__user__email"), output_field=CharField()
        ),
        service_pairs=ArraySubquery(pairs),
        field_values_json=JsonText("field_values"),
        attachments_json=attachments_json(SessionAttachment, private=private),
        notes_json=session_notes_json(private=private),
        invoice_json=session_invoice_json(),
        **booking_texts(),
    )


def new_session_row(session: Session, services: Sequence[Service]) -> dict:
    """The row :func:`session_rows` reads of a session just created (its client and staff member,
    with their user, loaded; ``services`` in order), made without reading it back: a new session
    has no notes, attachments or invoice yet. tests/sessions hold it equal to the row read."""
    staff = session.staff
    return {
        "id": session.pk,
        "date": session.date,
        "start_time": session.start_time,
        "workspace_id": session.workspace_id,
        "client_id": session.client_id,
        "staff_id": session.staff_id,
        "duration_minutes": session.duration_minutes,
        "status": session.status,
        "name": session.name,
        "client_name": session.client.name,
        "staff_name": None if staff is None else staff.user.get_full_name(),
        "service_pairs": [[service.pk, service.name] for service in services],
        "field_values_json": orjson.dumps(jsonb_ordered(session.field_values)).decode(),
        "attachments_json": "[]",
        "notes_json": "[]",
        "invoice_json": None,
        "date_text": format_day(session.date),
        "start_text": format_clock(session.start_time),
        "end_text": format_clock(session.end_time),
        "created_text": format_instant(session.created_at),
        "updated_text": format_instant(session.updated_at),
    }
