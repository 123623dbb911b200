"""The workspace of the API request in progress, as the caller's membership query read it.

Set by the tenancy check (:class:`workspaces.tenancy.WorkspacePermission`), cleared when the
request ends (and when the next one starts); None outside a request (a job, a command, a
shell). What the workspace's row says (``listened_events``) is as of the start of the request.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.dispatch import receiver

_workspace: ContextVar = ContextVar("request_workspace", default=None)


def request_workspace():
    return _workspace.get()


def set_request_workspace(workspace) -> None:
    _workspace.set(workspace)


@receiver(request_started, dispatch_uid="request_workspace_cleared")
@receiver(request_finished, dispatch_uid="request_workspace_cleared_after")
def _cleared(**kwargs) -> None:
    _workspace.set(None)
