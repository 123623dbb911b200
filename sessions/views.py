from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.response import Response

from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
from sessions import actions
from sessions.filters import SessionFilter
from sessions.models import Session, SessionStatus
from sessions.selectors import new_session_row
from sessions.serializers import SessionReadSerializer, SessionWriteSerializer
from workspaces.tenancy import (
    CreateMixin,
    DestroyMixin,
    ListMixin,
    RetrieveMixin,
    UpdateMixin,
    WorkspaceScopedViewSet,
)

BAD_REQUEST = error(
    "Invalid input, naming the field (codes validation_error, nonexistent_local_time, invalid, malformed_json)."
)
REFERENCE_NOT_FOUND = error(
    "The session is not found, or clientId, serviceIds or staffId is not in this workspace (naming it)."
)
SESSION = envelope("session", SessionReadSerializer)

LIST_PARAMETERS = [
    OpenApiParameter("clientId", OpenApiTypes.STR, description="Only this client's sessions."),
    OpenApiParameter(
        "serviceIds", OpenApiTypes.STR, description="Comma-separated service ids; sessions with any of them."
    ),
    OpenApiParameter("staffId", OpenApiTypes.STR, description="Only this staff member's sessions."),
    OpenApiParameter(
        "dateFrom",
        OpenApiTypes.STR,
        description="First calendar date, inclusive (ISO 8601; a date-time counts as its date).",
    ),
    OpenApiParameter(
        "dateTo",
        OpenApiTypes.STR,
        description="Last calendar date, inclusive (ISO 8601; a date-time counts as its date).",
    ),
    OpenApiParameter("status", OpenApiTypes.STR, enum=SessionStatus.values),
    *PAGING_PARAMETERS,
]


@extend_schema_view(
    list=extend_schema(
        summary=_("List sessions"),
        description="Ordered by date, startTime, id. Filters combine (AND).",
        parameters=LIST_PARAMETERS,
        responses={
            200: envelope("sessions", SessionReadSerializer, many=True, paged=True),
            400: error("A malformed filter or paging value, naming it; or too_many_results."),
        },
    ),
    retrieve=extend_schema(
        summary=_("Get a session"),
        responses={
            200: SESSION,
        },
    ),
    create=extend_schema(
        summary=_("Create a session"),
        description=(
            "Without durationMinutes the duration is the sum of the services' durations (a service without "
            "one counts 0; 0 becomes 60). endTime = startTime + durationMinutes. Accepts an Idempotency-Key header."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=SessionWriteSerializer,
        responses={
            201: SESSION,
            400: BAD_REQUEST,
            404: REFERENCE_NOT_FOUND,
            409: error("staff_conflict: the staff member is busy then; idempotency_key_reused."),
        },
    ),
    partial_update=extend_schema(
        summary=_("Update a session"),
        description=(
            "Any writable field. status follows the lifecycle. New serviceIds without durationMinutes recompute "
            "the duration; durationMinutes null recomputes it from the services."
        ),
        request=SessionWriteSerializer,
        responses={
            200: SESSION,
            400: BAD_REQUEST,
            404: REFERENCE_NOT_FOUND,
            409: error("invalid_status_transition, or staff_conflict."),
        },
    ),
    destroy=extend_schema(
        summary=_("Delete a session"),
        responses={
            204: None,
        },
    ),
)
class SessionViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, DestroyMixin, WorkspaceScopedViewSet):
    queryset = Session.objects.all()
    envelope = ("session", "sessions")
    ordering = ["date", "start_time", "id"]
    filterset_class = SessionFilter
    read_serializer_class = SessionReadSerializer
    write_serializer_class = SessionWriteSerializer
    permissions = {
        "list": "sessions.view",
        "retrieve": "sessions.view",
        "create": "sessions.create",
        "partial_update": "sessions.update",
        "destroy": "sessions.delete",
    }

    def perform_create(self, data):
        return actions.session_create(workspace=self.workspace, **data)

    def created(self, session, data):
        # not read back: the session, its client, staff member and services are all in hand
        row = new_session_row(session, data["services"])
        return Response({self.envelope[0]: self.read(row)}, status=status.HTTP_201_CREATED)

    def perform_update(self, instance, data):
        return actions.session_update(session=instance, **data)

    def perform_destroy(self, instance):
        actions.session_delete(session=instance)
