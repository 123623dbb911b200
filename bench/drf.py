"""The best hand-tuned DRF variant of the session list and create, to set the API against.

Not the API: what the fastest *idiomatic* DRF we could write answers for the same requests, on
the project's models and database (``gunicorn bench.drf:application``, settings
:mod:`bench.drf_settings`), under ``/api/drf/workspace/{id}/sessions``:

- ``GET ...?dateFrom=&dateTo=``: the API's JSON (``orjson.loads``-equal; the benchmark and
  tests/performance/test_bench_drf.py check it). A ``GenericAPIView``; simplejwt's
  ``JWTStatelessUserAuthentication`` (the token trusted until it expires: no user query); one
  membership query (a permission); one ``.values_list()`` query with the services as two
  ``ArrayAgg`` over a join, the notes, attachments and invoice as JSON aggregates in correlated
  subqueries, dates, clocks and instants formatted by ``to_char``; an orjson renderer, the JSON
  columns written out as PostgreSQL gave them (``orjson.Fragment``).
- ``POST`` (the benchmark's body: ``name, clientId, serviceIds, staffId, date, startTime``): a
  201 with the API's create answer. A ``Serializer`` checks the body and that the client and the
  services (alive, active, for sessions) are the workspace's, one query each; then, in one
  transaction, the staff member (an active member of the workspace) is read and locked
  (``select_for_update``), an overlap with a booking of either kind that holds them (one
  ``UNION ALL`` ``exists()``) is a 409 ``staff_conflict``, the session is saved (``save()``:
  simple-history's signal writes its historical row with the services, and the project's
  notification hook the job that makes the confirmation email and the reminders, as for the API)
  and its services ``bulk_create``-d. Statements PostgreSQL receives: 2 for a list (the
  membership, the rows), 11 for a create (the membership, BEGIN, client, services, staff lock,
  overlap, the session, its historical row, the job, service links, COMMIT); the API's: 2 and 6.

What it does not do that the API does: no check that the token predates a password change (the
API reads the user with the membership), no two-factor requirement, no idempotency key, no
working-hours or time-off check (``availability``: the benchmark's workspace enforces none), no
custom-field definitions read (``fieldValues``, ``durationMinutes`` and ``status`` are not
accepted: the duration is the services' sum, the status scheduled), dates only as ``YYYY-MM-DD``,
no paging and no other filters on the list, and the writes go one statement each (the API
sends the create's reads as one statement and its writes as one: ``config.db``).
"""

from __future__ import annotations

import os

import django
from django.apps import apps

# Django is set up before the models are imported: gunicorn imports this module first
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.drf_settings")
if not apps.ready:
    django.setup()

import datetime as dt
import zoneinfo

import orjson
from django.contrib.postgres.aggregates import ArrayAgg, JSONBAgg
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.db.models import Case, CharField, F, FilteredRelation, Func, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, NullIf
from django.urls import path
from rest_framework import exceptions, parsers, permissions, renderers, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from billing.models import InvoiceSession
from bookings.time import DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES
from config.api.formats import ClockText, DayText, InstantText, format_clock, format_day, format_instant
from history.recording import recorded_with
from nutrition.models import NutritionSession
from records.models import Note, SessionAttachment
from services.models import Service, ServiceScope
from sessions.models import Session, SessionService, SessionStatus
from workspaces.current import set_request_workspace
from workspaces.models import Client, Membership, User

# --------------------------------------------------------------------------------------------
# JSON in and out: orjson
# --------------------------------------------------------------------------------------------


