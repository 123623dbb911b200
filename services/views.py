from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)

from config.schema import PAGING_PARAMETERS, envelope, error
from services import actions
from services.filters import ServiceFilter
from services.models import Service
from services.serializers import (
    ServiceReadSerializer,
    ServiceWriteSerializer,
)
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
    crud_permissions,
)

SERVICE = envelope("service", ServiceReadSerializer)
INVALID = error("validation_error naming the offending fields.")
CLASH = error("service_name_taken or service_color_taken: another service of the workspace has it.")

FILTER_PARAMETERS = [
    OpenApiParameter("isActive", str, enum=["true", "false"], description="Only active (true) or inactive (false)."),
    OpenApiParameter("scope", str, enum=["sessions"], description="Only services of this scope."),
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List services"),
        parameters=[*FILTER_PARAMETERS, *PAGING_PARAMETERS],
        responses={
            200: envelope("services", ServiceReadSerializer, many=True, paged=True),
            400: error("A filter or paging parameter is malformed."),
        },
    ),
    retrieve=extend_schema(summary=_("Get a service"), responses={200: SERVICE}),
    create=extend_schema(
        summary=_("Create a service"),
        request=ServiceWriteSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: SERVICE, 400: INVALID, 409: CLASH},
    ),
    partial_update=extend_schema(
        summary=_("Update a service"),
        request=ServiceWriteSerializer,
        responses={200: SERVICE, 400: INVALID, 409: CLASH},
    ),
    destroy=extend_schema(
        summary=_("Delete a service"),
        description="Hides the service and frees its name and color; sessions that used it still show it.",
        responses={204: None},
    ),
)
class ServiceViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = Service.objects.alive()
    envelope = ("service", "services")
    ordering = ["name", "id"]
    filterset_class = ServiceFilter
    read_serializer_class = ServiceReadSerializer
    write_serializer_class = ServiceWriteSerializer
    permissions = crud_permissions("services.view", "services.manage")

    def perform_create(self, data):
        return actions.service_create(workspace=self.workspace, **data)

    def perform_update(self, instance, data):
        return actions.service_update(service=instance, **data)

    def perform_destroy(self, instance):
        actions.service_delete(service=instance)
