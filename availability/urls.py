from django.urls import re_path

from availability.views import AvailabilityViewSet, BookingPolicyViewSet, TimeOffViewSet, WorkingHoursViewSet
from config.routers import ApiRouter

WORKSPACE = r"^workspace/(?P<workspace_id>[^/]+)"
MEMBER = WORKSPACE + r"/members/(?P<member_id>[^/]+)"

router = ApiRouter()
router.register(
    r"workspace/(?P<workspace_id>[^/]+)/members/(?P<member_id>[^/]+)/time-off", TimeOffViewSet, basename="time-off"
)

urlpatterns = [
    re_path(
        MEMBER + r"/working-hours/?$",
        WorkingHoursViewSet.as_view({"get": "list", "put": "update"}),
        name="working-hours",
    ),
    re_path(
        WORKSPACE + r"/booking-policy/?$",
        BookingPolicyViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="booking-policy",
    ),
    re_path(WORKSPACE + r"/availability/?$", AvailabilityViewSet.as_view({"get": "list"}), name="availability"),
    *router.urls,
]
