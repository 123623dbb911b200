"""Ids: 24 lowercase hex characters, time-ordered like a MongoDB ObjectId, on every model."""

from __future__ import annotations

import time

import pytest
from django.apps import apps

from tests import factories
from workspaces.ids import OBJECT_ID_RE, ObjectIdField, is_object_id, new_object_id

OUR_APPS = {"workspaces", "services", "appointments", "nutrition"}

# the shared autouse fixture clears the (database) cache before every test
pytestmark = pytest.mark.django_db


def test_shape_is_24_lowercase_hex():
    value = new_object_id()
    assert len(value) == 24
    assert OBJECT_ID_RE.fullmatch(value)
    assert value == value.lower()


def test_starts_with_the_creation_second():
    before = int(time.time())
    value = new_object_id()
    after = int(time.time())
    assert before <= int(value[:8], 16) <= after


def test_time_ordered():
    older = new_object_id(timestamp=1_700_000_000)
    newer = new_object_id(timestamp=1_700_000_001)
    assert int(older[:8], 16) == 1_700_000_000
    assert older < newer
    assert sorted([newer, older]) == [older, newer]


def test_unique_and_never_going_back_in_time_over_10k_calls():
    values = [new_object_id() for _ in range(10_000)]
    assert len(set(values)) == 10_000
    seconds = [int(v[:8], 16) for v in values]
    assert seconds == sorted(seconds)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0123456789abcdef01234567", True),
        ("0123456789ABCDEF01234567", False),
        ("0123456789abcdef0123456", False),
        ("0123456789abcdef012345678", False),
        ("0123456789abcdef0123456g", False),
        ("0123456789abcdef0123456\n", False),
        (12345, False),
        (None, False),
    ],
)
def test_is_object_id(value, valid):
    assert is_object_id(value) is valid


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS and not m._meta.auto_created]


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_every_models_primary_key_is_an_object_id(model):
    pk = model._meta.pk
    assert isinstance(pk, ObjectIdField), f"{model._meta.label}.{pk.name} is {type(pk).__name__}"
    assert pk.max_length == 24
    assert pk.default is new_object_id


def test_saved_rows_get_object_ids():
    membership = factories.MembershipFactory()
    client = factories.ClientFactory(workspace=membership.workspace)
    for obj in (membership, membership.user, membership.workspace, client):
        assert is_object_id(obj.pk), obj
        type(obj).objects.get(pk=obj.pk)  # what was saved is what the object holds
