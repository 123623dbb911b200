"""``python -m bench.dispatch``: invoice issues under contention and the webhook dispatcher, each
against a floor written for it. Also checks that ``bench.records.seed_records`` leaves the session
list equal to the floor's.

- :func:`measure_invoice_issue`: N drafts of one workspace issued at once by 8 clients through
  ``POST .../invoices/{id}/issue``, against N more issued by 8 threads with one hand-written
  statement each (:data:`bench.floor.ISSUE_SQL`). Issues of a workspace queue on one row: its
  ``billing_invoicecounter`` row of the year, locked by the numbering upsert until the issuing
  transaction commits (what keeps numbers gapless; ``billing.actions``). So issues per second is
  about 1 / (how long an issue holds that lock), and the floor holds it for one statement. Both
  runs' numbers are checked afterwards: 1..n for each year, no gap, no duplicate, the counter at n.
- :func:`measure_webhooks`: an endpoint on a receiver in this process (``ThreadingHTTPServer`` on
  127.0.0.1, verifying every signature with ``standardwebhooks`` as tests/notifications do), N
  ``session.updated`` events made by API writes, then ``manage.py worker`` started and timed until
  the receiver holds all N; then N more events sent by a hand-written dispatcher with the worker's
  concurrency: the same pending rows read with psycopg, the same body and signature, a persistent
  ``http.client`` connection a thread, the attempt recorded, the delivery marked and its job
  removed. Deliveries per second of each.

Standalone it works in a database of its own, ``practice_bench_dispatch`` (dropped at the end
unless ``--keep``), seeded with ``seed_demo`` (1 workspace, 2,000 sessions), with the API behind
``gunicorn config.wsgi``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import queue
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import orjson
import psycopg
from standardwebhooks import Webhook

from bench import floor
from bench.records import INVOICE_COLUMNS, LINK_COLUMNS, _bill, _settings, copy_rows, row_id, seed_records
from bench.run import (
    ROOT,
    Gunicorn,
    app_environment,
    check_list,
    drop_database,
    manage,
    owner_token,
    recreate_database,
    request,
    say,
    server_url,
    stop_group,
    with_database,
)
from billing.money import currency_decimals

DATABASE = "practice_bench_dispatch"
CONCURRENCY = 8  # clients issuing at once
#: what the worker sends as its user agent (notifications.webhooks.USER_AGENT, which loads models:
#: this module runs before Django's settings are set up, so it is not imported;
#: tests/performance/test_bench_dispatch.py holds them equal)
USER_AGENT = "PracticeManagement-Webhooks/1.0"
WORKER_CONCURRENCY = 4  # the worker's threads (WORKER_CONCURRENCY's default), and the floor's


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def _run_threads(work, items: list, concurrency: int) -> tuple[float, list[float], list[str]]:
    """``work(item, state)`` for every item, by ``concurrency`` threads taking them in turn (``state``:
    each thread's own, from ``work.state()``); the wall time, each call's seconds, the errors."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(concurrency + 1)

    def run() -> None:
        state = work.state()
        mine, failed = [], []
        start_line.wait()
        try:
            while True:
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    break
                t = time.perf_counter()
                try:
                    work(item, state)
                except Exception as exc:  # counted and shown, the run goes on
                    failed.append(f"{type(exc).__name__}: {exc}"[:300])
                mine.append(time.perf_counter() - t)
        finally:
            work.close(state)
            with lock:
                latencies.extend(mine)
                errors.extend(failed)

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors


# --------------------------------------------------------------------------------------------
# Invoice issues
# --------------------------------------------------------------------------------------------


def draft_invoices(conn: psycopg.Connection, workspace_id: str, n: int) -> list[str]:
    """``n`` drafts of the workspace's general sessions that no live invoice bills (the latest
    first), as ``billing.actions.invoice_draft_for_session`` writes them: its services at their
    price, linked to the session. Returns their ids."""
    now = dt.datetime.now(dt.UTC)
    settings = _settings(conn, workspace_id)
    decimals = currency_decimals(settings["currency"])
    sessions = conn.execute(
        "SELECT s.id, s.client_id, ARRAY(SELECT ARRAY[sv.name, sv.price::text] FROM appointments_sessionservice ss"
        "   JOIN services_service sv ON sv.id = ss.service_id"
        "  WHERE ss.workspace_id = s.workspace_id AND ss.session_id = s.id ORDER BY ss.position, ss.id)"
        " FROM appointments_session s WHERE s.workspace_id = %s AND s.status <> 'cancelled'"
        " AND EXISTS (SELECT 1 FROM appointments_sessionservice ss WHERE ss.workspace_id = s.workspace_id"
        "             AND ss.session_id = s.id)"
        " AND NOT EXISTS (SELECT 1 FROM billing_invoicesession l JOIN billing_invoice i ON i.id = l.invoice_id"
        "                 WHERE l.workspace_id = s.workspace_id AND l.session_id = s.id AND i.status <> 'void')"
        " ORDER BY s.date DESC, s.start_time DESC, s.id LIMIT %s",
        (workspace_id, n),
    ).fetchall()
    if len(sessions) < n:
        raise SystemExit(f"only {len(sessions)} sessions without a live invoice for {n} drafts")
    drafted = []
    with conn.transaction():
        rows = []
        for session_id, client_id, services in sessions:
            lines, totals = _bill(
                [(name, None if price is None else Decimal(price)) for name, price in services], settings, decimals
            )
            invoice_id = row_id(now)
            drafted.append((invoice_id, session_id))
            rows.append(
                (invoice_id, now, now, workspace_id, client_id, "services", "draft", None, None, None,
                 settings["currency"], decimals, json.dumps(lines), totals.subtotal, totals.discount, totals.tax,
                 totals.total, Decimal(0), "", now.astimezone(settings["zone"]).date(), None, None, None, None,
                 "")
            )  # fmt: skip
        copy_rows(conn, "billing_invoice", INVOICE_COLUMNS, rows)
        copy_rows(
            conn,
            "billing_invoicesession",
            LINK_COLUMNS,
            [(row_id(now), now, now, workspace_id, invoice_id, session_id, 0) for invoice_id, session_id in drafted],
        )
    return [invoice_id for invoice_id, _session in drafted]


def check_numbers(conn: psycopg.Connection, workspace_id: str) -> dict[int, int]:
    """The workspace's numbers, checked: each year's sequences are 1..n (no gap, none twice), each
    number spells its prefix, year and sequence, and the year's counter is at n. Year -> n."""
    prefix = _settings(conn, workspace_id)["prefix"]
    rows = conn.execute(
        "SELECT year, sequence, number FROM billing_invoice WHERE workspace_id = %s AND sequence IS NOT NULL",
        (workspace_id,),
    ).fetchall()
    counters = dict(
        conn.execute(
            "SELECT year, last_number FROM billing_invoicecounter WHERE workspace_id = %s", (workspace_id,)
        ).fetchall()
    )
    by_year: dict[int, list[int]] = {}
    for year, sequence, number in rows:
        if number != f"{prefix}-{year}-{sequence:06d}":
            raise SystemExit(f"invoice number {number} does not spell {prefix}, {year}, {sequence}")
        by_year.setdefault(year, []).append(sequence)
    for year, sequences in by_year.items():
        if sorted(sequences) != list(range(1, len(sequences) + 1)) or counters.get(year) != len(sequences):
            raise SystemExit(f"invoice numbers of {year} are not 1..{len(sequences)} (counter {counters.get(year)})")
    return {year: len(sequences) for year, sequences in by_year.items()}


class _ApiIssue:
    def __init__(self, port: int, token: str, workspace_id: str):
        self.port, self.token, self.workspace_id = port, token, workspace_id

    def state(self):
        return None

    def close(self, state) -> None:
        pass

    def __call__(self, invoice_id: str, state) -> None:
        path = f"/api/v1/workspace/{self.workspace_id}/invoices/{invoice_id}/issue"
        status, body = request(self.port, "POST", path, token=self.token)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")


class _FloorIssue:
    def __init__(self, url: str, workspace_id: str):
        self.url, self.workspace_id = url, workspace_id

    def state(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def close(self, state: psycopg.Connection) -> None:
        state.close()

    def __call__(self, invoice_id: str, conn: psycopg.Connection) -> None:
        if floor.issue_invoice(conn, self.workspace_id, invoice_id) is None:
            raise RuntimeError(f"{invoice_id} was not a draft")


def measure_invoice_issue(
    conn: psycopg.Connection,
    url: str,
    api_port: int,
    token: str,
    workspace_id: str,
    *,
    n: int = 200,
    concurrency: int = CONCURRENCY,
) -> dict:
    """``n`` drafts issued by ``concurrency`` API clients at once, ``n`` more by the floor's threads.

    The drafts bill ``2 n`` general sessions of the workspace that no live invoice bills yet
    (:func:`draft_invoices`, the latest first): seed records on part of the calendar only.

    ``conn``: an autocommit connection to the benchmark's database ``url``; ``token``: a bearer
    token of a member with ``billing.manage`` of ``workspace_id``."""
    for_api = draft_invoices(conn, workspace_id, n)
    for_floor = draft_invoices(conn, workspace_id, n)
    api_seconds, api_latencies, api_errors = _run_threads(
        _ApiIssue(api_port, token, workspace_id), for_api, concurrency
    )
    floor_seconds, floor_latencies, floor_errors = _run_threads(_FloorIssue(url, workspace_id), for_floor, concurrency)
    if api_errors or floor_errors:
        raise SystemExit(f"issues failed: API {api_errors[:3]}, floor {floor_errors[:3]}")
    issued = conn.execute(
        "SELECT count(*) FROM billing_invoice"
        " WHERE workspace_id = %s AND id = ANY(%s) AND status IN ('issued', 'paid')",
        (workspace_id, for_api + for_floor),
    ).fetchone()[0]
    if issued != 2 * n:
        raise SystemExit(f"{issued} of {2 * n} drafts issued")
    years = check_numbers(conn, workspace_id)
    api_rate, floor_rate = _rate(n, api_seconds), _rate(n, floor_seconds)
    return {
        "issues": n,
        "concurrency": concurrency,
        "per_second": round(api_rate, 1),
        "median_ms": round(statistics.median(api_latencies) * 1e3, 2),
        "floor_per_second": round(floor_rate, 1),
        "floor_median_ms": round(statistics.median(floor_latencies) * 1e3, 2),
        "x_floor": round(floor_rate / api_rate, 2),
        "numbers_checked": sum(years.values()),
    }


# --------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------


class Receiver:
    """Webhook deliveries on 127.0.0.1 (HTTP/1.1, keep-alive), each signature verified with the
    endpoint's secret (``standardwebhooks``, as tests/notifications check them), counted once by
    ``webhook-id`` (``secret``: the endpoint's, set once it is registered with :attr:`url`)."""

    def __init__(self, secret: str | None = None):
        self.secret = secret
        self.lock = threading.Lock()
        self.ids: dict[str, float] = {}
        self.repeats = 0
        self.bad = 0
        self.last_headers: dict[str, str] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    ok = True
                except Exception:  # a bad signature: counted, answered 400
                    ok = False
                with receiver.lock:
                    receiver.last_headers = headers
                    if not ok:
                        receiver.bad += 1
                    elif headers.get("webhook-id") in receiver.ids:
                        receiver.repeats += 1
                    else:
                        receiver.ids[headers["webhook-id"]] = time.perf_counter()
                self.send_response(204 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.ids)

    def last(self) -> float:
        with self.lock:
            return max(self.ids.values())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def new_secret() -> str:
    """A Standard Webhooks secret, as ``notifications.webhooks.new_secret`` makes them."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def register_endpoint(conn: psycopg.Connection, workspace_id: str, url: str, events: list[str]) -> tuple[str, str]:
    """An active endpoint of the workspace (the row the webhooks API writes; its trigger updates the
    workspace's ``listened_events``). Written here rather than through the API, whose production
    settings refuse a plain-http loopback URL. Returns its id and secret."""
    now = dt.datetime.now(dt.UTC)
    endpoint_id, secret = row_id(now), new_secret()
    conn.execute(
        "INSERT INTO notifications_webhookendpoint (id, created_at, updated_at, workspace_id, url, events, is_active,"
        " secret) VALUES (%s, %s, %s, %s, %s, %s, true, %s)",
        (endpoint_id, now, now, workspace_id, url, events, secret),
    )
    return endpoint_id, secret


class _Rename:
    """``PATCH .../sessions/{id}`` with a new name: one ``session.updated`` event each."""

    def __init__(self, port: int, token: str, workspace_id: str, tag: str):
        self.port, self.token, self.workspace_id, self.tag = port, token, workspace_id, tag

    def state(self):
        return None

    def close(self, state) -> None:
        pass

    def __call__(self, session_id: str, state) -> None:
        path = f"/api/v1/workspace/{self.workspace_id}/sessions/{session_id}"
        status, body = request(
            self.port, "PATCH", path, orjson.dumps({"name": f"{self.tag} {session_id[-6:]}"}), self.token
        )
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")


def make_events(
    conn: psycopg.Connection, api_port: int, token: str, workspace_id: str, endpoint_id: str, n: int, tag: str
) -> None:
    """``n`` sessions renamed through the API (8 clients): ``n`` pending deliveries to the endpoint."""
    before = _pending(conn, endpoint_id)
    sessions = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM appointments_session WHERE workspace_id = %s ORDER BY date DESC, start_time, id LIMIT %s",
            (workspace_id, n),
        ).fetchall()
    ]
    _seconds, _latencies, errors = _run_threads(_Rename(api_port, token, workspace_id, tag), sessions, CONCURRENCY)
    if errors:
        raise SystemExit(f"session changes failed: {errors[:3]}")
    made = _pending(conn, endpoint_id) - before
    if made != n:
        raise SystemExit(f"{n} session changes made {made} deliveries")


def _pending(conn: psycopg.Connection, endpoint_id: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM notifications_webhookdelivery WHERE endpoint_id = %s AND state = 'pending'",
        (endpoint_id,),
    ).fetchone()[0]


def _wait(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout:.0f} s: {message}")
        time.sleep(0.01)


class Worker:
    """``manage.py worker --queues webhooks`` with the app's environment (loopback URLs allowed)."""

    def __init__(self, env: dict[str, str], concurrency: int):
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's output for its lifetime
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--queues", "webhooks", "--concurrency", str(concurrency)],
            cwd=ROOT,
            env=env | {"WEBHOOK_ALLOW_PRIVATE_URLS": "1"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_ready(self) -> float:
        """When it said it runs (``worker: queues ...``), in ``time.perf_counter`` seconds."""

        def ready() -> bool:
            if self.process.poll() is not None:
                raise SystemExit(f"the worker exited: {self.output()[-2000:]}")
            return "worker:" in self.output()

        _wait(ready, 60, "the worker's start")
        return time.perf_counter()

    def stop(self) -> None:
        stop_group(self.process, timeout=30)
        self.log.close()


#: an endpoint's pending deliveries with what an attempt sends (notifications.webhooks.payload)
PENDING_SQL = f"""
SELECT d.id, e.id, e.type, to_char(e.occurred_at AT TIME ZONE 'UTC', {floor._INSTANT}), e.workspace_id, e.data,
       e.changed_fields, e.object_kind, e.object_id, p.url, p.secret
  FROM notifications_webhookdelivery d
  JOIN notifications_webhookevent e ON e.id = d.event_id
  JOIN notifications_webhookendpoint p ON p.id = d.endpoint_id
 WHERE d.workspace_id = %s AND d.endpoint_id = %s AND d.state = 'pending'
 ORDER BY d.created_at, d.id
"""
#: an event's data kept by its first attempt (another endpoint's may have kept it first)
FREEZE_SQL = """
UPDATE notifications_webhookevent SET data = coalesce(data, %s), updated_at = %s WHERE id = %s RETURNING data
"""
#: the attempt recorded, the delivery settled, its job (still waiting) gone: one statement
DELIVERED_SQL = """
WITH attempt AS (
  INSERT INTO notifications_webhookattempt (id, created_at, updated_at, workspace_id, delivery_id, attempted_at,
                                            status_code, error, duration_ms, manual)
  VALUES (%(attempt_id)s, %(now)s, %(now)s, %(ws)s, %(delivery)s, %(sent)s, %(status)s, '', %(ms)s, false)
), job AS (
  DELETE FROM procrastinate_jobs WHERE status = 'todo' AND lock = 'webhook-delivery-' || %(delivery)s
)
UPDATE notifications_webhookdelivery
   SET state = CASE WHEN %(status)s BETWEEN 200 AND 299 THEN 'succeeded' ELSE 'pending' END,
       attempt_count = attempt_count + 1, last_status_code = %(status)s, last_attempt_at = %(sent)s,
       next_attempt_at = NULL, updated_at = %(now)s
 WHERE id = %(delivery)s
"""


def delivery_body(conn: psycopg.Connection, row: tuple) -> tuple[str, bytes]:
    """A pending delivery's event id and body, its data read (a session's, by the floor's query) and
    kept when it has none yet, as ``notifications.webhooks._freeze_data`` and ``payload`` do."""
    _delivery, event_id, event_type, timestamp, workspace_id, data, changed, kind, object_id = row[:9]
    if data is None:
        if kind != "session":
            raise ValueError(f"the floor reads sessions only, not {kind}")
        fresh = floor.session_json(conn, workspace_id, object_id)
        fresh = fresh or orjson.dumps({"id": object_id, "workspaceId": workspace_id})
        data = conn.execute(FREEZE_SQL, (fresh.decode(), dt.datetime.now(dt.UTC), event_id)).fetchone()[0]
    body = orjson.dumps(
        {
            "id": event_id,
            "type": event_type,
            "timestamp": timestamp,
            "workspaceId": workspace_id,
            "data": orjson.Fragment(data),
            "changedFields": list(changed),
        }
    )
    return event_id, body


class FloorDispatcher:
    """Pending deliveries sent by hand: per thread one psycopg connection (autocommit) and one
    persistent ``http.client`` connection to the receiver."""

    def __init__(self, url: str, receiver_port: int, path: str):
        self.url, self.port, self.path = url, receiver_port, path

    def state(self):
        return psycopg.connect(self.url, autocommit=True), http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10
        )

    def close(self, state) -> None:
        conn, http_conn = state
        conn.close()
        http_conn.close()

    def __call__(self, row: tuple, state) -> None:
        conn, http_conn = state
        delivery_id, workspace_id, secret = row[0], row[4], row[10]
        event_id, body = delivery_body(conn, row)
        sent_at = dt.datetime.now(dt.UTC)
        headers = {
            "webhook-id": event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(event_id, sent_at, body),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        started = time.monotonic()
        http_conn.request("POST", self.path, body=body, headers=headers)
        response = http_conn.getresponse()
        response.read()
        now = dt.datetime.now(dt.UTC)
        attempt_id = row_id(now)
        conn.execute(
            DELIVERED_SQL,
            {"attempt_id": attempt_id, "now": now, "ws": workspace_id, "delivery": delivery_id, "sent": sent_at,
             "status": response.status, "ms": int((time.monotonic() - started) * 1000)},
        )  # fmt: skip
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")


def dispatch_pending(
    conn: psycopg.Connection, url: str, workspace_id: str, endpoint_id: str, receiver_port: int, concurrency: int
) -> tuple[float, int, list[str]]:
    """The floor: every pending delivery of the endpoint sent by ``concurrency`` threads.
    Returns the seconds from reading them to the last one marked, how many, and the errors."""
    started = time.perf_counter()
    rows = conn.execute(PENDING_SQL, (workspace_id, endpoint_id)).fetchall()
    path = urlsplit(rows[0][9]).path if rows else "/"
    _seconds, _latencies, errors = _run_threads(FloorDispatcher(url, receiver_port, path), rows, concurrency)
    return time.perf_counter() - started, len(rows), errors


def measure_webhooks(
    conn: psycopg.Connection,
    url: str,
    env: dict[str, str],
    api_port: int,
    token: str,
    workspace_id: str,
    *,
    n: int = 300,
    concurrency: int = WORKER_CONCURRENCY,
) -> dict:
    """Deliveries per second of ``manage.py worker`` (``concurrency`` threads) and of the floor's
    dispatcher (as many threads), each for ``n`` ``session.updated`` events to a local receiver.

    ``env``: the app's environment (``bench.run.app_environment``); ``token``: a bearer token of a
    member who may change the workspace's sessions. Leaves the endpoint inactive afterwards."""
    receiver = Receiver()
    port = receiver.port
    try:
        endpoint_id, receiver.secret = register_endpoint(conn, workspace_id, receiver.url, ["session.updated"])

        make_events(conn, api_port, token, workspace_id, endpoint_id, n, "Worker")
        worker = Worker(env, concurrency)
        try:
            ready = worker.wait_ready()
            _wait(lambda: receiver.count() >= n, 300, f"{n} deliveries by the worker ({receiver.count()} arrived)")
            worker_seconds = receiver.last() - ready
            worker_from_start = receiver.last() - worker.started
        finally:
            worker.stop()
        if _pending(conn, endpoint_id):
            raise SystemExit("the worker left deliveries pending")

        make_events(conn, api_port, token, workspace_id, endpoint_id, n, "Floor")
        floor_seconds, sent, errors = dispatch_pending(conn, url, workspace_id, endpoint_id, port, concurrency)
        if errors or sent != n:
            raise SystemExit(f"the floor's dispatcher sent {sent} of {n}: {errors[:3]}")
        _wait(lambda: receiver.count() >= 2 * n, 30, "the floor's deliveries")
        if receiver.bad or receiver.repeats or _pending(conn, endpoint_id):
            raise SystemExit(f"{receiver.bad} bad signatures, {receiver.repeats} repeats at the receiver")
        succeeded = conn.execute(
            "SELECT count(*) FROM notifications_webhookdelivery WHERE endpoint_id = %s AND state = 'succeeded'",
            (endpoint_id,),
        ).fetchone()[0]
        conn.execute("UPDATE notifications_webhookendpoint SET is_active = false WHERE id = %s", (endpoint_id,))
    finally:
        receiver.stop()
    worker_rate, floor_rate = _rate(n, worker_seconds), _rate(n, floor_seconds)
    return {
        "deliveries": n,
        "concurrency": concurrency,
        "per_second": round(worker_rate, 1),
        "seconds": round(worker_seconds, 2),
        "seconds_from_process_start": round(worker_from_start, 2),
        "floor_per_second": round(floor_rate, 1),
        "floor_seconds": round(floor_seconds, 2),
        "x_floor": round(floor_rate / worker_rate, 2),
        "received": receiver.count(),
        "succeeded": succeeded,
    }


# --------------------------------------------------------------------------------------------
# Standalone
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=200, help="drafts issued by each side (default 200)")
    parser.add_argument("--deliveries", type=int, default=300, help="webhook events for each side (default 300)")
    parser.add_argument("--workers", type=int, default=max(2, 2 * (os.cpu_count() or 1)), help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", help="also write the figures to this JSON file")
    options = parser.parse_args(argv)

    base = server_url()
    url = with_database(base, DATABASE)
    env = app_environment(url)
    say(f"==> database {DATABASE} (fresh)")
    recreate_database(base, DATABASE)
    api = None
    try:
        manage(env, "migrate", "--noinput", "-v0")
        seeded = json.loads(
            manage(env, "seed_demo", "--workspaces", "1", "--sessions-per-workspace", "2000", "--allow-production",
                   "--json")
        )  # fmt: skip
        workspace = seeded["firstWorkspaceId"]
        conn = psycopg.connect(url, autocommit=True)
        first, last = conn.execute(
            "SELECT min(date), max(date) FROM appointments_session WHERE workspace_id = %s", (workspace,)
        ).fetchone()
        # records on the middle five weeks (the drafts issued below bill sessions outside them)
        middle = first + (last - first) / 2
        span = (middle - dt.timedelta(days=17), middle + dt.timedelta(days=17))
        t = time.perf_counter()
        records = seed_records(conn, workspace, span[0].isoformat(), span[1].isoformat())
        say(f"==> seed_records {span[0]}..{span[1]} in {time.perf_counter() - t:.2f} s: {records}")

        api = Gunicorn("config.wsgi", env, options.workers)
        api.wait_ready("/healthz")
        token = owner_token(api.port, seeded["staffPassword"])
        for date_from, date_to in ((first, last), span, (middle, middle + dt.timedelta(days=6))):
            rows = check_list(conn, api.port, token, workspace, date_from.isoformat(), date_to.isoformat())
            say(f"    list {date_from}..{date_to}: {rows} sessions, the API's JSON equals the floor's")

        issue = measure_invoice_issue(conn, url, api.port, token, workspace, n=options.issues)
        say(
            f"==> invoice issue, {issue['concurrency']} clients: {issue['per_second']:.0f}/s"
            f" (median {issue['median_ms']:.1f} ms); floor {issue['floor_per_second']:.0f}/s"
            f" (median {issue['floor_median_ms']:.1f} ms), x{issue['x_floor']:.2f};"
            f" {issue['numbers_checked']} numbers gapless"
        )
        hooks = measure_webhooks(conn, url, env, api.port, token, workspace, n=options.deliveries)
        say(
            f"==> webhooks, {hooks['concurrency']} threads: worker {hooks['per_second']:.0f}/s"
            f" ({hooks['deliveries']} in {hooks['seconds']:.2f} s after it started,"
            f" {hooks['seconds_from_process_start']:.2f} s from its launch);"
            f" floor {hooks['floor_per_second']:.0f}/s ({hooks['floor_seconds']:.2f} s), x{hooks['x_floor']:.2f}"
        )
        if options.output:
            with open(options.output, "w") as out:
                json.dump({"records": records, "invoice_issue": issue, "webhooks": hooks}, out, indent=2)
        conn.close()
    finally:
        if api is not None:
            api.stop()
        if not options.keep:
            drop_database(base, DATABASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
