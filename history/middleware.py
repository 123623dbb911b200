"""Exposes each request to the history records: who (the request's user) and which door (its path).

Takes the place of simple-history's ``HistoryRequestMiddleware`` (it does the same and also sets
the door). The user is read when a row is written, so an API call authenticated by a JWT counts
too: DRF's authentication sets the user on the underlying Django request as well.
"""

from __future__ import annotations

import contextlib

from simple_history.models import HistoricalRecords

from history.context import door, door_for_path


class HistoryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        HistoricalRecords.context.request = request
        try:
            with door(door_for_path(request.path_info)):
                return self.get_response(request)
        finally:
            with contextlib.suppress(AttributeError):
                del HistoricalRecords.context.request
