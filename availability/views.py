"""Availability endpoints: a member's working hours and time off (nested under the member), the
workspace's booking policy, and free slots.

Who may do what is declared per action, through the tenancy base: everyone reads; a member
writes their own working hours and time off (``OwnOr``), owners and admins anyone's and the
booking policy (``availability.manage``).
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.response import Response

from availability import actions
from availability.models import BookingPolicy, TimeOff, WorkingHours
from availability.selectors import booking_policy_of, free_slots, staff_weeks
from availability.serializers import (
    BookingPolicySerializer,
    SlotSerializer,
    TimeOffReadSerializer,
    TimeOffWriteSerializer,
    WorkingHoursSerializer,
    WorkingWeekSerializer,
)
from bookings.time import MAX_DURATION_MINUTES
from config.api.errors import BadRequest, ReferenceNotFound
from config.api.paging import paginate_items
from config.schema import IDEMPOTENCY_KEY, PAGING_PARAMETERS, envelope, error
from sessions.actions import session_duration_from_services
from sessions.serializers import SERVICE_NOT_FOUND, ensure_usable_services, service_queryset
from workspaces.filters import DayFormField, ObjectIdFormField, ObjectIdListFormField
from workspaces.models import Membership
from workspaces.tenancy import CreateMixin, DestroyMixin, ListMixin, OwnOr, WorkspaceScopedViewSet

MAX_DAYS = 31
STAFF_NOT_FOUND = _("Staff member not found.")
RANGE_TOO_LONG = _("At most %(max)s days from dateFrom to dateTo.")
RANGE_BACKWARDS = _("dateTo must not be before dateFrom.")
DURATION_NEEDED = _("Give durationMinutes or serviceIds.")

OWN_OR_MANAGE = OwnOr("availability.manage")
MEMBER_NOT_FOUND = error("The member is not in this workspace (or an unknown time-off id).")
BAD_WEEK = error(
    "validation_error naming workingHours[i] fields (weekday 1-7, start HH:mm, end HH:mm up to 24:00 and after "
    "start); overlapping_working_hours naming workingHours; unknown_field; malformed_json."
)


# --------------------------------------------------------------------------------------------
# Working hours
# --------------------------------------------------------------------------------------------

WEEK = envelope("workingHours", WorkingHoursSerializer, many=True, paged=True)


@extend_schema_view(
    list=extend_schema(
        summary=_("Get a member's working hours"),
        description=(
            "Intervals of the week in the workspace's time zone, by weekday (ISO, Monday 1) and start; "
            "a gap between two of a day is a break."
        ),
        parameters=PAGING_PARAMETERS,
        responses={200: WEEK, 404: MEMBER_NOT_FOUND},
    ),
    update=extend_schema(
        summary=_("Replace a member's working hours"),
        description=(
            "The whole week (an empty list clears it). Several intervals a day; overlapping ones are a 400, "
            "touching ones are fine. A member sets their own; owners and admins anyone's."
        ),
        request=WorkingWeekSerializer,
        responses={200: WEEK, 400: BAD_WEEK, 404: MEMBER_NOT_FOUND},
    ),
)
class WorkingHoursViewSet(WorkspaceScopedViewSet):
    """``.../members/{member_id}/working-hours``: GET the week, PUT a new one."""

    queryset = WorkingHours.objects.all()
    parent = (Membership, "member_id", "membership")
    envelope = ("workingHours", "workingHours")
    ordering = ["weekday", "start_minute", "id"]
    read_serializer_class = WorkingHoursSerializer
    write_serializer_class = WorkingWeekSerializer
    permissions = {"list": "availability.view", "update": OWN_OR_MANAGE}

    def list(self, request, *args, **kwargs):
        return self.many(self.read_queryset())

    def update(self, request, *args, **kwargs):
        data = self.validated(request.data)
        intervals = [(item["weekday"], item["start_minute"], item["end_minute"]) for item in data["working_hours"]]
        actions.working_hours_set(membership=self.parent_object, intervals=intervals)
        return self.many(self.read_queryset())


# --------------------------------------------------------------------------------------------
# Time off
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List a member's time off"),
        description="Ordered by startsAt, id.",
        parameters=PAGING_PARAMETERS,
        responses={
            200: envelope("timeOff", TimeOffReadSerializer, many=True, paged=True),
            400: error("A malformed paging value, naming it; or too_many_results."),
            404: MEMBER_NOT_FOUND,
        },
    ),
    create=extend_schema(
        summary=_("Add time off"),
        description=(
            "A span of real time (instants with Z or an offset) in which the member takes no bookings, whatever "
            "their working hours say. A member adds their own; owners and admins anyone's."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=TimeOffWriteSerializer,
        responses={
            201: envelope("timeOff", TimeOffReadSerializer),
            400: error("validation_error naming startsAt, endsAt (after startsAt) or reason; unknown_field."),
            404: MEMBER_NOT_FOUND,
        },
    ),
    destroy=extend_schema(summary=_("Remove time off"), responses={204: None, 404: MEMBER_NOT_FOUND}),
)
class TimeOffViewSet(ListMixin, CreateMixin, DestroyMixin, WorkspaceScopedViewSet):
    """``.../members/{member_id}/time-off`` and ``.../time-off/{id}``."""

    queryset = TimeOff.objects.all()
    parent = (Membership, "member_id", "membership")
    envelope = ("timeOff", "timeOff")
    ordering = ["starts_at", "id"]
    read_serializer_class = TimeOffReadSerializer
    write_serializer_class = TimeOffWriteSerializer
    permissions = {"list": "availability.view", "create": OWN_OR_MANAGE, "destroy": OWN_OR_MANAGE}

    def perform_create(self, data):
        return actions.time_off_add(membership=self.parent_object, **data)

    def perform_destroy(self, instance):
        actions.time_off_remove(time_off=instance)


# --------------------------------------------------------------------------------------------
# The booking policy
# --------------------------------------------------------------------------------------------

POLICY = envelope("bookingPolicy", BookingPolicySerializer)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Get the booking policy"),
        description="A workspace that never changed it has the defaults.",
        responses={200: POLICY},
    ),
    partial_update=extend_schema(
        summary=_("Change the booking policy"),
        description=(
            "Any of the fields. enforceWorkingHours: a create or move of an active session (of either kind) outside "
            "its staff member's working hours or in their time off is a 409 outside_working_hours. The others shape "
            "the free slots: their grid (slotStepMinutes, counted from local midnight), the gap kept around "
            "bookings (bufferMinutes), how soon (minNoticeMinutes) and how far ahead (maxAdvanceDays)."
        ),
        request=BookingPolicySerializer,
        responses={200: POLICY, 400: error("validation_error naming the field; unknown_field; malformed_json.")},
    ),
)
class BookingPolicyViewSet(WorkspaceScopedViewSet):
    """``.../booking-policy``: one per workspace."""

    queryset = BookingPolicy.objects.none()  # (no object in the path: the workspace's own)
    envelope = ("bookingPolicy", "bookingPolicies")
    read_serializer_class = BookingPolicySerializer
    write_serializer_class = BookingPolicySerializer
    permissions = {"retrieve": "availability.manage", "partial_update": "availability.manage"}

    def retrieve(self, request, *args, **kwargs):
        return Response({self.envelope[0]: self.read(booking_policy_of(self.workspace))})

    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            data = self.validated(request.data, partial=True)
            policy = actions.booking_policy_update(workspace=self.workspace, **data)
        return Response({self.envelope[0]: self.read(policy)})


# --------------------------------------------------------------------------------------------
# Free slots
# --------------------------------------------------------------------------------------------


class AvailabilityQuery(forms.Form):
    """The query string, under its wire names (a malformed value is a 400 naming it)."""

    serviceIds = ObjectIdListFormField(required=False)  # noqa: N815 - wire names
    staffId = ObjectIdFormField(required=False)  # noqa: N815
    dateFrom = DayFormField()  # noqa: N815
    dateTo = DayFormField()  # noqa: N815
    durationMinutes = forms.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)  # noqa: N815

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("dateFrom"), cleaned.get("dateTo")
        if first and last and last < first:
            self.add_error("dateTo", RANGE_BACKWARDS)
        if not cleaned.get("durationMinutes") and not cleaned.get("serviceIds") and not self.errors:
            self.add_error("durationMinutes", DURATION_NEEDED)
        return cleaned


SLOT_PARAMETERS = [
    OpenApiParameter(
        "serviceIds",
        OpenApiTypes.STR,
        description="Comma-separated services: without durationMinutes, the slot lasts their summed duration (as a "
        "session created with them).",
    ),
    OpenApiParameter(
        "staffId", OpenApiTypes.STR, description="Only this member; without it, every member with working hours."
    ),
    OpenApiParameter("dateFrom", OpenApiTypes.DATE, required=True, description="First local date, inclusive."),
    OpenApiParameter(
        "dateTo", OpenApiTypes.DATE, required=True, description=f"Last local date, inclusive; at most {MAX_DAYS} days."
    ),
    OpenApiParameter("durationMinutes", OpenApiTypes.INT, description="1 to 1440; wins over the services' sum."),
    *PAGING_PARAMETERS,
]


@extend_schema_view(
    list=extend_schema(
        summary=_("Find free slots"),
        description=(
            "Every start on the booking policy's grid where a booking of the duration fits inside the member's "
            "working hours, outside their time off and outside every active booking of either kind (plus the "
            "policy's buffer), respecting the notice and advance limits; never in a daylight-saving gap (an "
            "ambiguous time is its first occurrence, as when booking). Ordered by date, startTime, staffId. A slot "
            "can be booked (201) unless someone booked it in between (409)."
        ),
        parameters=SLOT_PARAMETERS,
        responses={
            200: envelope("slots", SlotSerializer, many=True, paged=True),
            400: error(
                "A malformed or missing query value, naming it; date_range_too_long (over 31 days) on dateTo; a "
                "service that is inactive or not for sessions; too_many_results."
            ),
            404: error("staffId or serviceIds is not in this workspace (naming it)."),
        },
    ),
)
class AvailabilityViewSet(WorkspaceScopedViewSet):
    """``.../availability``: free slots."""

    queryset = WorkingHours.objects.none()
    envelope = ("slot", "slots")
    read_serializer_class = SlotSerializer
    permissions = {"list": "availability.view"}

    def list(self, request, *args, **kwargs):
        query = AvailabilityQuery(request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(
                {name: [str(m) for m in messages] for name, messages in query.errors.items()}
            )
        wanted = query.cleaned_data
        if (wanted["dateTo"] - wanted["dateFrom"]).days + 1 > MAX_DAYS:
            raise BadRequest(RANGE_TOO_LONG % {"max": MAX_DAYS}, code="date_range_too_long", field="dateTo")
        # the services are checked as on create (even when durationMinutes, which wins, is given)
        services = self._services(wanted["serviceIds"]) if wanted["serviceIds"] else []
        minutes = wanted["durationMinutes"] or session_duration_from_services(services)
        staff = staff_weeks(self.workspace, wanted["staffId"] or None)
        if wanted["staffId"] and not staff:
            raise ReferenceNotFound("staffId", STAFF_NOT_FOUND)
        slots = free_slots(
            workspace=self.workspace,
            policy=booking_policy_of(self.workspace),
            staff=staff,
            date_from=wanted["dateFrom"],
            date_to=wanted["dateTo"],
            minutes=minutes,
            now=timezone.now(),
        )
        page, next_cursor, paged = paginate_items(request, slots, _slot_key)
        body = {"slots": SlotSerializer(page, many=True).data}
        if paged:
            body["nextCursor"] = next_cursor
        return Response(body)

    def _services(self, ids: list[str]) -> list:
        found = service_queryset(self.workspace).in_bulk(ids)
        if any(pk not in found for pk in ids):
            raise ReferenceNotFound("serviceIds", SERVICE_NOT_FOUND)
        services = [found[pk] for pk in ids]
        ensure_usable_services(services)
        return services


def _slot_key(slot) -> tuple[str, str, str]:
    return (slot.day.isoformat(), f"{slot.minute:04d}", slot.staff.id)
