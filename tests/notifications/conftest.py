"""Fixtures of the end-to-end notification tests: a real SMTP server, a real HTTP receiver and
real worker processes, against the test run's own database (the tests commit: transaction=True)."""

from __future__ import annotations

import pytest

from tests.notifications.servers import FAST, Receiver, SmtpServer, Worker
from tests.test_project import _test_database_url, base_env


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(smtp) -> dict[str, str]:
    return (
        base_env()
        | FAST
        | {
            "DATABASE_URL": _test_database_url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",  # the test's SMTP server speaks plain SMTP
            "DEFAULT_FROM_EMAIL": "bookings@practice.example",
            "DEBUG": "1",
        }
    )


@pytest.fixture
def start_worker(worker_env):
    """``start_worker(**env)`` -> a running worker (stopped at the end of the test)."""
    started: list[Worker] = []

    def start(*args: str, **env: str) -> Worker:
        worker = Worker(worker_env | env, *args).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
