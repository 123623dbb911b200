from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api.errors import NOT_FOUND_MESSAGE
from config.api.paging import paginate
from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, error
from config.schema import envelope as envelope_schema
from nutrition import actions
from nutrition.filters import NutritionSessionFilter
from nutrition.models import ConsultationStatus, ConsultationType, FollowUp, NutritionSession
from nutrition.selectors import follow_up_rows, nutrition_list_rows
from nutrition.serializers import (
    FollowUpReadSerializer,
    FollowUpWriteSerializer,
    NutritionSessionReadSerializer,
    NutritionSessionWriteSerializer,
    can_read_private_notes,
    nutrition_row_data,
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
FOLLOW_UP_ID_PARAMETER = OpenApiParameter("follow_up_id", str, OpenApiParameter.PATH, description="Follow-up id.")

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
    # follow-ups are loaded by the read serializer (nutrition.selectors.follow_ups_load), in one
    # query that names the workspace, which a class-level prefetch could not
    queryset = NutritionSession.objects.all()
    list_queryset = nutrition_list_rows(NutritionSession.objects.all())  # resolved once, here
    envelope = ("session", "sessions")
    ordering = ["date", "start_time", "id"]
    filterset_class = NutritionSessionFilter
    read_serializer_class = NutritionSessionReadSerializer
    write_serializer_class = NutritionSessionWriteSerializer
    permissions = crud_permissions(
        "nutrition.view", "nutrition.manage", add_follow_up="nutrition.manage", remove_follow_up="nutrition.manage"
    )

    def many(self, queryset):
        # the list reads plain rows (list_queryset), not models, as sessions.views does;
        # nutrition_row_data gives each the read serializer's shape
        rows, next_cursor, paged = paginate(self.request, queryset, self.ordering)
        follow_ups = follow_up_rows(workspace_id=self.workspace.pk, session_ids=[row["id"] for row in rows])
        private_notes = can_read_private_notes(self.membership)
        body = {
            "sessions": [nutrition_row_data(row, follow_ups[row["id"]], private_notes=private_notes) for row in rows]
        }
        if paged:
            body["nextCursor"] = next_cursor
        return Response(body)

    def perform_create(self, data):
        return actions.nutrition_session_create(workspace=self.workspace, **data)

    def perform_update(self, instance, data):
        instance.workspace = self.workspace  # already loaded: no query for its time zone
        return actions.nutrition_session_update(session=instance, **data)

    def perform_destroy(self, instance):
        actions.nutrition_session_delete(session=instance)

    @extend_schema(
        summary=_("Add a follow-up to a nutrition consultation"),
        description=_("It then appears in the consultation's followUps, ordered by due date."),
        parameters=[IDEMPOTENCY_KEY],
        request=FollowUpWriteSerializer,
        responses={201: envelope_schema("followUp", FollowUpReadSerializer), 400: BAD_REQUEST},
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
