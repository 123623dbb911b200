"""Read logic of sessions: the one queryset every read serializer row comes from."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from sessions.models import Session, SessionService


def session_queryset() -> QuerySet[Session]:
    """Sessions with everything ``SessionReadSerializer`` shows, in a fixed number of queries.

    1. the sessions, joined with their client and staff member's user;
    2. their services, in the order they were given (deleted services included: a session
       keeps showing what it was booked with).
    """
    return Session.objects.select_related("client", "staff__user").prefetch_related(
        Prefetch(
            "session_services",
            queryset=SessionService.objects.select_related("service").order_by("position", "id"),
        )
    )