class ORJSONRenderer(renderers.BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return b"" if data is None else orjson.dumps(data, default=str)


class ORJSONParser(parsers.BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return orjson.loads(stream.read())
        except orjson.JSONDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc


def _fragment(text: str | None):
    """JSON text PostgreSQL built, written out as it is."""
    return None if text is None else orjson.Fragment(text)


# --------------------------------------------------------------------------------------------
# Who may: one membership query
# --------------------------------------------------------------------------------------------


class IsWorkspaceMember(permissions.BasePermission):
    """The caller is an active member of the (active) workspace of the path, whose role has the
    view's permission for the method: one query, the membership with its workspace, kept on the
    view. Unknown workspace and non-member: 404; a role without the permission: 403."""

    def has_permission(self, request, view) -> bool:
        membership = (
            Membership.objects.select_related("workspace")
            .filter(
                workspace_id=view.kwargs["workspace_id"],
                user_id=request.user.id,
                is_active=True,
                workspace__is_active=True,
            )
            .first()
        )
        if membership is None:
            raise exceptions.NotFound()
        if membership.workspace.subscription_expired:
            raise exceptions.PermissionDenied("The workspace's subscription has expired.", code="subscription_expired")
        view.membership = membership
        set_request_workspace(membership.workspace)  # (the webhook hook reads what it listens to from it)
        return membership.has_permission(view.needs[request.method])


class WorkspaceView(GenericAPIView):
    authentication_classes = [JWTStatelessUserAuthentication]
    permission_classes = [permissions.IsAuthenticated, IsWorkspaceMember]
    renderer_classes = [ORJSONRenderer]
    parser_classes = [ORJSONParser]
    needs: dict[str, str] = {}
    membership: Membership


# --------------------------------------------------------------------------------------------
# The list: one query
# --------------------------------------------------------------------------------------------


def _member_name(relation: str):
    return Coalesce(
        NullIf(F(f"{relation}__user__name"), Value("")), F(f"{relation}__user__email"), output_field=CharField()
    )


def _json_array(queryset, order_by: tuple, **fields) -> Subquery:
    """The rows of ``queryset`` as one JSON array text, in ``order_by``'s order (NULL for none)."""
    aggregated = (
        queryset.order_by()
        .values("workspace_id")
        .annotate(items=Cast(JSONBAgg(JSONObject(**fields), order_by=order_by), TextField()))
    )
    return Subquery(aggregated.values("items"))


def _array(links, column: str) -> Subquery:
    """One column of a session's services, in their order, as an array (NULL for none: a session
    without services has no group; :func:`session_item` reads it as ``[]``)."""
    ordered = ArrayAgg(column, order_by=("position", "id"))
    return Subquery(links.order_by().values("session_id").annotate(items=ordered).values("items"))


def session_rows(*, private: bool):
    """Sessions as tuples in :data:`KEYS`' order (filter and order after): built once, at import
    (:data:`ROWS`), as a hand-tuner would; each request filters a clone, which Django compiles."""
    notes = Note.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk"))
    files = SessionAttachment.objects.filter(workspace_id=OuterRef("workspace_id"), booking_id=OuterRef("pk"))
    if not private:
        notes, files = notes.filter(visibility="shared"), files.filter(visibility="shared")
    invoice = (
        InvoiceSession.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk"))
        .order_by(Case(When(invoice__status="void", then=1), default=0), "-invoice__created_at", "-invoice_id")
        .values(
            summary=Cast(
                JSONObject(
                    id="invoice_id",
                    number="invoice__number",
                    status="invoice__status",
                    total=Func("invoice__total", "invoice__currency_decimals", function="round"),
                    paidAmount=Func("invoice__paid_amount", "invoice__currency_decimals", function="round"),
                    currency="invoice__currency",
                ),
                TextField(),
            )
        )[:1]
    )
    links = SessionService.objects.filter(workspace_id=OuterRef("workspace_id"), session_id=OuterRef("pk"))
    columns = {
        "client_name": Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("name")),
        "service_ids": _array(links, "service_id"),
        "service_names": _array(links, "service__name"),
        "staff_name": _member_name("ws_staff"),
        "date_text": DayText("date"),
        "start_text": ClockText("start_time"),
        "end_text": ClockText("end_time"),
        "field_values_json": Cast("field_values", TextField()),
        "attachments_json": _json_array(
            files,
            ("created_at", "id"),
            id="id",
            name="name",
            size="size",
            contentType="content_type",
            visibility="visibility",
            uploadedBy="uploaded_by_id",
            createdAt=InstantText("created_at"),
            url=Concat(
                Value("/api/v1/workspace/"),
                "workspace_id",
                Value("/sessions/"),
                "booking_id",
                Value("/attachments/"),
                "id",
                Value("/content"),
                output_field=CharField(),
            ),
        ),
        "notes_json": _json_array(
            notes,
            ("created_at", "id"),
            id="id",
            sessionId="session_id",
            body="body",
            visibility="visibility",
            authorId="author_id",
            authorName=_member_name("author"),
            createdAt=InstantText("created_at"),
            updatedAt=InstantText("updated_at"),
        ),
        "invoice_json": Subquery(invoice),
        "created_text": InstantText("created_at"),
        "updated_text": InstantText("updated_at"),
    }
    return (
        Session.objects.alias(ws_staff=FilteredRelation("staff", condition=Q(staff__workspace=F("workspace"))))
        .annotate(**columns)
        .values_list(
            "id",
            "workspace_id",
            "client_id",
            "client_name",
            "service_ids",
            "service_names",
            "staff_id",
            "staff_name",
            "name",
            "date_text",
            "start_text",
            "end_text",
            "duration_minutes",
            "status",
            "field_values_json",
            "attachments_json",
            "notes_json",
            "invoice_json",
            "created_text",
            "updated_text",
        )
    )


KEYS = (
    "id", "workspaceId", "clientId", "clientName", "serviceIds", "serviceNames", "staffId", "staffName", "name",
    "date", "startTime", "endTime", "durationMinutes", "status", "fieldValues", "attachments", "notes", "invoice",
    "createdAt", "updatedAt",
)  # fmt: skip


#: by whether the caller reads private notes and attachments
ROWS = {private: session_rows(private=private) for private in (True, False)}


def session_item(row: tuple) -> dict:
    item = dict(zip(KEYS, row, strict=True))
    item["serviceIds"] = item["serviceIds"] or []
    item["serviceNames"] = item["serviceNames"] or []
    item["fieldValues"] = _fragment(item["fieldValues"])
    item["attachments"] = orjson.Fragment(item["attachments"] or b"[]")
    item["notes"] = orjson.Fragment(item["notes"] or b"[]")
    item["invoice"] = _fragment(item["invoice"])
    return item


class DateRangeSerializer(serializers.Serializer):
    dateFrom = serializers.DateField(required=False)  # noqa: N815 - the wire's names
    dateTo = serializers.DateField(required=False)  # noqa: N815


class SessionsView(WorkspaceView):
    needs = {"GET": "sessions.view", "POST": "sessions.create"}

    def get(self, request, workspace_id: str) -> Response:
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        private = self.membership.has_permission("records.private")
        rows = ROWS[private].filter(workspace_id=workspace_id)
        if "dateFrom" in query.validated_data:
            rows = rows.filter(date__gte=query.validated_data["dateFrom"])
        if "dateTo" in query.validated_data:
            rows = rows.filter(date__lte=query.validated_data["dateTo"])
        rows = rows.order_by("date", "start_time", "id")
        return Response({"sessions": [session_item(row) for row in rows]})

    def post(self, request, workspace_id: str) -> Response:
        with transaction.atomic():
            serializer = SessionCreateSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return Response({"session": serializer.data}, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------------------------
# The create
# --------------------------------------------------------------------------------------------

UTC = zoneinfo.ZoneInfo("UTC")


class StaffConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The staff member already has a session at that time."
    default_code = "staff_conflict"


class InWorkspace(serializers.PrimaryKeyRelatedField):
    """The id of one of the workspace's objects: ``queryset`` narrowed to the view's workspace."""

    def get_queryset(self):
        return super().get_queryset().filter(workspace_id=self.context["view"].membership.workspace_id)


def staff_busy(*, workspace_id: str, staff_id: str, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether a booking of either kind that holds the staff member overlaps the span: one query
    (``UNION ALL``), each part through its (workspace, staff, starts_at) index."""
    window = {
        "workspace_id": workspace_id,
        "staff_id": staff_id,
        "starts_at__gt": starts_at - dt.timedelta(minutes=MAX_DURATION_MINUTES),
        "starts_at__lt": ends_at,
        "ends_at__gt": starts_at,
    }
    parts = [
        kind.objects.filter(**window).exclude(status__in=kind.lifecycle.frees_staff).values("pk")
        for kind in (Session, NutritionSession)
    ]
    return parts[0].union(*parts[1:], all=True).exists()


class SessionCreateSerializer(serializers.Serializer):
    """The benchmark's body; validated inside the create's transaction: the staff member is read
    and locked (``SELECT ... FOR UPDATE``) by their field, so two creates for one staff member run
    one after the other and the second one's overlap check sees the first one's session."""

    name = serializers.CharField(max_length=200)
    clientId = InWorkspace(source="client", queryset=Client.objects.all())  # noqa: N815 - the wire's names
    serviceIds = serializers.ListField(  # noqa: N815
        source="services", child=serializers.RegexField(r"^[0-9a-f]{24}$"), min_length=1, max_length=50
    )
    date = serializers.DateField()
    startTime = serializers.TimeField(source="start_time")  # noqa: N815
    staffId = InWorkspace(  # noqa: N815
        source="staff",
        queryset=Membership.objects.filter(is_active=True).select_related("user").select_for_update(of=("self",)),
        required=False,
        allow_null=True,
    )

    def validate_serviceIds(self, value: list[str]) -> list[Service]:  # noqa: N802
        """The services in the order given (duplicates once): the workspace's, alive, active and
        for sessions; one query."""
        ids = list(dict.fromkeys(value))
        found = Service.objects.filter(
            workspace_id=self.context["view"].membership.workspace_id, pk__in=ids, deleted_at__isnull=True
        ).in_bulk()
        if len(found) != len(ids):
            raise serializers.ValidationError("Service not found.")
        if any(not s.is_active or s.scope != ServiceScope.SESSIONS for s in found.values()):
            raise serializers.ValidationError("A service is not active or not for sessions.")
        return [found[pk] for pk in ids]

    def create(self, validated_data: dict) -> Session:
        workspace = self.context["view"].membership.workspace
        services = validated_data["services"]
        minutes = sum(service.duration_minutes or 0 for service in services) or DEFAULT_DURATION_MINUTES
        if minutes > MAX_DURATION_MINUTES:
            raise serializers.ValidationError({"serviceIds": ["The services' durations add up to more than a day."]})
        day, start = validated_data["date"], validated_data["start_time"]
        starts_at = dt.datetime.combine(day, start, zoneinfo.ZoneInfo(workspace.timezone)).astimezone(UTC)
        ends_at = starts_at + dt.timedelta(minutes=minutes)
        staff = validated_data.get("staff")
        if staff is not None and staff_busy(
            workspace_id=workspace.pk, staff_id=staff.pk, starts_at=starts_at, ends_at=ends_at
        ):
            raise StaffConflict()
        session = Session(
            workspace=workspace,
            name=validated_data["name"],
            client=validated_data["client"],
            staff=staff,
            date=day,
            start_time=start,
            end_time=(dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time(),
            duration_minutes=minutes,
            starts_at=starts_at,
            ends_at=ends_at,
            status=SessionStatus.SCHEDULED,
            field_values=[],
        )
        # its historical row (simple-history's signal) names the caller (the token's, not read) and
        # carries the services, written just after
        session._history_user = User(pk=self.context["request"].user.id)
        with recorded_with(session, service_ids=[service.pk for service in services]):
            session.save(force_insert=True)
        SessionService.objects.bulk_create(
            SessionService(workspace=workspace, session=session, service=service, position=position)
            for position, service in enumerate(services)
        )
        return session

    def to_representation(self, session: Session) -> dict:
        services = self.validated_data["services"]
        return {
            "id": session.pk,
            "workspaceId": session.workspace_id,
            "clientId": session.client_id,
            "clientName": session.client.name,
            "serviceIds": [service.pk for service in services],
            "serviceNames": [service.name for service in services],
            "staffId": session.staff_id,
            "staffName": None if session.staff is None else session.staff.user.get_full_name(),
            "name": session.name,
            "date": format_day(session.date),
            "startTime": format_clock(session.start_time),
            "endTime": format_clock(session.end_time),
            "durationMinutes": session.duration_minutes,
            "status": session.status,
            "fieldValues": [],
            "attachments": [],
            "notes": [],
            "invoice": None,
            "createdAt": format_instant(session.created_at),
            "updatedAt": format_instant(session.updated_at),
        }


urlpatterns = [
    path("api/drf/workspace/<str:workspace_id>/sessions", SessionsView.as_view()),
]

application = get_wsgi_application()
