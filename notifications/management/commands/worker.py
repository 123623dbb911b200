"""Run a worker of the job queue: emails, reminders, webhook deliveries, and the periodic jobs.

Runs until stopped. SIGTERM (or Ctrl-C) stops it taking new jobs and lets the jobs in hand
finish; a second one stops it at once. Any number of workers may run, on this machine or
others, against the same database: each job is taken by one of them (row locks in PostgreSQL).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

QUEUES = ("emails", "webhooks", "maintenance")


class Command(BaseCommand):
    help = (
        "Run a worker of the job queue until stopped (SIGTERM lets the jobs in hand finish). "
        "Run as many as you like, on any machine that reaches the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.WORKER_CONCURRENCY,
            help="Jobs run at once (default WORKER_CONCURRENCY, 4).",
        )
        parser.add_argument(
            "--queues", default=",".join(QUEUES), help=f"Comma-separated queues (default: {','.join(QUEUES)})."
        )
        parser.add_argument("--name", default=None, help="The worker's name in the logs.")

    def handle(self, *args, concurrency: int, queues: str, name: str | None, **options):
        logging.getLogger("procrastinate").setLevel(logging.INFO if options["verbosity"] > 1 else logging.WARNING)
        chosen = [queue.strip() for queue in queues.split(",") if queue.strip()]
        self.stdout.write(f"worker: queues {', '.join(chosen)}, concurrency {concurrency} (SIGTERM to stop)")
        self.stdout.flush()
        # the worker's own connections (a psycopg pool, LISTEN/NOTIFY for new jobs); jobs write
        # through Django's connection, one per worker thread
        with app.replace_connector(app.connector.get_worker_connector()):
            app.run_worker(
                queues=chosen,
                concurrency=concurrency,
                name=name,
                wait=True,
                install_signal_handlers=True,
                listen_notify=True,
                fetch_job_polling_interval=settings.JOB_POLL_SECONDS,
                update_heartbeat_interval=settings.JOB_HEARTBEAT_SECONDS,
                stalled_worker_timeout=settings.JOB_STALLED_SECONDS,
                delete_jobs="successful",  # emails, deliveries and attempts keep their own record
            )
        self.stdout.write("worker: stopped")
