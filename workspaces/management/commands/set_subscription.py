from __future__ import annotations

from django.core.management.base import CommandError
from django.db import transaction

from workspaces import actions
from workspaces.management._common import OpsCommand, get_workspace, instant_or_none, parse_instant


class Command(OpsCommand):
    help = "Set when a workspace's subscription expires (--expires ISO_DATETIME), or make it never expire (--never)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace id (24 hex characters).")
        parser.add_argument("--expires", help="ISO 8601 date-time, such as 2025-12-31T23:59:59Z (no offset = UTC).")
        parser.add_argument("--never", action="store_true", help="The subscription never expires.")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        if (options["expires"] is None) == (not options["never"]):
            raise CommandError("Give exactly one of --expires ISO_DATETIME or --never.")
        expires_at = None if options["never"] else parse_instant(options["expires"])
        with transaction.atomic():
            workspace = get_workspace(options["workspace"], for_update=True)
            workspace = actions.workspace_set_subscription(workspace=workspace, expires_at=expires_at)
        expires = instant_or_none(workspace.subscription_expires_at)
        self.emit(
            options,
            {"id": workspace.pk, "name": workspace.name, "subscriptionExpiresAt": expires},
            f"Subscription of {workspace.name!r} ({workspace.pk}) "
            + (f"expires at {expires}." if expires else "never expires."),
        )
