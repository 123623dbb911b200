"""Read logic of sessions: the one queryset every read serializer row comes from, and the list's rows."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, F, FilteredRelation, Func, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from config.api.formats import ClockText, DayText, InstantText
from services.models import Service
from sessions.models import Session, SessionService
from workspaces.models import Client


def _links():
    """The session's service links, in the order they were given (workspace-led lookup)."""
    return SessionService.objects.filter(workspace=OuterRef("workspace"), session=OuterRef("pk")).order_by(
        "position", "id"
    )


def session_queryset() -> QuerySet[Session]:
    """Sessions with everything ``SessionReadSerializer`` shows, in one query.

    The sessions joined with their client and their staff member's user, each with two arrays
    read through the (workspace, session, service) index: the service ids and the service
    names in order (deleted services included: a session keeps showing what it was booked with).
    """
    return Session.objects.select_related("client", "staff__user").annotate(
        service_id_list=ArraySubquery(_links().values("service_id")),
        service_name_list=ArraySubquery(_links().values("service__name")),
    )


def session_just_written(session: Session, *, services: Sequence[Service]) -> Session:
    """A session the caller has just created with ``services``, ready for ``SessionReadSerializer``.

    Everything the serializer reads is already in hand (the client and the staff member with
    its user come from the request's validation), so the answer to a create needs no query:
    only the two service arrays ``session_queryset`` would annotate are set here.
    """
    unique = list({service.pk: service for service in services}.values())
    session.service_id_list = [service.pk for service in unique]
    session.service_name_list = [service.name for service in unique]
    return session


class _Pair(Func):
    """``ARRAY[a, b]``: a service's id and name, side by side."""

    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(CharField())


def _json_text(name: str):
    """A JSON column as the database's text (parsed once, by orjson, in ``session_row_data``)."""
    return Func(F(name), template="%(expressions)s", output_field=TextField())


def session_list_rows(queryset: QuerySet[Session]) -> QuerySet:
    """The sessions of ``queryset`` as plain rows for the list (filter and order it after).

    The list is the hot read path (every calendar view), so it reads no models: one query
    whose rows carry every value of ``SessionReadSerializer``'s shape already formatted by
    PostgreSQL (dates, times and instants as the API writes them, JSON columns as text), and
    ``sessions.serializers.session_row_data`` maps each to its dict. Also in each row: ``id``,
    ``date`` and ``start_time`` as stored, the list's order and paging cursor.

    The plan stays a range scan of the sessions whatever the size of the tables: the staff
    member is a left join on its id *and the session's workspace* (the planner reads only this
    workspace's members, through a workspace-led index), the client's name one primary-key
    lookup a row (an inner join there makes the planner misjudge the row count and read the
    workspace's sessions client by client), the services one ``[[id, name], ...]`` array in
    the order given, read through the (workspace, session, service) index.
    """
    pairs = _links().values(pair=_Pair(F("service_id"), F("service__name")))
    client_name = Client.objects.filter(pk=OuterRef("client_id")).values("name")
    return queryset.alias(
        ws_staff=FilteredRelation("staff", condition=Q(staff__workspace=F("workspace"))),
    ).values(
        "id",
        "date",
        "start_time",
        "workspace_id",
        "client_id",
        "staff_id",
        "name",
        "duration_minutes",
        "status",
        client_name=Subquery(client_name),
        staff_name=Coalesce(
            NullIf(F("ws_staff__user__name"), Value("")), F("ws_staff__user__email"), output_field=CharField()
        ),
        service_pairs=ArraySubquery(pairs),
        date_text=DayText("date"),
        start_text=ClockText("start_time"),
        end_text=ClockText("end_time"),
        field_values_json=_json_text("field_values"),
        attachments_json=_json_text("attachments"),
        notes_json=_json_text("notes"),
        invoice_json=_json_text("invoice"),
        created_text=InstantText("created_at"),
        updated_text=InstantText("updated_at"),
    )
