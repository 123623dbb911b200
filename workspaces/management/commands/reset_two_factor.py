from __future__ import annotations

from django.core.management.base import CommandError

from workspaces.accounts import actions
from workspaces.management._common import OpsCommand, parse_email
from workspaces.models import User


class Command(OpsCommand):
    help = (
        "Turn two-factor authentication off for a user who lost their authenticator (every TOTP "
        "device of theirs is removed); they can enrol again after logging in with their password."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The user's login email.")
        super().add_arguments(parser)

    def handle(self, *args, **options):
        email = parse_email(options["email"])
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with email {email}.")
        user = actions.two_factor_reset(user=user)
        self.emit(
            options,
            {"userId": user.pk, "email": user.email, "twoFactorEnabled": user.two_factor_enabled},
            f"Two-factor authentication is off for {user.email}.",
        )
