from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import NOT_FOUND_MESSAGE
from nutrition import actions
from nutrition.filters import NutritionSessionFilter
from nutrition.models import ConsultationStatus, ConsultationType, FollowUp, NutritionSession
from nutrition.serializers import (
    FollowUpReadSerializer,
    FollowUpWriteSerializer,
    NutritionSessionReadSerializer,
    NutritionSessionWriteSerializer,
)
from workspaces.idempotency import idempotent_create
from workspaces.ids import is_object_id
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
)
from workspaces.views import PAGING_PARAMETERS
from workspaces.views import envelope as envelope_schema

SESSION_ENVELOPE = envelope_schema("session", NutritionSessionReadSerializer)

FILTER_PARAMETERS = [
    OpenApiParameter("clientId", str, description="Only this client's consultations (24-hex id)."),
    OpenApiParameter("specialistId", str, description="Only this specialist's (member id)."),
    OpenApiParameter("type", str, enum=ConsultationType.values),
    OpenApiParameter("status", str, enum=ConsultationStatus.values),
    OpenApiParameter(
        "dateFrom", OpenApiTypes.DATE, description="Inclusive; a date-time counts as its date part, as written."
    ),
    OpenApiParameter("dateTo", OpenApiTypes.DATE, description="Inclusive; a date-time counts as its date part."),
]
FOLLOW_UP_ID_PARAMETER = OpenApiParameter("follow_up_id", str, OpenApiParameter.PATH, description="Follow-up id.")

CONFLICTS = _(
    "409 staff_conflict when the specialist already holds an overlapping session of either kind; "
    "400 nonexistent_local_time when startTime does not exist on that date in the workspace's time zone."
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List nutrition consultations"),
        description=_("Ordered by date, startTime, id. notesPrivate is null unless the caller holds nutrition.manage."),
        parameters=[*FILTER_PARAMETERS, *PAGING_PARAMETERS],
        responses=envelope_schema("sessions", NutritionSessionReadSerializer, many=True, paged=True),
    ),
    retrieve=extend_schema(summary=_("Get a nutrition consultation"), responses=SESSION_ENVELOPE),
    create=extend_schema(
        summary=_("Create a nutrition consultation"),
        description=CONFLICTS,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        request=NutritionSessionWriteSerializer,
        responses={201: SESSION_ENVELOPE},
    ),
    partial_update=extend_schema(
        summary=_("Update a nutrition consultation"),
        description=CONFLICTS,
        request=NutritionSessionWriteSerializer,
        responses=SESSION_ENVELOPE,
    ),
    destroy=extend_schema(summary=_("Delete a nutrition consultation"), responses={204: None}),
)
class NutritionSessionViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = NutritionSession.objects.prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.order_by("due_date", "id"))
    )
    envelope = ("session", "sessions")
    ordering = ["date", "start_time", "id"]
    filterset_class = NutritionSessionFilter
    read_serializer_class = NutritionSessionReadSerializer
    write_serializer_class = NutritionSessionWriteSerializer
    permissions = {
        "list": "nutrition.view",
        "retrieve": "nutrition.view",
        "create": "nutrition.manage",
        "partial_update": "nutrition.manage",
        "destroy": "nutrition.manage",
        "add_follow_up": "nutrition.manage",
        "remove_follow_up": "nutrition.manage",
    }

    def perform_create(self, data):
        session = actions.nutrition_session_create(workspace=self.workspace, **data)
        return self.get_queryset().get(pk=session.pk)

    def perform_update(self, instance, data):
        instance.workspace = self.workspace  # already loaded: no query for its time zone
        return actions.nutrition_session_update(session=instance, **data)

    def perform_destroy(self, instance):
        actions.nutrition_session_delete(session=instance)

    @extend_schema(
        summary=_("Add a follow-up to a nutrition consultation"),
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        request=FollowUpWriteSerializer,
        responses={201: envelope_schema("followUp", FollowUpReadSerializer)},
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def add_follow_up(self, request, *args, **kwargs):
        def produce() -> Response:
            session = self.get_object()
            serializer = FollowUpWriteSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            follow_up = actions.follow_up_add(session=session, **serializer.validated_data)
            return Response({"followUp": FollowUpReadSerializer(follow_up).data}, status=status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce)

    @extend_schema(
        summary=_("Remove a follow-up from a nutrition consultation"),
        parameters=[FOLLOW_UP_ID_PARAMETER],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"follow-ups/(?P<follow_up_id>[^/]+)")
    def remove_follow_up(self, request, *args, follow_up_id: str, **kwargs):
        session = self.get_object()
        follow_up = (
            FollowUp.objects.filter(workspace=self.workspace, session=session, pk=follow_up_id).first()
            if is_object_id(follow_up_id)
            else None
        )
        if follow_up is None:
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        actions.follow_up_remove(follow_up=follow_up)
        return Response(status=status.HTTP_204_NO_CONTENT)
