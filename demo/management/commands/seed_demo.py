from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.seed import DEMO_ADMIN_PASSWORD, DEMO_PASSWORD, REFUSED_IN_PRODUCTION, demo_seed, first_workspace_id
from workspaces.models import Workspace


def random_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


class Command(BaseCommand):
    help = (
        "Fill the database with realistic demo data (bulk loaded; the same seed gives the same data). "
        "With DEBUG off it refuses to run unless given --allow-production, and then the demo accounts "
        "get random passwords, printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspaces", type=int, default=3)
        parser.add_argument("--sessions-per-workspace", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any workspace exists.")
        parser.add_argument("--admin-email", help="Also create this superuser (owner of the first workspace).")
        parser.add_argument(
            "--admin-password",
            help=f"The superuser's password (default: {DEMO_ADMIN_PASSWORD} with DEBUG=1, else a random one).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo accounts even with DEBUG off (random passwords, printed once).",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["workspaces"] < 1 or options["sessions_per_workspace"] < 0:
            raise CommandError("--workspaces must be at least 1 and --sessions-per-workspace at least 0.")
        production = not settings.DEBUG
        if production and not options["allow_production"]:
            raise CommandError(REFUSED_IN_PRODUCTION)
        staff_password = random_password() if production else DEMO_PASSWORD
        admin_password = options["admin_password"] or (random_password() if production else DEMO_ADMIN_PASSWORD)
        if production and options["admin_password"]:
            try:
                validate_password(admin_password)
            except ValidationError as exc:
                raise CommandError("--admin-password: " + " ".join(exc.messages)) from None
        if options["if_empty"] and Workspace.objects.exists():
            self.stdout.write("Demo data: the database already has workspaces; nothing loaded.")
            self._print_login(options, production, admin_password, self._first_workspace_id(options["seed"]))
            return
        total = options["workspaces"] * options["sessions_per_workspace"]
        bar = tqdm(
            total=total,
            unit="session",
            unit_scale=True,
            desc="sessions",
            disable=options["no_progress"] or options["json"],
        )
        result = demo_seed(
            workspaces=options["workspaces"],
            sessions_per_workspace=options["sessions_per_workspace"],
            seed=options["seed"],
            admin_email=options["admin_email"],
            admin_password=admin_password,
            staff_password=staff_password,
            allow_production=True,  # checked above
            progress=bar.update,
            stage=bar.set_description,  # after a big load: "indexes", "foreign keys", "statistics"
        )
        bar.close()
        # the passwords are shown only when this run set them (only their hashes are stored)
        summary = {
            "created": result.created,
            "workspaces": result.workspaces,
            "sessions": result.sessions,
            "consultations": result.consultations,
            "firstWorkspaceId": result.first_workspace_id,
            "staffPassword": staff_password if result.created or not production else None,
        }
        if options["admin_email"]:
            summary["adminEmail"] = options["admin_email"]
            summary["adminPassword"] = admin_password if result.created or not production else None
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        if not result.created:
            self.stdout.write(f"Demo data for seed {options['seed']} is already loaded.")
            self._print_login(options, production, admin_password, result.first_workspace_id)
            return
        self.stdout.write(
            f"Loaded {result.workspaces} workspaces, {result.sessions} sessions and "
            f"{result.consultations} consultations."
        )
        self._print_login(options, False, admin_password, result.first_workspace_id, staff_password)
        if production:
            self.stdout.write(self.style.WARNING("These passwords are shown this once: keep them now."))

    @staticmethod
    def _first_workspace_id(seed: int) -> str | None:
        """This seed's first workspace if it is loaded, else the oldest workspace."""
        first = first_workspace_id(seed)
        if Workspace.objects.filter(pk=first).exists():
            return first
        return Workspace.objects.order_by("created_at", "id").values_list("id", flat=True).first()

    def _print_login(self, options, secret: bool, admin_password, workspace_id, staff_password=DEMO_PASSWORD):
        """The admin login and the first workspace id, every time; passwords only when known
        (in development, or in the run that set them)."""
        if workspace_id:
            self.stdout.write(f"First workspace: {workspace_id}")
        if secret:
            self.stdout.write("The demo passwords were printed when the demo was loaded.")
            return
        if options["admin_email"]:
            self.stdout.write(f"Log in at /admin/ as {options['admin_email']} / {admin_password}")
        self.stdout.write(f"Demo staff log in with <role><n>.w<w>.s<seed>@demo.example / {staff_password}")
