from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)

from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, error
from config.schema import envelope as envelope_schema
from nutrition import actions
from nutrition.filters import NutritionSessionFilter
from nutrition.models import ConsultationStatus, ConsultationType, FollowUp, NutritionSession
from nutrition.serializers import (
    FollowUpReadSerializer,
    FollowUpWriteSerializer,
    NutritionSessionReadSerializer,
    NutritionSessionWriteSerializer,
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

SESSION_ENVELOPE = envelope_schema("session", NutritionSessionReadSerializer)
SESSIONS_ENVELOPE = envelope_schema("sessions", NutritionSessionReadSerializer, many=True, paged=True)

BAD_REQUEST = error(
    "Invalid input, naming the field (validation_error; nonexistent_local_time on startTime; malformed_json)."
)
REFERENCE_NOT_FOUND = error(
    "As above, or clientId / specialistId is not a client / active member of this workspace (naming the field)."
)
FILTER_PARAMETERS = [
    OpenApiParameter("clientId", str, description="Only this client's consultations (24-hex id)."),
    OpenApiParameter("specialistId", str, description="Only this specialist's (member id)."),
    OpenApiParameter("type", str, enum=ConsultationType.values),
    OpenApiParameter("status", str, enum=ConsultationStatus.values),
    OpenApiParameter(
        "dateFrom", str, description="First calendar date, inclusive (ISO 8601; a date-time counts as its date)."
    ),
    OpenApiParameter(
        "dateTo", str, description="Last calendar date, inclusive (ISO 8601; a date-time counts as its date)."
    ),
]

TIMES = _(
    "endTime and durationMinutes: give either, both (they must agree) or neither (60 minutes); endTime must be "
    "after startTime. date and startTime are wall-clock values in the workspace's time zone."
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List nutrition consultations"),
        description=_(
            "Ordered by date, startTime, id; filters combine (AND). notesPrivate is null unless the caller holds "
            "nutrition.manage."
        ),
        parameters=[*FILTER_PARAMETERS, *PAGING_PARAMETERS],
        responses={
            200: SESSIONS_ENVELOPE,
            400: error("A malformed filter or paging value, naming it; or too_many_results."),
        },
    ),
    retrieve=extend_schema(
        summary=_("Get a nutrition consultation"),
        description=_("notesPrivate is null unless the caller holds nutrition.manage."),
        responses={200: SESSION_ENVELOPE},
    ),
    create=extend_schema(
        summary=_("Create a nutrition consultation"),
        description=TIMES,
        parameters=[IDEMPOTENCY_KEY],
        request=NutritionSessionWriteSerializer,
        responses={
            201: SESSION_ENVELOPE,
            400: BAD_REQUEST,
            404: REFERENCE_NOT_FOUND,
            409: error(
                "staff_conflict: the specialist holds an overlapping session of either kind; idempotency_key_reused."
            ),
        },
    ),
    partial_update=extend_schema(
        summary=_("Update a nutrition consultation"),
        description=_(
            "Any writable field except followUps. Moving date or startTime keeps the duration unless endTime or "
            "durationMinutes is given. status: scheduled -> completed | cancelled | no_show; the end states are "
            "final; the status it already has changes nothing."
        ),
        request=NutritionSessionWriteSerializer,
        responses={
            200: SESSION_ENVELOPE,
            400: BAD_REQUEST,
            404: REFERENCE_NOT_FOUND,
            409: error("invalid_status_transition, or staff_conflict."),
        },
    ),
    destroy=extend_schema(
        summary=_("Delete a nutrition consultation"),
        description=_("Its follow-ups go with it."),
        responses={204: None},
    ),
)
class NutritionSessionViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = NutritionSession.objects.all()
    envelope = ("session", "sessions")
    ordering = ["date", "start_time", "id"]
    filterset_class = NutritionSessionFilter
    read_serializer_class = NutritionSessionReadSerializer
    write_serializer_class = NutritionSessionWriteSerializer
    permissions = crud_permissions("nutrition.view", "nutrition.manage")

    def perform_create(self, data):
        return actions.nutrition_session_create(workspace=self.workspace, **data)

    def perform_update(self, instance, data):
        return actions.nutrition_session_update(session=instance, **data)

    def perform_destroy(self, instance):
        actions.nutrition_session_delete(session=instance)


@extend_schema_view(
    create=extend_schema(
        summary=_("Add a follow-up to a nutrition consultation"),
        description=_("It then appears in the consultation's followUps, ordered by due date."),
        parameters=[IDEMPOTENCY_KEY],
        request=FollowUpWriteSerializer,
        responses={201: envelope_schema("followUp", FollowUpReadSerializer), 400: BAD_REQUEST},
    ),
    destroy=extend_schema(summary=_("Remove a follow-up from a nutrition consultation"), responses={204: None}),
)
class FollowUpViewSet(CreateMixin, DestroyMixin, WorkspaceScopedViewSet):
    """A consultation's follow-ups: nested under it (``.../nutrition/sessions/{session_id}/follow-ups``)."""

    queryset = FollowUp.objects.all()
    parent = (NutritionSession, "session_id", "session")
    envelope = ("followUp", "followUps")
    read_serializer_class = FollowUpReadSerializer
    write_serializer_class = FollowUpWriteSerializer
    permissions = {"create": "nutrition.manage", "destroy": "nutrition.manage"}

    def perform_create(self, data):
        return actions.follow_up_add(session=self.parent_object, **data)

    def perform_destroy(self, instance):
        actions.follow_up_remove(follow_up=instance)
