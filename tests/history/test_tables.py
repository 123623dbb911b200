"""The historical tables are tenant tables, and what a write costs."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from simple_history.signals import post_create_historical_record

from history.models import RECORDED
from notifications.hooks import after_recorded_write
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.sessions.factories import SessionFactory
from tests.test_project import test_tenant_table_has_workspace_fk_and_every_index_starts_with_it as tenant_check
from workspaces.models import Client, Workspace

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("history_model", RECORDED.values(), ids=lambda m: m._meta.label)
def test_historical_table_is_a_tenant_table(history_model):
    # the project's own check: a workspace_id foreign key, and every index led by it
    tenant_check(history_model)


def test_every_recorded_model_has_its_history():
    assert {model._meta.label for model in RECORDED} == {
        "services.Service",
        "workspaces.Client",
        "appointments.Session",
        "nutrition.NutritionSession",
        "nutrition.FollowUp",
        "billing.BillingSettings",
        "billing.Invoice",
        "billing.Payment",
        "records.Note",
        "records.SessionAttachment",
        "records.ConsultationAttachment",
        "records.SessionField",
        "notifications.WebhookEndpoint",
        "availability.WorkingHours",
        "availability.TimeOff",
        "availability.BookingPolicy",
    }
    for model, history_model in RECORDED.items():
        assert model.history.model is history_model
        assert {"door", "history_user", "history_date", "history_type"} <= {f.name for f in history_model._meta.fields}


def test_deleting_a_workspace_deletes_its_history_too(workspace, other_workspace):
    # given clients and services of two workspaces, with history
    factories.ClientFactory(workspace=workspace)
    factories.ServiceFactory(workspace=workspace)
    kept = factories.ClientFactory(workspace=other_workspace)

    # when one workspace is deleted (its clients write "deleted" rows on the way out)
    Workspace.objects.filter(pk=workspace.pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check

    # then none of its history is left; the other workspace's is
    assert not Client.history.filter(workspace_id=workspace.pk).exists()
    assert not Service.history.filter(workspace_id=workspace.pk).exists()
    assert Client.history.filter(id=kept.pk).exists()


def test_history_outlives_the_people_and_clients_it_names(world):
    session = SessionFactory(workspace=world.workspace, client=world.client)
    user = factories.UserFactory()
    user_id = user.pk
    Session.history.filter(id=session.pk).update(history_user=user)
    user.delete()  # no constraint on history_user: the row keeps the id
    assert Session.history.get(id=session.pk).history_user_id == user_id


@contextmanager
def _without(signal, receiver):
    signal.disconnect(receiver)
    try:
        yield
    finally:
        signal.connect(receiver)


def _write_queries(world, history: bool, date: str) -> dict[str, list[str]]:
    """The SQL of booking a session and then moving its status through the API."""
    sessions = f"/api/v1/workspace/{world.workspace.pk}/sessions"
    body = {
        "name": "Back pain",
        "clientId": world.client.pk,
        "serviceIds": [s.pk for s in world.services],
        "staffId": world.staff.pk,
        "date": date,
        "startTime": "09:00",
    }
    # history alone: what hangs off its signal (notifications' write hook) is counted in tests/notifications
    with (
        override_settings(SIMPLE_HISTORY_ENABLED=history),
        _without(post_create_historical_record, after_recorded_write),
    ):
        with CaptureQueriesContext(connection) as created:
            response = world.api.post(sessions, body, format="json")
        assert response.status_code == 201
        with CaptureQueriesContext(connection) as patched:
            session_id = response.json()["session"]["id"]
            assert world.api.patch(f"{sessions}/{session_id}", {"status": "completed"}).status_code == 200
    return {
        "create": [q["sql"] for q in created.captured_queries],
        "patch": [q["sql"] for q in patched.captured_queries],
    }


def test_history_costs_a_write_one_insert_and_reads_nothing_more(world):
    # given the same writes with and without history
    without = _write_queries(world, history=False, date="2024-03-05")
    with_history = _write_queries(world, history=True, date="2024-03-06")

    # then a create adds exactly its history row (the services come from the action: no query)
    assert len(with_history["create"]) == len(without["create"]) + 1
    inserted = [sql.split('"')[1] for sql in with_history["create"] if sql.startswith("INSERT")]
    assert inserted == ["appointments_session", "history_historicalsession", "appointments_sessionservice"]

    # and a change that leaves the services alone reads them once for its row, then inserts it
    assert len(with_history["patch"]) == len(without["patch"]) + 2
    assert sum(sql.startswith('INSERT INTO "history_historicalsession"') for sql in with_history["patch"]) == 1
