"""config.db.locks: a row read locked is known held for as long as the lock really lasts, and
placement locks a staff member only when the transaction does not hold them already."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from config.db.locks import held, mark_held
from config.db.wire import server_statements
from sessions.actions import session_create
from tests import factories
from workspaces.errors import ConflictError
from workspaces.models import Membership


def _read_locked(pk: str) -> Membership:
    member = Membership.objects.select_for_update().get(pk=pk)
    mark_held(member)
    return member


@pytest.mark.django_db
def test_a_lock_is_held_until_the_savepoint_it_was_taken_under_ends(workspace):
    pk = factories.MembershipFactory(workspace=workspace).pk
    with transaction.atomic():  # (a savepoint of the test's transaction)
        member = _read_locked(pk)
        assert held(member)
        with transaction.atomic():  # a savepoint opened afterwards changes nothing
            assert held(member)
        assert held(member)
        with pytest.raises(RuntimeError), transaction.atomic():
            inner = _read_locked(pk)
            assert held(inner)
            raise RuntimeError  # its savepoint rolled back: the lock taken there went with it
        assert not held(inner)
        assert not held(member)  # (after any rollback nothing is trusted: placement locks again)
        member = _read_locked(pk)
        assert held(member)
    assert not held(member)  # its savepoint released: not trusted any more (placement locks again)


@pytest.mark.django_db
def test_a_rollback_to_a_savepoint_made_by_hand_ends_what_was_noted_after_it(workspace):
    pk = factories.MembershipFactory(workspace=workspace).pk
    with transaction.atomic():
        before = _read_locked(pk)
        savepoint = transaction.savepoint()  # (not an atomic block: not among savepoint_ids)
        after = _read_locked(pk)
        assert held(after)
        transaction.savepoint_rollback(savepoint)  # the lock taken after it may be gone
        assert not held(after)
        assert not held(before)  # (any rollback: nothing noted before it is trusted either)


@pytest.mark.django_db(transaction=True)
def test_a_lock_noted_in_one_transaction_is_not_held_in_the_next_nor_outside(workspace):
    pk = factories.MembershipFactory(workspace=workspace).pk
    with transaction.atomic():
        member = _read_locked(pk)
        assert held(member)
    assert not held(member)
    with transaction.atomic():
        assert not held(member)
    outside = Membership.objects.get(pk=pk)
    mark_held(outside)  # (outside a transaction a lock ends with its statement: nothing to note)
    with transaction.atomic():
        assert not held(outside)


@pytest.mark.django_db(transaction=True)
def test_placement_locks_the_staff_member_unless_the_transaction_holds_them(workspace):
    client = factories.ClientFactory(workspace=workspace)
    pk = factories.MembershipFactory(workspace=workspace).pk

    def book(staff, day: dt.date) -> list[str]:
        with server_statements(connection) as sent:
            session_create(
                workspace=workspace,
                name="Check-up",
                client=client,
                services=[],
                date=day,
                start_time=dt.time(10),
                staff=staff,
            )
        return [statement for statement in sent if "FOR UPDATE" in statement]

    # a staff member read plainly (the admin, a command): placement locks them
    with transaction.atomic():
        assert len(book(Membership.objects.get(pk=pk), dt.date(2031, 1, 6))) == 1
    # read locked in the same transaction (as a create's references read them): no second lock
    with transaction.atomic():
        assert book(_read_locked(pk), dt.date(2031, 1, 7)) == []
    # a member read locked in an earlier transaction: locked again
    with transaction.atomic():
        stale = _read_locked(pk)
    with transaction.atomic():
        assert len(book(stale, dt.date(2031, 1, 8))) == 1
    # and the double-booking check still runs on the path without the lock statement
    with pytest.raises(ConflictError, match="already has a session"), transaction.atomic():
        book(_read_locked(pk), dt.date(2031, 1, 7))
