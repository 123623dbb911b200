"""End to end, against the production server: schema fuzzing, load, and a database restart.

One live stack for the module (``tests.reliability.live``): a PostgreSQL server of its own in
a temporary folder, ``gunicorn config.wsgi`` with 4 workers and production settings on a free
loopback port, two seeded workspaces. Every loop here is bounded in count and in time, and
every request goes to 127.0.0.1. Run by ``scripts/reliability`` (``RELIABILITY_E2E=1``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.reliability import live
from tests.reliability.figures import record

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db]

FUZZ_EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "50"))
FUZZ_SECONDS = int(os.environ.get("RELIABILITY_FUZZ_SECONDS", "300"))
LOAD_REQUESTS = int(os.environ.get("RELIABILITY_LOAD_REQUESTS", "3000"))
LOAD_THREADS = 16
LOAD_SECONDS = 240
SEEDED = 20  # objects of each kind in workspace A: half for the fuzzer's reads, half for its deletes


@pytest.fixture(scope="module")
def stack():
    started = time.monotonic()
    pg = live.Postgres()
    server = None
    try:
        env = live.server_env(pg.create_database("app"))
        live.manage(env, "migrate", "--noinput", "-v0")
        server = live.Gunicorn(env, workers=4).start()
        alpha, beta = live.seed(env, server.url, count=SEEDED)
        record("live_stack_startup_seconds", round(time.monotonic() - started, 1))
        yield {"pg": pg, "env": env, "server": server, "a": alpha, "b": beta}
    finally:
        if server is not None:
            server.stop()
        pg.stop()


def references(stack, label: str, count: int = 5) -> tuple[list[str], list[str]]:
    """Clients and services of workspace A made for one test (the fuzzer may have changed the seeded ones)."""
    alpha = stack["a"]
    api = requests.Session()
    api.headers.update(alpha.headers())
    root = f"{stack['server'].url}/api/v1/workspace/{alpha.id}"
    clients, services = [], []
    for n in range(count):
        response = api.post(root + "/clients", json={"name": f"{label} client {n}"}, timeout=30)
        assert response.status_code == 201, response.text
        clients.append(response.json()["client"]["id"])
        response = api.post(
            root + "/services", json={"name": f"{label} service {n}", "durationMinutes": 20}, timeout=30
        )
        assert response.status_code == 201, response.text
        services.append(response.json()["service"]["id"])
    return clients, services


def sql(stack, query: str, params: tuple = ()) -> list[tuple]:
    return stack["pg"].sql("app", query, params)


def five_hundreds(stack) -> list[int]:
    return [status for status in stack["server"].statuses() if status >= 500]


# --------------------------------------------------------------------------------------------
# Schema fuzzing
# --------------------------------------------------------------------------------------------

SCHEMATHESIS_CONFIG = """
[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_schema_conformance.enabled = true
"""


def fuzz_ids(tenant: live.Tenant) -> dict:
    half = SEEDED // 2
    pools = {
        "clients": tenant.clients,
        "services": tenant.services,
        "sessions": tenant.sessions,
        "nutrition": tenant.nutrition,
    }
    ids = {"workspace": tenant.id, "staff": tenant.staff}
    for name, pool in pools.items():
        ids[name], ids[name + "_delete"] = pool[:half], pool[half:]
    ids["follow_up_pairs"] = [[n, f] for n, f in zip(tenant.nutrition[:half], tenant.follow_ups[:half], strict=True)]
    return ids


def test_schema_fuzzing_finds_no_server_error_and_no_undocumented_answer(stack, tmp_path):
    """schemathesis over every operation of /api/v1/schema, as the owner of workspace A.

    Checks: not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance. Path ids are the workspace's own (tests.reliability.fuzz_hooks).
    """
    server, alpha = stack["server"], stack["a"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    report = tmp_path / "report.json"
    before = len(server.statuses())
    env = os.environ | {
        "SCHEMATHESIS_HOOKS": "tests.reliability.fuzz_hooks",
        "RELIABILITY_FUZZ_IDS": json.dumps(fuzz_ids(alpha)),
        "PYTHONPATH": str(live.BASE_DIR),
    }
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/api/v1/schema?format=json",
        "--header",
        f"Authorization: Bearer {alpha.token}",
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--max-time",
        str(FUZZ_SECONDS),
        "--seed",
        "20240115",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",  # the coverage phase of schemathesis 4.32 is not thread-safe
        "--request-timeout",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    # run in the test's folder: the CLI keeps its .schemathesis/ state in the working directory
    completed = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    output = completed.stdout[-20000:] + completed.stderr[-5000:]

    summary = json.loads(report.read_text())
    statuses = server.statuses()[before:]
    record("fuzz_operations", summary["operations"]["tested"])
    record("fuzz_cases", summary["test_cases"]["generated"])
    record("fuzz_requests", len(statuses))
    record("fuzz_5xx", sum(1 for status in statuses if status >= 500))
    record("fuzz_failures", summary["test_cases"]["unique_failures"])
    record("fuzz_statuses", dict(sorted(Counter(statuses).items())))
    assert completed.returncode == 0, output
    assert summary["operations"]["tested"] == summary["operations"]["selected"] >= 20
    assert not summary["failures"] and not summary["errors"], output
    assert not [s for s in statuses if s >= 500]
    assert Counter(statuses)[201] > 0 and Counter(statuses)[200] > 0  # it got past the 404s


# --------------------------------------------------------------------------------------------
# Load: every 201 in the database exactly once, nothing else
# --------------------------------------------------------------------------------------------


def test_load_loses_nothing_and_doubles_nothing(stack):
    server, alpha = stack["server"], stack["a"]
    run = uuid.uuid4().hex[:8]
    root = f"{server.url}/api/v1/workspace/{alpha.id}"
    clients, services = references(stack, f"load {run} ref")
    local = threading.local()

    def http() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(alpha.headers())
        return local.session

    def client_create(i: int, key: str | None = None) -> tuple:
        headers = {"Idempotency-Key": key} if key else {}
        response = http().post(root + "/clients", json={"name": f"load {run} client {i}"}, headers=headers, timeout=60)
        return ("client", i, key, response)

    def session_create(i: int, key: str | None = None) -> tuple:
        body = {
            "name": f"load {run} session {i}",
            "clientId": clients[i % 5],
            "serviceIds": [services[i % 5], services[(i + 1) % 5]],
            "date": "2031-05-01",
            "startTime": "10:00",  # no staff member: any number may share a slot
        }
        headers = {"Idempotency-Key": key} if key else {}
        response = http().post(root + "/sessions", json=body, headers=headers, timeout=60)
        return ("session", i, key, response)

    def read(i: int) -> tuple:
        path = ["/clients?limit=50", f"/clients/{clients[i % 5]}", "/sessions?limit=20", "/services?limit=50"][i % 4]
        return ("read", i, None, http().get(root + path, timeout=60))

    # a fixed plan: 45% plain creates, 20% creates each sent 3 times at once with one
    # Idempotency-Key (a client retrying), 35% reads
    plan = []
    i = 0
    while len(plan) < LOAD_REQUESTS:
        slot = i % 20
        if slot < 9:
            plan.append((client_create if slot % 2 else session_create, i, None))
        elif slot < 13:
            key = f"load-{run}-{i}"
            plan.extend([(client_create if slot % 2 else session_create, i, key)] * 3)
        else:
            plan.append((read, i, None))
        i += 1

    deadline = time.monotonic() + LOAD_SECONDS
    results, errors = [], []
    started = time.monotonic()

    def call(step):
        function, n, key = step
        if time.monotonic() > deadline:
            return None
        try:
            return function(n, key) if function is not read else function(n)
        except requests.RequestException as exc:  # a refused or dropped connection is a failure too
            errors.append(repr(exc))
            return None

    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        for result in pool.map(call, plan):
            if result is not None:
                results.append(result)
    elapsed = time.monotonic() - started

    statuses = Counter(r[3].status_code for r in results)
    created: dict[str, dict[str, list[str]]] = {"client": {}, "session": {}}
    for kind, n, key, response in results:
        if response.status_code == 201:
            created[kind].setdefault(key or f"plain-{n}", []).append(response.json()[kind]["id"])
    ids = {kind: {i for group in groups.values() for i in group} for kind, groups in created.items()}
    rows = {
        "client": [
            r[0] for r in sql(stack, "SELECT id FROM workspaces_client WHERE name LIKE %s", (f"load {run} client %",))
        ],
        "session": [
            r[0] for r in sql(stack, "SELECT id FROM appointments_session WHERE name LIKE %s", (f"load {run} %",))
        ],
    }
    lost = sum(len(ids[k] - set(rows[k])) for k in ids)
    extra = sum(len(set(rows[k]) - ids[k]) for k in ids)
    doubled = sum(len(rows[k]) - len(set(rows[k])) for k in rows)
    replays_disagreeing = sum(1 for groups in created.values() for group in groups.values() if len(set(group)) != 1)
    half_written = sql(
        stack,
        "SELECT count(*) FROM appointments_session s WHERE s.name LIKE %s AND NOT EXISTS "
        "(SELECT 1 FROM appointments_sessionservice l WHERE l.workspace_id = s.workspace_id AND l.session_id = s.id)",
        (f"load {run} %",),
    )[0][0]

    keyed = [group for groups in created.values() for key, group in groups.items() if not key.startswith("plain-")]
    record("load_requests", len(results))
    record("load_idempotent_retry_groups", len(keyed))
    record("load_seconds", round(elapsed, 1))
    record("load_requests_per_second", round(len(results) / elapsed))
    record("load_statuses", dict(sorted(statuses.items())))
    record("load_rows_created", sum(len(v) for v in rows.values()))
    record("load_rows_lost", lost)
    record("load_rows_doubled_or_unexpected", doubled + extra)
    assert not errors, errors[:5]
    assert len(results) == len(plan) >= LOAD_REQUESTS, "the time bound cut the run short"
    assert set(statuses) <= {200, 201}, statuses
    assert lost == extra == doubled == replays_disagreeing == half_written == 0
    # every idempotent group of 3 created exactly one row
    assert keyed and all(len(group) == 3 and len(set(group)) == 1 for group in keyed)


# --------------------------------------------------------------------------------------------
# Restart: PostgreSQL goes away mid-run and comes back
# --------------------------------------------------------------------------------------------


def test_database_restart_mid_run_fails_cleanly_and_recovers(stack):
    """``pg_ctl restart -m fast`` on the server the app uses, twice, under a stream of writes.

    In-flight requests either succeed or answer a JSON 5xx (503 database_unavailable); later
    ones succeed again with no restart of the app; no session is left without its services and
    no consultation without its follow-ups.
    """
    server, alpha = stack["server"], stack["a"]
    run = uuid.uuid4().hex[:8]
    root = f"{server.url}/api/v1/workspace/{alpha.id}"
    clients, services = references(stack, f"restart {run} ref")
    stop = threading.Event()
    outcomes: list[tuple[str, int, dict | None]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def writer(worker: int) -> None:
        api = requests.Session()
        api.headers.update(alpha.headers())
        n = 0
        deadline = time.monotonic() + 90
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            name = f"restart {run} {worker}-{n}"
            if n % 2:
                path, body = (
                    "/sessions",
                    {
                        "name": name,
                        "clientId": clients[n % 5],
                        "serviceIds": [services[n % 5], services[(n + 3) % 5]],
                        "date": "2032-01-01",
                        "startTime": "08:00",
                    },
                )
            else:
                path, body = (
                    "/nutrition/sessions",
                    {
                        "clientId": clients[n % 5],
                        "type": "online",
                        "date": "2032-01-02",
                        "startTime": "08:00",
                        "topic": name,
                        "followUps": [{"dueDate": "2032-02-01", "note": "a"}, {"dueDate": "2032-03-01", "note": "b"}],
                    },
                )
            try:
                response = api.post(root + path, json=body, timeout=60)
            except requests.RequestException as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            try:
                payload = response.json()
            except ValueError:
                payload = None
            with lock:
                outcomes.append((name, response.status_code, payload))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    restarts = []
    try:
        time.sleep(3)
        for _ in range(2):
            restarts.append(round(stack["pg"].restart(), 2))
            time.sleep(4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    # later requests succeed again, without restarting the app
    api = requests.Session()
    api.headers.update(alpha.headers())
    after = [api.get(root + "/sessions?limit=5", timeout=30).status_code for _ in range(20)]
    after += [
        api.post(root + "/clients", json={"name": f"restart {run} after {n}"}, timeout=30).status_code
        for n in range(10)
    ]

    statuses = Counter(status for _name, status, _payload in outcomes)
    failures = [(status, payload) for _name, status, payload in outcomes if status >= 500]
    failed_names = {name for name, status, _payload in outcomes if status >= 500}
    succeeded = {name for name, status, _payload in outcomes if status == 201}
    session_rows = dict(
        sql(stack, "SELECT name, id FROM appointments_session WHERE name LIKE %s", (f"restart {run} %",))
    )
    consultation_rows = dict(
        sql(stack, "SELECT topic, id FROM nutrition_nutritionsession WHERE topic LIKE %s", (f"restart {run} %",))
    )
    written = set(session_rows) | set(consultation_rows)
    without_services = sql(
        stack,
        "SELECT count(*) FROM appointments_session s WHERE s.name LIKE %s AND NOT EXISTS "
        "(SELECT 1 FROM appointments_sessionservice l WHERE l.workspace_id = s.workspace_id AND l.session_id = s.id)",
        (f"restart {run} %",),
    )[0][0]
    without_follow_ups = sql(
        stack,
        "SELECT count(*) FROM nutrition_nutritionsession s WHERE s.topic LIKE %s AND "
        "(SELECT count(*) FROM nutrition_followup f WHERE f.session_id = s.id) <> 2",
        (f"restart {run} %",),
    )[0][0]

    record("restart_pg_restarts", len(restarts))
    record("restart_seconds_each", restarts)
    record("restart_requests", len(outcomes))
    record("restart_statuses", dict(sorted(statuses.items())))
    record("restart_half_written", without_services + without_follow_ups)
    assert len(restarts) == 2
    assert not errors, errors[:5]  # every request got an HTTP answer
    assert failures, "no request was in flight during the restarts"
    assert set(statuses) <= {201, 503}, statuses
    assert all(payload and payload["error"]["code"] == "database_unavailable" for _s, payload in failures), failures[:3]
    assert after == [200] * 20 + [201] * 10
    assert written >= succeeded and not (written & failed_names)
    assert without_services == without_follow_ups == 0


# --------------------------------------------------------------------------------------------
# Notifications under load: every committed write's event arrives, none for a rolled-back one
# --------------------------------------------------------------------------------------------

WEBHOOK_WRITES = int(os.environ.get("RELIABILITY_WEBHOOK_WRITES", "450"))
ROLLED_BACK_WRITES = 100
WEBHOOK_EVENTS = ["client.created", "session.created", "session.updated", "session.deleted"]

ENDPOINT_SCRIPT = """
import json
from notifications import actions
from workspaces.models import Workspace
endpoint = actions.webhook_endpoint_create(workspace=Workspace.objects.get(pk=%r), url=%r, events=%r)
print(json.dumps({"id": endpoint.pk, "secret": endpoint.secret}))
"""

ROLLBACK_SCRIPT = """
import datetime, json
from django.db import transaction
from sessions import actions as sessions
from workspaces import actions as clients
from workspaces.models import Client, Workspace
workspace = Workspace.objects.get(pk=%r)
client = Client.objects.get(pk=%r)
ids = []
for n in range(%d):
    try:
        with transaction.atomic():  # a write that fails after it went through (history, hook, jobs)
            if n %% 2:
                ids.append(clients.client_create(workspace=workspace, name=f"rolled back {n}").pk)
            else:
                ids.append(sessions.session_create(workspace=workspace, name=f"rolled back {n}", client=client,
                    services=[], date=datetime.date(2033, 1, 1), start_time=datetime.time(9, 0)).pk)
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
print(json.dumps(ids))
"""


def test_webhooks_under_load_every_committed_write_arrives_and_no_rolled_back_one(stack):
    """A worker and a receiver beside the live server: a load of API writes (creates, changes,
    deletes from 8 threads) and writes rolled back after they went through; every committed
    write's event arrives once, signed; none of a rolled-back write does."""
    from standardwebhooks import Webhook

    from tests.notifications.servers import FAST, Receiver, SmtpServer, Worker, wait_until

    server, alpha = stack["server"], stack["a"]
    run = uuid.uuid4().hex[:8]
    root = f"{server.url}/api/v1/workspace/{alpha.id}"
    receiver, smtp = Receiver().start(), SmtpServer().start()
    env = (
        stack["env"]
        | FAST
        | {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",  # the test's SMTP server speaks plain SMTP
            "LOG_LEVEL": "WARNING",
        }
    )
    worker = None
    try:
        clients, services = references(stack, f"hooks {run} ref", count=3)  # (before the endpoint: no events)
        endpoint = json.loads(
            live.manage(env, "shell", "-c", ENDPOINT_SCRIPT % (alpha.id, receiver.url, WEBHOOK_EVENTS)).splitlines()[-1]
        )
        worker = Worker(env, "--concurrency", "8").start()
        local = threading.local()

        def http() -> requests.Session:
            if not hasattr(local, "session"):
                local.session = requests.Session()
                local.session.headers.update(alpha.headers())
            return local.session

        def write(i: int) -> list[tuple[str, str]]:
            """One or more writes; the events they must fire, as (type, object id)."""
            if i % 3 == 0:
                response = http().post(root + "/clients", json={"name": f"hooks {run} client {i}"}, timeout=60)
                assert response.status_code == 201, response.text
                return [("client.created", response.json()["client"]["id"])]
            body = {
                "name": f"hooks {run} session {i}",
                "clientId": clients[i % 3],
                "serviceIds": [services[i % 3]],
                "date": "2033-02-01",
                "startTime": "10:00",
            }
            response = http().post(root + "/sessions", json=body, timeout=60)
            assert response.status_code == 201, response.text
            session_id = response.json()["session"]["id"]
            fired = [("session.created", session_id)]
            if i % 3 == 1:
                patched = http().patch(f"{root}/sessions/{session_id}", json={"startTime": "11:00"}, timeout=60)
                assert patched.status_code == 200, patched.text
                fired.append(("session.updated", session_id))
            else:
                assert http().delete(f"{root}/sessions/{session_id}", timeout=60).status_code == 204
                fired.append(("session.deleted", session_id))
            return fired

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            expected = Counter(event for fired in pool.map(write, range(WEBHOOK_WRITES)) for event in fired)
        rolled_back = set(
            json.loads(
                live.manage(
                    env, "shell", "-c", ROLLBACK_SCRIPT % (alpha.id, clients[0], ROLLED_BACK_WRITES)
                ).splitlines()[-1]
            )
        )
        writes_done = time.monotonic()
        total = sum(expected.values())
        with contextlib.suppress(AssertionError):  # what is missing is counted and named below
            wait_until(lambda: len({r.headers["webhook-id"] for r in receiver.received()}) >= total, 240, step=0.5)
        drained = time.monotonic()
        time.sleep(3)  # anything late (a duplicate, an unexpected event) would arrive now

        requests_seen = receiver.received()
        verifier = Webhook(endpoint["secret"])
        unverified = 0
        events: dict[str, tuple[str, str]] = {}
        for request in requests_seen:
            try:
                verifier.verify(request.body, request.headers)
            except Exception:
                unverified += 1
            body = json.loads(request.body)
            events[request.headers["webhook-id"]] = (body["type"], body["data"]["id"])
        received = Counter(events.values())
        lost = sum((expected - received).values())
        unexpected = sum((received - expected).values())
        from_rolled_back = sum(1 for _type, object_id in events.values() if object_id in rolled_back)
        sent_emails = len(smtp.received())
    finally:
        if worker is not None:
            worker.stop()
        receiver.stop()
        smtp.stop()

    record("webhook_writes_committed", WEBHOOK_WRITES)
    record("webhook_events_expected", total)
    record("webhook_writes_rolled_back", len(rolled_back))
    record("webhook_events_received", len(events))
    record("webhook_requests", len(requests_seen))
    record("webhook_events_lost", lost)
    record("webhook_events_unexpected", unexpected)
    record("webhook_events_of_rolled_back_writes", from_rolled_back)
    record("webhook_signatures_failed", unverified)
    record("webhook_writes_seconds", round(writes_done - started, 1))
    record("webhook_drain_seconds_after_writes", round(drained - writes_done, 1))
    record("emails_sent_during_run", sent_emails)
    assert len(rolled_back) == ROLLED_BACK_WRITES
    assert lost == unexpected == from_rolled_back == unverified == 0, (
        f"lost {Counter(t for t, _id in (expected - received).elements())}, "
        f"unexpected {Counter(t for t, _id in (received - expected).elements())}, "
        f"from rolled back {from_rolled_back}, unverified {unverified}"
    )
    assert len(requests_seen) == len(events)  # every receiver answered 200: each event once
    assert sent_emails > 0  # the same worker sent the bookings' emails meanwhile
