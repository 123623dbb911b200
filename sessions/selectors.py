"""Read logic of sessions: the one queryset every read serializer row comes from."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet

from sessions.models import Session, SessionService


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
