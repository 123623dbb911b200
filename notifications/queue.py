"""The job queue: Procrastinate, kept in the product's own PostgreSQL (its tables, no extension).

- :func:`defer` writes job rows through Django's own connection (Procrastinate's
  ``DjangoConnector``), so inside ``transaction.atomic`` a job is part of the write that causes
  it: a rollback takes it away, a commit makes it visible to the workers. Jobs deferred by a job
  (a reminder that falls due queues its email) go through the same connection, in that job's
  transaction, whatever connector the worker itself uses.
- :class:`Backoff` is the retry schedule of emails and webhooks: ``base``, 2 x ``base``,
  4 x ``base``, ... at most ``max_delay`` apart, until ``window`` has passed since the first try
  (its last try falls at or after the end of the window).
- :func:`django_job` wraps every synchronous task: worker threads keep Django connections, which
  are checked (and closed when too old or broken) before and after each job, as a request's are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from procrastinate import retry
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.manager import JobManager

from config.db.batch import hold


@functools.cache
def _manager() -> JobManager:
    return JobManager(DjangoConnector())


@dataclass(frozen=True)
class Job:
    """A job to defer: a task, its arguments and, optionally, when and under which lock."""

    task: Any
    kwargs: dict[str, Any] = field(default_factory=dict)
    schedule_at: datetime | None = None
    lock: str | None = None


def defer(*jobs: Job) -> None:
    """Insert ``jobs`` (one statement) in the current transaction of Django's connection.

    The statement is Procrastinate's own (its ``defer_jobs`` query, its function, its arguments
    as its Django connector writes them), sent with the write's others when the write batches
    them (:func:`config.db.batch.hold`). Nobody reads the new jobs' ids. The jobs are its one
    parameter, bound on the server: the text stays the same from write to write, so PostgreSQL
    plans it (and the batch it is part of) once per connection.
    """
    if not jobs:
        return
    rows = [
        job.task.configure(schedule_at=job.schedule_at, lock=job.lock).job.evolve(task_kwargs=job.kwargs)
        for job in jobs
    ]
    manager = _manager()
    query = manager._defer_jobs_query_kwargs(rows)  # (pinned version: tests/notifications run the jobs)
    sql = query.pop("query")
    arguments = manager.connector.get_sync_connector()._wrap_json(query)
    (name,) = arguments  # (its only parameter: %(jobs)s)
    hold(sql.replace(f"%({name})s", "%s"), [arguments[name]], read=True)


class Backoff(retry.BaseRetryStrategy):
    """Exponential backoff over a window, from settings named ``<prefix>_RETRY_BASE_SECONDS``,
    ``<prefix>_RETRY_MAX_DELAY_SECONDS`` and ``<prefix>_RETRY_WINDOW_HOURS`` (read when used, so
    a worker started with other values uses them). Only ``retry_on`` exceptions are retried."""

    def __init__(self, prefix: str, retry_on: type[BaseException]):
        self.prefix = prefix
        self.retry_on = retry_on

    def _setting(self, name: str) -> float:
        return float(getattr(settings, f"{self.prefix}_RETRY_{name}"))

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed try (1 for the first)."""
        return min(self._setting("BASE_SECONDS") * 2 ** (failures - 1), self._setting("MAX_DELAY_SECONDS"))

    def waited(self, failures: int) -> float:
        """Seconds waited between the first try and the try after the ``failures``-th failure."""
        return sum(self.delay(n) for n in range(1, failures + 1))

    def gives_up_after(self, failures: int) -> bool:
        """Whether the ``failures``-th failed try is the last (the window has been covered)."""
        return self.waited(failures - 1) >= self._setting("WINDOW_HOURS") * 3600

    def get_retry_decision(self, *, exception: BaseException, job) -> retry.RetryDecision | None:
        failures = job.attempts + 1  # (``attempts`` counts the tries before this one)
        if not isinstance(exception, self.retry_on) or self.gives_up_after(failures):
            return None
        return retry.RetryDecision(retry_in={"seconds": self.delay(failures)})


def django_job(func: Callable) -> Callable:
    """A synchronous task run in a worker thread, with Django's connection handling of a request."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    return run
