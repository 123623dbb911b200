"""The tenancy base cannot be weakened by a subclass, and nested endpoints are scoped by it too."""

from __future__ import annotations

import pytest
from rest_framework.permissions import AllowAny

from workspaces.models import Client, Membership
from workspaces.tenancy import GUARDED, OwnOr, WorkspaceScopedViewSet

pytestmark = pytest.mark.django_db  # (the shared autouse cache fixture)


@pytest.mark.parametrize("name", sorted(GUARDED))
def test_a_viewset_defining_a_guarded_name_is_refused_when_it_is_declared(name):
    # given a viewset that would replace how scoping or the access checks work
    attributes = {name: [AllowAny] if name.endswith("_classes") else (lambda self, *a, **k: None)}

    # when it is declared, then the class itself is refused
    with pytest.raises(TypeError, match=name):
        type("Weakened", (WorkspaceScopedViewSet,), attributes)


def test_the_guarded_names_cover_the_queryset_the_object_the_checks_and_the_doors():
    assert {"get_queryset", "get_object", "permission_classes", "authentication_classes"} <= GUARDED


def test_a_viewset_declaring_only_its_own_parts_is_accepted():
    viewset = type("Fine", (WorkspaceScopedViewSet,), {"permissions": {"list": "clients.view"}})
    assert issubclass(viewset, WorkspaceScopedViewSet)


def test_a_viewset_narrowing_what_is_visible_must_say_what_that_depends_on():
    # compiled reads are kept by a key: a visibility rule the key does not name would serve one
    # caller's rows to another
    def visible(self, queryset):
        return queryset.none()

    with pytest.raises(TypeError, match="visibility_key"):
        type("Narrowed", (WorkspaceScopedViewSet,), {"visible": visible})
    narrowed = type("Said", (WorkspaceScopedViewSet,), {"visible": visible, "visibility_key": lambda self: 1})
    assert issubclass(narrowed, WorkspaceScopedViewSet)


def test_own_or_needs_an_endpoint_nested_under_a_member():
    with pytest.raises(TypeError, match="OwnOr"):
        type("NotNested", (WorkspaceScopedViewSet,), {"permissions": {"update": OwnOr("availability.manage")}})
    with pytest.raises(TypeError, match="OwnOr"):
        type(
            "UnderAClient",
            (WorkspaceScopedViewSet,),
            {"permissions": {"update": OwnOr("x")}, "parent": (Client, "client_id", "client")},
        )
    # under a member it is fine, and the rule itself (``permits``) is guarded like the rest
    type("UnderAMember", (WorkspaceScopedViewSet,), {"permissions": {"update": OwnOr("x")},
                                                       "parent": (Membership, "member_id", "membership")})  # fmt: skip
    assert "permits" in GUARDED
