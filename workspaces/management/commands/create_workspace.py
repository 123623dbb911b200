from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from workspaces import actions
from workspaces.errors import DomainError
from workspaces.management._common import (
    OpsCommand,
    instant_or_none,
    parse_email,
    parse_name,
    parse_timezone,
)
from workspaces.models import Membership
from workspaces.roles import Role


class Command(OpsCommand):
    help = "Create a workspace and its owner (the owner's user is created when the email is new)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The workspace's name.")
        parser.add_argument("--owner-email", required=True, help="The owner's login email.")
        parser.add_argument(
            "--owner-password", help="Password for a new owner (or a new password for an existing user)."
        )
        parser.add_argument("--timezone", default="UTC", help="IANA time zone, such as Africa/Cairo (default UTC).")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        name = parse_name(options["name"], "workspace name")
        email = parse_email(options["owner_email"])
        tz_name = parse_timezone(options["timezone"])
        try:
            workspace = actions.workspace_create(
                name=name, owner_email=email, owner_password=options["owner_password"], timezone=tz_name
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except DomainError as exc:  # a weak password (Django's validators)
            raise CommandError(f"--owner-password: {exc.message}") from None
        owner = Membership.objects.select_related("user").get(workspace=workspace, role=Role.OWNER)
        self.emit(
            options,
            {
                "id": workspace.pk,
                "name": workspace.name,
                "timezone": workspace.timezone,
                "subscriptionExpiresAt": instant_or_none(workspace.subscription_expires_at),
                "ownerMembershipId": owner.pk,
                "ownerUserId": owner.user_id,
                "ownerEmail": owner.user.email,
            },
            f"Created workspace {workspace.name!r} ({workspace.pk}) in {workspace.timezone}; "
            f"owner {owner.user.email} (member {owner.pk}).",
        )
