"""Move a session to another status, as the API's PATCH would (lifecycle and all)."""

from __future__ import annotations

from django.core.management.base import CommandError

from history.context import CommandDoorMixin
from sessions import actions
from sessions.models import Session, SessionStatus
from workspaces.errors import DomainError
from workspaces.ids import is_object_id
from workspaces.management._common import OpsCommand


class Command(CommandDoorMixin, OpsCommand):
    help = "Move a session to another status through the lifecycle (recorded in its history as a command)."

    def add_arguments(self, parser):
        parser.add_argument("--session", required=True, help="Session id (24 hex characters).")
        parser.add_argument("--status", required=True, help=f"One of: {', '.join(SessionStatus.values)}.")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        session_id, status = options["session"], options["status"]
        if status not in SessionStatus.values:
            raise CommandError(f"Unknown status {status!r}: use one of {', '.join(SessionStatus.values)}.")
        if not is_object_id(session_id):
            raise CommandError(f"{session_id!r} is not a session id (24 lowercase hex characters).")
        session = Session.objects.select_related("workspace").filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"No session with id {session_id}.")
        previous = session.status
        if status != previous:  # the same status changes nothing (as the API's PATCH)
            try:
                session = actions.session_update(session=session, status=status)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None
        self.emit(
            options,
            {"id": session.pk, "previousStatus": previous, "status": session.status},
            f"Session {session.pk} ({session.name!r}): {previous} -> {session.status}.",
        )
