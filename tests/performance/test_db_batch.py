"""config.db: writes sent together (batch), reads made together (together), as the ORM would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Concat

from config.db.batch import batched_writes, hold
from config.db.together import fetch_together
from config.db.wire import server_statements
from records.models import SessionField
from services.models import Service
from tests import factories
from workspaces.models import Client, IdempotencyRecord, Membership

pytestmark = pytest.mark.django_db


def test_held_inserts_go_as_one_statement_and_all_arrive(workspace):
    user = factories.UserFactory()
    # when three rows are made in a batch (a model with no history: nothing reads in between)
    with transaction.atomic(), server_statements(connection) as sent, batched_writes():
        for n in range(3):
            IdempotencyRecord.objects.create(workspace=workspace, user=user, key=f"k{n}", path="/p", request_hash="h")
    # then the server got one statement for the three (inside the test's transaction: no BEGIN)
    assert len(sent) == 1 and sent[0].startswith('"WITH _w0 AS (INSERT INTO "workspaces_idempotencyrecord"'), sent
    assert sent[0].count('INSERT INTO "workspaces_idempotencyrecord"') == 3
    assert sorted(IdempotencyRecord.objects.filter(user=user).values_list("key", flat=True)) == ["k0", "k1", "k2"]


def test_a_read_in_the_block_sees_the_writes_before_it(workspace):
    with transaction.atomic(), batched_writes():
        Client.objects.create(workspace=workspace, name="Amal")
        assert Client.objects.filter(workspace=workspace, name="Amal").exists()  # sent first, then read


def test_an_error_of_a_held_insert_is_raised_where_the_batch_is_sent_and_a_savepoint_contains_it(workspace):
    client = factories.ClientFactory(workspace=workspace)
    with transaction.atomic(), batched_writes():
        # the same primary key twice, inside a savepoint: its release sends the batch, the error is
        # raised by the block, which rolls the savepoint back
        with pytest.raises(IntegrityError), transaction.atomic():
            Client.objects.create(pk=client.pk, workspace=workspace, name="Twice")
        Client.objects.create(workspace=workspace, name="After")  # the transaction goes on
    assert Client.objects.filter(workspace=workspace, name="After").exists()
    assert not Client.objects.filter(workspace=workspace, name="Twice").exists()


def test_a_failed_block_sends_nothing(workspace):
    with pytest.raises(RuntimeError, match="given up"), transaction.atomic(), batched_writes():
        Client.objects.create(workspace=workspace, name="Never")
        raise RuntimeError("given up")
    assert not Client.objects.filter(workspace=workspace, name="Never").exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_needs_a_transaction_around_it():
    # (a commit is no statement: held writes would not go first)
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"), batched_writes():
        pass


def test_hold_runs_at_once_without_a_batch_and_with_the_batch_inside_one(workspace):
    client = factories.ClientFactory(workspace=workspace, name="Before")
    update = "UPDATE workspaces_client SET name = %s WHERE id = %s"
    hold(update, ["Now", client.pk])
    client.refresh_from_db()
    assert client.name == "Now"
    with transaction.atomic(), server_statements(connection) as sent, batched_writes():
        Client.objects.create(workspace=workspace, name="New")
        hold(update, ["Later", client.pk])
        hold("SELECT 107 %% 100 AS called -- for what it does", read=True)
    writes = [statement for statement in sent if statement.startswith('"WITH')]
    assert len(writes) == 1 and "UPDATE workspaces_client" in writes[0] and "107 % 100 AS called" in writes[0]
    client.refresh_from_db()
    assert client.name == "Later"


def test_objects_read_together_are_the_objects_the_querysets_make(workspace):
    # given rows of several kinds: decimals, arrays, JSON, times, a related user
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    services = [factories.ServiceFactory(workspace=workspace, price=Decimal("150.00")) for _ in range(3)]
    SessionField.objects.create(workspace=workspace, key="weight", label="Weight", type="number", phase="pre")
    parts = {
        "client": Client.objects.filter(workspace=workspace, pk=client.pk)[:1],
        "staff": Membership.objects.filter(workspace=workspace, pk=staff.pk).select_related("user"),
        "services": Service.objects.filter(workspace=workspace, pk__in=[s.pk for s in services]).order_by("pk"),
        "definitions": SessionField.objects.filter(workspace=workspace),
        "none": Client.objects.filter(workspace=workspace, pk="0" * 24),
        "annotated": Client.objects.filter(workspace=workspace, pk=client.pk).annotate(twice=Concat("name", "name")),
    }
    # when they are read in one statement
    with server_statements(connection) as sent:
        found = fetch_together(("test", workspace.pk), lambda: parts)
    assert len(sent) == 1
    # then each is what its own queryset gives, field by field (the staff member's user too)
    for name, queryset in parts.items():
        own = list(queryset)
        assert [obj.pk for obj in found[name]] == [obj.pk for obj in own], name
        for mine, theirs in zip(found[name], own, strict=True):
            for field in type(theirs)._meta.concrete_fields:
                assert getattr(mine, field.attname) == getattr(theirs, field.attname), (name, field.name)
                assert type(getattr(mine, field.attname)) is type(getattr(theirs, field.attname)), field.name
    assert found["none"] == []
    assert found["annotated"][0].twice == client.name * 2  # (an annotation set on the object, as Django sets it)
    with server_statements(connection) as sent:
        assert found["staff"][0].user.email == staff.user.email  # (loaded with it: no query)
        assert found["services"][0].price == Decimal("150.00")
    assert sent == []
