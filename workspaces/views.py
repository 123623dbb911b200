from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
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
    crud_permissions,
)

INVALID = error("validation_error naming the offending fields; malformed_json.")
BAD_FILTER = error("A filter or paging parameter is malformed (naming it).")
HAS_SESSIONS = error("client_has_sessions: a client with sessions cannot be deleted.")


@extend_schema_view(
    list=extend_schema(
        summary=_("List clients"),
        parameters=[OpenApiParameter("search", str, description="Matches name, email or phone."), *PAGING_PARAMETERS],
        responses={
            200: envelope("clients", ClientReadSerializer, many=True, paged=True),
            400: BAD_FILTER,
        },
    ),
    retrieve=extend_schema(summary=_("Get a client"), responses={200: envelope("client", ClientReadSerializer)}),
    create=extend_schema(
        summary=_("Create a client"),
        request=ClientWriteSerializer,
        responses={201: envelope("client", ClientReadSerializer), 400: INVALID},
        parameters=[IDEMPOTENCY_KEY],
    ),
    partial_update=extend_schema(
        summary=_("Update a client"),
        request=ClientWriteSerializer,
        responses={200: envelope("client", ClientReadSerializer), 400: INVALID},
    ),
    destroy=extend_schema(summary=_("Delete a client"), responses={204: None, 409: HAS_SESSIONS}),
)
class ClientViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = Client.objects.all()
    envelope = ("client", "clients")
    # alphabetical by name (folded: Arabic letter variants sort together), then email, phone, id
    ordering = ["search_text", "id"]
    filterset_class = ClientFilter
    read_serializer_class = ClientReadSerializer
    write_serializer_class = ClientWriteSerializer
    permissions = crud_permissions("clients.view", "clients.manage")

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
        responses={200: envelope("members", MemberSerializer, many=True, paged=True), 400: BAD_FILTER},
    ),
)
class MemberViewSet(ListMixin, WorkspaceScopedViewSet):
    queryset = Membership.objects.select_related("user")
    envelope = ("member", "members")
    ordering = ["id"]
    filterset_class = MemberFilter
    read_serializer_class = MemberSerializer
    permissions = {"list": "members.view"}
