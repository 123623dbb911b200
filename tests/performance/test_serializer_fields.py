"""config.api.serializers.ShallowFieldsMixin: each serializer gets fields of its own, as DRF's."""

from __future__ import annotations

import pytest

from sessions.serializers import SessionWriteSerializer

pytestmark = pytest.mark.django_db


def test_each_serializer_binds_fields_of_its_own_and_the_declared_ones_stay_unbound():
    first = SessionWriteSerializer(data={"name": ""})
    second = SessionWriteSerializer(data={"name": "Check-up"})
    for name in ("name", "clientId", "status", "fieldValues"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    # the camelCase renaming (a source set on the copy) leaves the declared field as it was
    assert first.fields["clientId"].source == "client"
    declared = SessionWriteSerializer._declared_fields
    assert declared["name"].parent is None and declared["client_id"].field_name is None
    # its validators and messages are lists and dicts of its own
    assert first.fields["name"].validators is not second.fields["name"].validators
    assert first.fields["name"].validators is not declared["name"].validators
    assert first.fields["name"].error_messages is not declared["name"].error_messages
    # and one serializer's errors are its own
    assert not first.is_valid() and "name" in first.errors
    second.is_valid()
    assert "name" not in second.errors
