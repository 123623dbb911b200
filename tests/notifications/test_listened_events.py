"""Workspace.listened_events: kept by the database from the active endpoints, whatever the door;
a write in a request of a workspace where nobody listens asks nothing more, one where an endpoint
listens queues its event."""

from __future__ import annotations

import pytest
from django.db import connection

from config.db.wire import server_statements
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def listened(workspace) -> list[str]:
    return Workspace.objects.values_list("listened_events", flat=True).get(pk=workspace.pk)


def endpoint(workspace, events, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        workspace=workspace, url="https://hooks.example.com/in", events=events, secret=webhooks.new_secret(), **fields
    )


def test_the_list_follows_every_write_of_the_endpoints(workspace):
    other = factories.WorkspaceFactory()
    assert listened(workspace) == []
    first = endpoint(workspace, ["session.created", "client.created"])
    second = endpoint(workspace, ["client.created", "session.deleted"])
    endpoint(other, ["invoice.issued"])
    assert listened(workspace) == ["client.created", "session.created", "session.deleted"]
    assert listened(other) == ["invoice.issued"]  # each workspace its own
    WebhookEndpoint.objects.filter(pk=second.pk).update(is_active=False)  # (a bulk update: no signal)
    assert listened(workspace) == ["client.created", "session.created"]
    first.events = ["note.created"]
    first.save()
    assert listened(workspace) == ["note.created"]
    first.delete()
    assert listened(workspace) == []
    other.delete()  # (the database's cascade removes its endpoints: the trigger finds no row to change)
    assert not Workspace.objects.filter(pk=other.pk).exists()


def _create_client(owner, workspace):
    with server_statements(connection) as sent:
        response = owner.post(f"/api/v1/workspace/{workspace.pk}/clients", {"name": "Amal"}, format="json")
    assert response.status_code == 201, response.content
    return sent


def test_nobody_listening_costs_no_query_and_a_listener_gets_the_event(workspace, owner):
    # given an endpoint listening to something else: a client's create asks no endpoints
    endpoint(workspace, ["session.created"])
    sent = _create_client(owner, workspace)
    assert not any("notifications_webhookendpoint" in statement for statement in sent)
    assert not WebhookDelivery.objects.exists()
    # when one listens to client.created, the next create (a new request) queues the event for it
    listener = endpoint(workspace, ["client.created"])
    sent = _create_client(owner, workspace)
    assert any("notifications_webhookendpoint" in statement for statement in sent)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [listener.pk]


def test_outside_a_request_the_endpoints_are_asked(workspace):
    # (a command, a job or a shell holds no request's workspace row: the table is read)
    listener = endpoint(workspace, ["client.created"])
    factories.ClientFactory(workspace=workspace)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [listener.pk]


def test_after_a_request_the_endpoints_are_asked_again(workspace, owner):
    # a request leaves no workspace row behind: a write after it, in the same thread, reads the table
    _create_client(owner, workspace)
    listener = endpoint(workspace, ["client.created"])
    factories.ClientFactory(workspace=workspace)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [listener.pk]
