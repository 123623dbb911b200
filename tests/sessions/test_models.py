"""Invariants the database holds for sessions, whatever writes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from sessions.models import Session, SessionService
from tests import factories
from tests.sessions.factories import SessionFactory

pytestmark = pytest.mark.django_db


def immediately(write) -> None:
    """Run ``write`` with deferred constraints checked at once (they are checked at commit)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        write()


def test_a_service_link_cannot_point_into_another_workspace(workspace, other_workspace):
    session = SessionFactory(workspace=workspace)
    service = factories.ServiceFactory(workspace=workspace)
    with pytest.raises(IntegrityError):
        immediately(lambda: SessionService.objects.create(workspace=other_workspace, session=session, service=service))


def test_deleting_a_session_deletes_its_links_only(workspace):
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(2)]
    doomed = SessionFactory(workspace=workspace, services=services)
    kept = SessionFactory(workspace=workspace, services=services)
    doomed.delete()
    assert set(SessionService.objects.values_list("session_id", flat=True)) == {kept.pk}
    assert SessionService.objects.count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"duration_minutes": 0},
        {"duration_minutes": 1441},
        {"status": "done"},
    ],
)
def test_check_constraints(workspace, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(workspace=workspace, **fields)


def test_ends_after_start(workspace):
    session = SessionFactory(workspace=workspace)
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.filter(pk=session.pk).update(ends_at=session.starts_at - dt.timedelta(minutes=1))


def test_a_client_with_sessions_is_protected(workspace):
    from django.db.models import ProtectedError

    session = SessionFactory(workspace=workspace)
    with pytest.raises(ProtectedError):
        session.client.delete()
