from django.urls import re_path

from backoffice.api import MyCalendarFeedViewSet

my_feed = MyCalendarFeedViewSet.as_view({"post": "create", "delete": "destroy"})

urlpatterns = [
    re_path(r"^workspace/(?P<workspace_id>[^/]+)/members/me/calendar-feed/?$", my_feed, name="my-calendar-feed"),
]
