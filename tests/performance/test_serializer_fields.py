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


def test_a_list_of_items_gets_an_item_serializer_of_its_own_bound_to_it():
    declared = SessionWriteSerializer._declared_fields["field_values"]
    assert declared.child.fields  # (made on the declared one: its copies make their own)
    first, second = SessionWriteSerializer(data={}), SessionWriteSerializer(data={})
    items, others = first.fields["fieldValues"], second.fields["fieldValues"]
    assert items is not others and items.child is not others.child and items.child is not declared.child
    assert items.parent is first and items.child.parent is items and declared.child.parent is declared
    assert items.child.fields["fieldKey"] is not others.child.fields["fieldKey"]
    assert items.child.fields["fieldKey"] is not declared.child.fields["fieldKey"]
    # and an item's error is reported under its index, for that serializer only
    bad = SessionWriteSerializer(data={"fieldValues": [{"fieldKey": "", "phase": "pre"}]})
    assert not bad.is_valid() and "fieldKey" in bad.errors["fieldValues"][0]
    first.is_valid()
    assert "fieldValues" not in first.errors
