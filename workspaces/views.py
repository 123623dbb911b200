from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers

from workspaces import actions
from workspaces.filters import ClientFilter, MemberFilter
from workspaces.models import Client, Membership
from workspaces.serializers import ClientReadSerializer, ClientWriteSerializer, MemberSerializer
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
)

PAGING_PARAMETERS = [
    OpenApiParameter("limit", int, description="Page size, 1 to 500; without it the whole list (up to 5000)."),
    OpenApiParameter("cursor", str, description="The nextCursor of the previous page."),
]


_ENVELOPES: dict[tuple, type] = {}


def envelope(name: str, serializer, many: bool = False, paged: bool = False):
    """The schema of ``{name: serializer}`` (a list when ``many``, plus ``nextCursor`` when ``paged``).

    Built once per shape: a second class with the same component name is a schema warning.
    """
    key = (name, serializer, many, paged)
    if key not in _ENVELOPES:
        fields = {name: serializer(many=True) if many else serializer()}
        if paged:
            fields["nextCursor"] = serializers.CharField(allow_null=True, required=False)
        _ENVELOPES[key] = inline_serializer(
            name=f"{serializer.__name__.replace('Serializer', '')}{'List' if many else ''}Envelope", fields=fields
        )
    return _ENVELOPES[key]


@extend_schema_view(
    list=extend_schema(
        summary=_("List clients"),
        parameters=[OpenApiParameter("search", str, description="Matches name, email or phone."), *PAGING_PARAMETERS],
        responses=envelope("clients", ClientReadSerializer, many=True, paged=True),
    ),
    retrieve=extend_schema(summary=_("Get a client"), responses=envelope("client", ClientReadSerializer)),
    create=extend_schema(
        summary=_("Create a client"),
        request=ClientWriteSerializer,
        responses={201: envelope("client", ClientReadSerializer)},
    ),
    partial_update=extend_schema(
        summary=_("Update a client"), request=ClientWriteSerializer, responses=envelope("client", ClientReadSerializer)
    ),
    destroy=extend_schema(summary=_("Delete a client"), responses={204: None}),
)
class ClientViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = Client.objects.all()
    envelope = ("client", "clients")
    ordering = ["name", "id"]
    filterset_class = ClientFilter
    read_serializer_class = ClientReadSerializer
    write_serializer_class = ClientWriteSerializer
    permissions = {
        "list": "clients.view",
        "retrieve": "clients.view",
        "create": "clients.manage",
        "partial_update": "clients.manage",
        "destroy": "clients.manage",
    }

    def perform_create(self, data):
        return actions.client_create(workspace=self.workspace, **data)

    def perform_update(self, instance, data):
        return actions.client_update(client=instance, **data)

    def perform_destroy(self, instance):
        actions.client_delete(client=instance)


@extend_schema_view(
    list=extend_schema(
        summary=_("List members"),
        parameters=[OpenApiParameter("role", str), OpenApiParameter("isActive", bool), *PAGING_PARAMETERS],
        responses=envelope("members", MemberSerializer, many=True, paged=True),
    ),
)
class MemberViewSet(ListMixin, WorkspaceScopedViewSet):
    queryset = Membership.objects.select_related("user")
    envelope = ("member", "members")
    ordering = ["id"]
    filterset_class = MemberFilter
    read_serializer_class = MemberSerializer
    permissions = {"list": "members.view"}
