from django.urls import re_path

from backoffice import views

urlpatterns = [
    # the token is the secret (no login: calendar apps cannot log in); see backoffice.feeds
    re_path(r"^calendar/feeds/(?P<token>[A-Za-z0-9_-]{1,200})\.ics$", views.calendar_feed, name="calendar-feed"),
]
