from __future__ import annotations

from django.core.management.base import CommandError

from workspaces import actions
from workspaces.errors import DomainError
from workspaces.management._common import OpsCommand, get_workspace, parse_email, parse_name, parse_role
from workspaces.roles import Role


class Command(OpsCommand):
    help = (
        "Add a member to a workspace with a role (creates the user when the email is new; "
        "an existing member gets the new role and is reactivated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="Workspace id (24 hex characters).")
        parser.add_argument("--email", required=True, help="The member's login email.")
        parser.add_argument("--password", help="Password for a new user (or a new password for an existing user).")
        parser.add_argument("--name", default="", help="Display name for a new user.")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        email = parse_email(options["email"])
        role = parse_role(options["role"])
        name = parse_name(options["name"], "name") if (options["name"] or "").strip() else ""
        workspace = get_workspace(options["workspace"])
        try:
            membership = actions.membership_add(
                workspace=workspace, email=email, role=role, password=options["password"], name=name
            )
        except DomainError as exc:  # a weak password (Django's validators)
            raise CommandError(f"--password: {exc.message}") from None
        self.emit(
            options,
            {
                "id": membership.pk,
                "userId": membership.user_id,
                "workspaceId": membership.workspace_id,
                "email": membership.user.email,
                "name": membership.user.name,
                "role": membership.role,
                "isActive": membership.is_active,
            },
            f"{membership.user.email} is now {membership.role} of {workspace.name!r} (member {membership.pk}).",
        )
