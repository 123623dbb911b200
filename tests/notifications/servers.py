"""Real services for the notification tests, all on loopback and started by the tests themselves:

- :class:`SmtpServer`: an SMTP server (aiosmtpd) on a free port that keeps every message it
  accepts (optionally slowly, to catch a worker in the middle of a batch);
- :class:`Receiver`: an HTTP server that answers webhook deliveries with a scripted series of
  statuses and keeps every request (headers and body bytes);
- :class:`Worker`: ``manage.py worker`` as a subprocess, pointed at the test run's database, the
  SMTP server and short retry and heartbeat settings; stopped with SIGTERM or killed with SIGKILL.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 30, step: float = 0.2, message: str = ""):
    """``predicate()``'s first true value within ``timeout`` seconds, else an AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {message or predicate}")
        time.sleep(step)


# --------------------------------------------------------------------------------------------
# SMTP
# --------------------------------------------------------------------------------------------


@dataclass
class Received:
    at: float
    message: email.message.EmailMessage
    recipients: list[str]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()  # (a folded header may start with its fold)

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def part(self, content_type: str):
        return next(part for part in self.message.walk() if part.get_content_type() == content_type)

    def text(self) -> str:
        return self.part("text/plain").get_content()

    def html(self) -> str:
        return self.part("text/html").get_content()

    def ics(self) -> bytes:
        part = self.part("text/calendar")
        return part.get_payload(decode=True)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.delay:
            time.sleep(self.server.delay)  # (the handler runs on the server's own thread)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(Received(time.time(), message, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received() if address in m.recipients]


# --------------------------------------------------------------------------------------------
# HTTP receiver
# --------------------------------------------------------------------------------------------


@dataclass
class Request:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each request with the next status of ``script`` (then ``then``)."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    requests: list[Request] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self
        lock = threading.Lock()
        self.lock = lock

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    receiver.requests.append(
                        Request(time.time(), self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = receiver.script.pop(0) if receiver.script else receiver.then
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)


# --------------------------------------------------------------------------------------------
# The worker
# --------------------------------------------------------------------------------------------

#: short schedules for tests: retries after 1, 2, 4 ... s, a dead worker noticed within seconds
FAST = {
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_MAX_DELAY_SECONDS": "4",
    "EMAIL_RETRY_BASE_SECONDS": "1",
    "EMAIL_RETRY_MAX_DELAY_SECONDS": "2",
    "JOB_HEARTBEAT_SECONDS": "1",
    "JOB_STALLED_SECONDS": "3",
    "JOB_POLL_SECONDS": "1",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "1",
}


class Worker:
    def __init__(self, env: dict[str, str], *args: str):
        self.env = env
        self.args = args
        self.process: subprocess.Popen | None = None
        self.log = BASE_DIR / "tests" / "artifacts" / f"worker-{os.getpid()}-{time.monotonic_ns()}.log"

    def start(self) -> Worker:
        self.log.parent.mkdir(exist_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "worker", *self.args],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: b"worker:" in self.log.read_bytes() or self.process.poll() is not None, 60)
        assert self.process.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-10000:]

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM: the worker finishes the jobs in hand, then exits."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.terminate(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
