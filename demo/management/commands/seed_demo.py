from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.seed import DEMO_PASSWORD, demo_seed
from workspaces.models import Workspace


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (bulk loaded; the same seed gives the same data)."

    def add_arguments(self, parser):
        parser.add_argument("--workspaces", type=int, default=3)
        parser.add_argument("--sessions-per-workspace", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any workspace exists.")
        parser.add_argument("--admin-email", help="Also create this superuser (owner of the first workspace).")
        parser.add_argument("--admin-password", default="admin-demo-pass")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["workspaces"] < 1 or options["sessions_per_workspace"] < 0:
            raise CommandError("--workspaces must be at least 1 and --sessions-per-workspace at least 0.")
        if options["if_empty"] and Workspace.objects.exists():
            self.stdout.write("Demo data: the database already has workspaces; nothing loaded.")
            self._print_login(options)
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
            admin_password=options["admin_password"],
            progress=bar.update,
            stage=bar.set_description,  # after a big load: "indexes", "foreign keys", "statistics"
        )
        bar.close()
        summary = {
            "created": result.created,
            "workspaces": result.workspaces,
            "sessions": result.sessions,
            "consultations": result.consultations,
            "firstWorkspaceId": result.first_workspace_id,
            "staffPassword": DEMO_PASSWORD,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        if not result.created:
            self.stdout.write(f"Demo data for seed {options['seed']} is already loaded.")
        else:
            self.stdout.write(
                f"Loaded {result.workspaces} workspaces, {result.sessions} sessions and "
                f"{result.consultations} consultations (first workspace {result.first_workspace_id})."
            )
        self._print_login(options)

    def _print_login(self, options):
        if options["admin_email"]:
            self.stdout.write(f"Log in at /admin/ as {options['admin_email']} / {options['admin_password']}")
        self.stdout.write(f"Demo staff log in with <role><n>.w<w>.s<seed>@demo.example / {DEMO_PASSWORD}")
