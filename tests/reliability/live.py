"""A live stack for the end-to-end reliability tests: PostgreSQL, gunicorn, seeded through the API.

Everything runs on this machine and talks over loopback only:

- :class:`Postgres`: a dedicated PostgreSQL 16 (the ``pgserver`` package's binaries) in a
  temporary folder, which the restart test really restarts (``pg_ctl restart -m fast``);
- :class:`Gunicorn`: the production server (``config.wsgi``, several sync workers) with
  production settings (``DEBUG=0``), on a free port of 127.0.0.1;
- :func:`seed`: workspaces, members and tokens through the ops commands, then clients,
  services, sessions and nutrition consultations through the API itself.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PASSWORD = "live-stack-password-7"

logging.getLogger("pgserver").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) for a server on plain-HTTP loopback."""
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "live-" + secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; everything else stays production
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "JWT_ACCESS_MINUTES": "240",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BASE_DIR),
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


class Postgres:
    """A PostgreSQL server of its own, in a temporary folder, deleted at :meth:`stop`."""

    def __init__(self) -> None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(BASE_DIR / ".data"))  # before pgserver reads it
        (BASE_DIR / ".data").mkdir(exist_ok=True)
        import pgserver

        self.pgdata = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.server = pgserver.get_server(self.pgdata, cleanup_mode="delete")

    def url(self, database: str) -> str:
        return self.server.get_uri(database)

    def create_database(self, name: str) -> str:
        self.server.psql(f'CREATE DATABASE "{name}";')
        return self.url(name)

    def sql(self, database: str, query: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def restart(self) -> float:
        """Stop the server (``-m fast``: open connections are cut) and start it again; seconds taken."""
        import pgserver

        started = time.monotonic()
        pgserver.pg_ctl(
            ["-w", "-m", "fast", "-l", str(self.server.log), "restart"],
            pgdata=self.pgdata,
            user=self.server.system_user,
            timeout=60,
        )
        return time.monotonic() - started

    def stop(self) -> None:
        try:
            self.server.cleanup()
        finally:
            shutil.rmtree(self.pgdata, ignore_errors=True)


class Gunicorn:
    """``gunicorn config.wsgi`` on a free loopback port, started and stopped by the tests."""

    def __init__(self, env: dict[str, str], workers: int = 4) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkstemp(prefix="reliability-gunicorn-", suffix=".log")[1])
        #: one line a request: "<status> <method> <path>"
        self.access_log = Path(tempfile.mkstemp(prefix="reliability-access-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def statuses(self) -> list[int]:
        """The status of every request answered so far, from the access log."""
        return [int(line.split(" ", 1)[0]) for line in self.access_log.read_text().splitlines() if line[:3].isdigit()]

    def start(self, timeout: float = 60) -> Gunicorn:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    "--backlog",
                    "512",
                    "--access-logfile",
                    str(self.access_log),
                    "--access-logformat",
                    "%(s)s %(m)s %(U)s",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout}s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-20000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Seeding: ops commands for workspaces and members, the API for everything else
# --------------------------------------------------------------------------------------------


@dataclass
class Tenant:
    id: str
    owner_email: str
    token: str
    staff: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    nutrition: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def login(base_url: str, email: str, password: str = PASSWORD) -> str:
    response = requests.post(f"{base_url}/api/v1/auth/token", json={"email": email, "password": password}, timeout=30)
    response.raise_for_status()
    return response.json()["access"]


TENANTS_SCRIPT = """
import json
from workspaces import actions
out = []
for name, email in %r:
    workspace = actions.workspace_create(name=name, owner_email=email, owner_password=%r)
    staff = [
        actions.membership_add(workspace=workspace, email=f"staff{n}.{email}", password=%r, role="specialist").pk
        for n in range(2)
    ]
    out.append({"id": workspace.pk, "owner_email": email, "staff": staff})
print(json.dumps(out))
"""


def create_tenants(env: dict[str, str], tenants: list[tuple[str, str]]) -> list[dict]:
    """Workspaces, each with its owner and two specialists, through the actions the ops commands use."""
    output = manage(env, "shell", "-c", TENANTS_SCRIPT % (tenants, PASSWORD, PASSWORD))
    return json.loads(output.strip().splitlines()[-1])


def day(year: int, month: int, offset: int) -> str:
    return (datetime.date(year, month, 1) + datetime.timedelta(days=offset)).isoformat()


def populate(base_url: str, tenant: Tenant, marker: str, count: int = 10) -> Tenant:
    """``count`` of each kind of object, every text carrying ``marker`` (to find leaks)."""
    api = requests.Session()
    api.headers.update(tenant.headers())
    root = f"{base_url}/api/v1/workspace/{tenant.id}"

    def post(path: str, body: dict) -> dict:
        response = api.post(root + path, json=body, timeout=30)
        assert response.status_code == 201, (path, response.status_code, response.text)
        return response.json()

    for n in range(count):
        tenant.clients.append(
            post(
                "/clients", {"name": f"{marker} client {n}", "email": f"c{n}@{marker.lower()}.example", "notes": marker}
            )["client"]["id"]
        )
        tenant.services.append(
            post(
                "/services",
                {"name": f"{marker} service {n}", "durationMinutes": 30, "price": 10 + n, "description": marker},
            )["service"]["id"]
        )
    for n in range(count):
        tenant.sessions.append(
            post(
                "/sessions",
                {
                    "name": f"{marker} session {n}",
                    "clientId": tenant.clients[n % len(tenant.clients)],
                    "serviceIds": tenant.services[n % len(tenant.services) : n % len(tenant.services) + 2],
                    "staffId": tenant.staff[n % len(tenant.staff)] if tenant.staff else None,
                    "date": day(2030, 1, n),
                    "startTime": "09:00",
                    "fieldValues": [{"fieldKey": "marker", "value": marker, "phase": "pre"}],
                },
            )["session"]["id"]
        )
        consultation = post(
            "/nutrition/sessions",
            {
                "clientId": tenant.clients[n % len(tenant.clients)],
                "specialistId": tenant.staff[n % len(tenant.staff)] if tenant.staff else None,
                "type": "in_person",
                "date": day(2030, 3, n),
                "startTime": "11:00",
                "topic": f"{marker} topic",
                "notesPrivate": f"{marker} private",
                "notesShared": f"{marker} shared",
                "followUps": [{"dueDate": day(2030, 6, n), "note": f"{marker} follow-up"}],
            },
        )["session"]
        tenant.nutrition.append(consultation["id"])
        tenant.follow_ups.extend(f["id"] for f in consultation["followUps"])
    return tenant


def seed(env: dict[str, str], base_url: str, count: int = 10) -> tuple[Tenant, Tenant]:
    """Two workspaces: A (the fuzzer's, the load test's) and B (full of its own markers)."""
    specs = [("Alpha practice", "owner@alpha.example", "ALPHA"), ("Beta practice", "owner@beta.example", "BETAMARK")]
    infos = create_tenants(env, [(name, email) for name, email, _marker in specs])
    tenants = []
    for info, (_name, email, marker) in zip(infos, specs, strict=True):
        tenant = Tenant(id=info["id"], owner_email=email, token=login(base_url, email), staff=info["staff"])
        tenants.append(populate(base_url, tenant, marker, count))
    return tenants[0], tenants[1]
