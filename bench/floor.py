"""The floor: what PostgreSQL, psycopg and orjson alone need for the same answers.

No Django here. ``list_json`` fetches the sessions of a date range with one hand-written query
and encodes the API's JSON (same keys, same values, same order: the benchmark checks it against
the API's answer); ``create_json`` writes a session and its services by hand in one transaction
and encodes it; ``slots_json`` answers the free-slot query with three hand-written queries and
the same slot arithmetic in plain Python (integers of seconds and minutes, zoneinfo).
``application`` serves ``list_json``, ``slots_json`` and ``create_json`` over HTTP, so that the
benchmark can also set the API against the floor of a request: the same queries behind the same
gunicorn.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import zoneinfo
from urllib.parse import parse_qs

import orjson
import psycopg

#: a session's notes and attachments the caller may read, oldest first, as JSON array texts (the
#: benchmark reads as an owner, who reads private ones too); {visible} narrows them for others
_INSTANT = """'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"""
NOTES_SQL = f"""
       (SELECT COALESCE(json_agg(json_build_object(
                 'id', n.id, 'sessionId', n.session_id, 'body', n.body, 'visibility', n.visibility,
                 'authorId', n.author_id, 'authorName', coalesce(nullif(au.name, ''), au.email),
                 'createdAt', to_char(n.created_at AT TIME ZONE 'UTC', {_INSTANT}),
                 'updatedAt', to_char(n.updated_at AT TIME ZONE 'UTC', {_INSTANT}))
               ORDER BY n.created_at, n.id), '[]')::text
          FROM records_note n
          LEFT JOIN workspaces_membership am ON am.id = n.author_id
          LEFT JOIN workspaces_user au ON au.id = am.user_id
         WHERE n.workspace_id = s.workspace_id AND n.session_id = s.id {{visible_n}})"""
FILES_SQL = f"""
       (SELECT COALESCE(json_agg(json_build_object(
                 'id', f.id, 'name', f.name, 'size', f.size, 'contentType', f.content_type,
                 'visibility', f.visibility, 'uploadedBy', f.uploaded_by_id,
                 'createdAt', to_char(f.created_at AT TIME ZONE 'UTC', {_INSTANT}),
                 'url', '/api/v1/workspace/' || f.workspace_id || '/sessions/' || f.booking_id
                        || '/attachments/' || f.id || '/content')
               ORDER BY f.created_at, f.id), '[]')::text
          FROM records_sessionattachment f
         WHERE f.workspace_id = s.workspace_id AND f.booking_id = s.id {{visible_f}})"""
zoneinfo.reset_tzpath(to=[])  # the tzdata package, as the app's settings (not whatever the host has)

LIST_SQL = """
SELECT s.id, s.workspace_id, s.client_id, c.name,
       ARRAY(SELECT ARRAY[ss.service_id, sv.name]
               FROM appointments_sessionservice ss JOIN services_service sv ON sv.id = ss.service_id
              WHERE ss.workspace_id = s.workspace_id AND ss.session_id = s.id
              ORDER BY ss.position, ss.id),
       s.staff_id, coalesce(nullif(u.name, ''), u.email), s.name,
       to_char(s.date, 'YYYY-MM-DD"T00:00:00.000Z"'), to_char(s.start_time, 'HH24:MI'),
       to_char(s.end_time, 'HH24:MI'), s.duration_minutes, s.status,
       s.field_values::text, {files}, {notes},
       (SELECT row_to_json(r)::text FROM (
          SELECT i.id, i.number, i.status, round(i.total, i.currency_decimals) AS total,
                 round(i.paid_amount, i.currency_decimals) AS "paidAmount", i.currency
            FROM billing_invoicesession l JOIN billing_invoice i ON i.id = l.invoice_id
           WHERE l.workspace_id = s.workspace_id AND l.session_id = s.id
           ORDER BY i.status = 'void', i.created_at DESC, i.id DESC LIMIT 1) r),
       to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  FROM appointments_session s
  LEFT JOIN workspaces_client c ON c.id = s.client_id AND c.workspace_id = s.workspace_id
  LEFT JOIN workspaces_membership m ON m.id = s.staff_id AND m.workspace_id = s.workspace_id
  LEFT JOIN workspaces_user u ON u.id = m.user_id
 WHERE s.workspace_id = %s AND s.date >= %s AND s.date <= %s
 ORDER BY s.date, s.start_time, s.id
"""


def _list_sql(private: bool) -> str:
    shared_n, shared_f = ("", "") if private else ("AND n.visibility = 'shared'", "AND f.visibility = 'shared'")
    return LIST_SQL.format(notes=NOTES_SQL.format(visible_n=shared_n), files=FILES_SQL.format(visible_f=shared_f))


LIST_SQL_OWNER = _list_sql(private=True)
LIST_SQL_SHARED = _list_sql(private=False)


def _json(text: str | None):
    return None if text is None else orjson.loads(text)


def _item(row: tuple) -> dict:
    (pk, workspace_id, client_id, client_name, pairs, staff_id, staff_name, name, date, start, end, minutes,
     status, field_values, attachments, notes, invoice, created_at, updated_at) = row  # fmt: skip
    return {
        "id": pk,
        "workspaceId": workspace_id,
        "clientId": client_id,
        "clientName": client_name,
        "serviceIds": [pair[0] for pair in pairs],
        "serviceNames": [pair[1] for pair in pairs],
        "staffId": staff_id,
        "staffName": staff_name,
        "name": name,
        "date": date,
        "startTime": start,
        "endTime": end,
        "durationMinutes": minutes,
        "status": status,
        "fieldValues": _json(field_values),
        "attachments": orjson.loads(attachments),
        "notes": orjson.loads(notes),
        "invoice": None if invoice is None else orjson.Fragment(invoice),
        "createdAt": created_at,
        "updatedAt": updated_at,
    }


def list_json(
    conn: psycopg.Connection, workspace_id: str, date_from: str, date_to: str, *, private: bool = True
) -> bytes:
    """``{"sessions": [...]}`` for the workspace's sessions from ``date_from`` to ``date_to``, as a
    caller reading private notes and attachments sees them (``private=False``: shared ones only)."""
    sql = LIST_SQL_OWNER if private else LIST_SQL_SHARED
    rows = conn.execute(sql, (workspace_id, date_from, date_to)).fetchall()
    return orjson.dumps({"sessions": [_item(row) for row in rows]})


def create_json(
    conn: psycopg.Connection,
    *,
    workspace_id: str,
    client_id: str,
    client_name: str,
    staff_id: str,
    staff_name: str,
    services: list[tuple[str, str]],
    day: dt.date,
    start: dt.time,
    minutes: int,
) -> bytes:
    """Write a session and its services by hand (one transaction, two statements), answer its JSON."""
    now = dt.datetime.now(dt.UTC)
    session_id = f"{int(now.timestamp()):08x}{secrets.token_hex(8)}"
    starts_at = dt.datetime.combine(day, start, tzinfo=dt.UTC)
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    end = ends_at.time()
    with conn.transaction():
        conn.execute(
            "INSERT INTO appointments_session (id, created_at, updated_at, workspace_id, staff_id, starts_at,"
            " ends_at, name, client_id, date, start_time, end_time, duration_minutes, status, field_values)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'scheduled', '[]')",
            (session_id, now, now, workspace_id, staff_id, starts_at, ends_at, "Floor", client_id, day, start, end,
             minutes),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO appointments_sessionservice (id, created_at, updated_at, workspace_id, session_id,"
            " service_id, position) SELECT %s || lpad(to_hex(n::int), 8, '0'), %s, %s, %s, %s, service, n - 1"
            " FROM unnest(%s::varchar[]) WITH ORDINALITY AS t(service, n)",
            (session_id[:16], now, now, workspace_id, session_id, [pk for pk, _name in services]),
        )
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    return orjson.dumps(
        {
            "session": {
                "id": session_id,
                "workspaceId": workspace_id,
                "clientId": client_id,
                "clientName": client_name,
                "serviceIds": [pk for pk, _name in services],
                "serviceNames": [name for _pk, name in services],
                "staffId": staff_id,
                "staffName": staff_name,
                "name": "Floor",
                "date": day.isoformat() + "T00:00:00.000Z",
                "startTime": start.strftime("%H:%M"),
                "endTime": end.strftime("%H:%M"),
                "durationMinutes": minutes,
                "status": "scheduled",
                "fieldValues": [],
                "attachments": [],
                "notes": [],
                "invoice": None,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        }
    )


# --------------------------------------------------------------------------------------------
# Free slots: GET .../availability?dateFrom=&dateTo=&durationMinutes= (every member with hours)
# --------------------------------------------------------------------------------------------

POLICY_SQL = """
SELECT w.timezone, p.min_notice_minutes, p.max_advance_days, p.slot_step_minutes, p.buffer_minutes
  FROM workspaces_workspace w LEFT JOIN availability_bookingpolicy p ON p.workspace_id = w.id
 WHERE w.id = %s
"""
STAFF_SQL = """
SELECT m.id, coalesce(nullif(u.name, ''), u.email),
       ARRAY(SELECT ARRAY[h.weekday, h.start_minute, h.end_minute] FROM availability_workinghours h
              WHERE h.workspace_id = m.workspace_id AND h.membership_id = m.id)
  FROM workspaces_membership m JOIN workspaces_user u ON u.id = m.user_id
 WHERE m.workspace_id = %(ws)s AND m.is_active
   AND EXISTS (SELECT 1 FROM availability_workinghours h WHERE h.workspace_id = %(ws)s AND h.membership_id = m.id)
 ORDER BY m.id
"""
BUSY_SQL = """
SELECT membership_id, starts_at, ends_at, 0 FROM availability_timeoff
 WHERE workspace_id = %(ws)s AND membership_id = ANY(%(staff)s) AND starts_at < %(end)s AND ends_at > %(start)s
UNION ALL
SELECT staff_id, starts_at, ends_at, 1 FROM appointments_session
 WHERE workspace_id = %(ws)s AND staff_id = ANY(%(staff)s) AND status <> 'cancelled'
   AND starts_at > %(start)s - %(pad)s - interval '1 day' AND starts_at < %(end)s + %(pad)s
   AND ends_at > %(start)s - %(pad)s
UNION ALL
SELECT staff_id, starts_at, ends_at, 1 FROM nutrition_nutritionsession
 WHERE workspace_id = %(ws)s AND staff_id = ANY(%(staff)s) AND status NOT IN ('cancelled', 'no_show')
   AND starts_at > %(start)s - %(pad)s - interval '1 day' AND starts_at < %(end)s + %(pad)s
   AND ends_at > %(start)s - %(pad)s
"""
_DAY = dt.timedelta(days=1)


def _midnight(day: dt.date, zone) -> int:
    """The first second of local ``day`` (a skipped midnight: when the clocks jumped)."""
    return int(dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC).timestamp())


def _wall(day: dt.date, minute: int, zone) -> tuple[int, bool]:
    """The second ``minute`` past local midnight of ``day`` means (fold=0) and whether it exists."""
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), zone)
    instant = local.astimezone(dt.UTC)
    exists = instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
    return int(instant.timestamp()), exists


def _edge(day: dt.date, minute: int, zone) -> int:
    """A working-hours edge: 1440 is the next midnight; a skipped time, the second the clocks jumped."""
    if minute >= 1440:
        return _midnight(day + _DAY, zone)
    second, exists = _wall(day, minute, zone)
    if exists:
        return second
    low = int(dt.datetime.combine(day, dt.time(minute // 60, minute % 60), zone).replace(fold=1).timestamp())
    high = second
    wall = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    while high - low > 1:
        middle = (low + high) // 2
        if dt.datetime.fromtimestamp(middle, zone).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high


def _grid(day: dt.date, step: int, zone) -> list[tuple[int, int]]:
    start, end = _midnight(day, zone), _midnight(day + _DAY, zone)
    if end - start == 86400 and zone.utcoffset(dt.datetime.fromtimestamp(start, dt.UTC)) == zone.utcoffset(
        dt.datetime.fromtimestamp(end - 1, dt.UTC)
    ):
        return [(minute, start + minute * 60) for minute in range(0, 1440, step)]
    grid = []
    for minute in range(0, 1440, step):
        second, exists = _wall(day, minute, zone)
        if exists:
            grid.append((minute, second))
    return grid


def slots_json(
    conn: psycopg.Connection, workspace_id: str, date_from: dt.date, date_to: dt.date, minutes: int, now: dt.datetime
) -> bytes:
    """``{"slots": [...]}``: every member with working hours, as the API answers without staffId."""
    tz_name, notice, advance, step, buffer = conn.execute(POLICY_SQL, (workspace_id,)).fetchone()
    notice, advance, step, buffer = (notice or 0, 365 if advance is None else advance, step or 15, buffer or 0)
    zone = zoneinfo.ZoneInfo(tz_name)
    today = now.astimezone(zone).date()
    first, last = max(date_from, today), min(date_to, today + dt.timedelta(days=advance))
    staff = conn.execute(STAFF_SQL, {"ws": workspace_id}).fetchall()
    if first > last or not staff:
        return orjson.dumps({"slots": []})
    start = dt.datetime.fromtimestamp(_midnight(first, zone), dt.UTC)
    end = dt.datetime.fromtimestamp(_midnight(last + 3 * _DAY, zone), dt.UTC)
    pad = dt.timedelta(minutes=buffer)
    busy: dict[str, list[tuple[int, int]]] = {}
    rows = conn.execute(BUSY_SQL, {"ws": workspace_id, "staff": [row[0] for row in staff], "start": start,
                                   "end": end, "pad": pad}).fetchall()  # fmt: skip
    for member, starts_at, ends_at, booked in rows:
        gap = buffer * 60 if booked else 0
        stamp_start, stamp_end = starts_at.timestamp() - gap, ends_at.timestamp() + gap
        busy.setdefault(member, []).append((int(stamp_start // 1), -int(-stamp_end // 1)))
    earliest = -int(-(now.timestamp() + notice * 60) // 1)
    length = minutes * 60
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    grids = {day: [(m, s) for m, s in _grid(day, step, zone) if s >= earliest] for day in days}
    around = [first + dt.timedelta(days=n) for n in range((last - first).days + 3)]
    found = []
    for member, name, week in staff:
        by_day: dict[int, list[tuple[int, int]]] = {}
        for weekday, begin, finish in week:
            by_day.setdefault(weekday, []).append((begin, finish))
        working = []
        for day in around:
            for begin, finish in by_day.get(day.isoweekday(), ()):
                a, b = _edge(day, begin, zone), _edge(day, finish, zone)
                if b > a:
                    working.append((a, b))
        free = _subtract(_merge(working), _merge(busy.get(member, ())))
        for day in days:
            i = 0
            for minute, second in grids[day]:
                while i < len(free) and free[i][1] <= second:
                    i += 1
                if i == len(free):
                    break
                if free[i][0] <= second and second + length <= free[i][1]:
                    found.append((day, minute, member, name, second + length))
    found.sort(key=lambda slot: (slot[0], slot[1]))
    return orjson.dumps(
        {
            "slots": [
                {
                    "staffId": member,
                    "staffName": name,
                    "date": day.isoformat() + "T00:00:00.000Z",
                    "startTime": f"{minute // 60:02d}:{minute % 60:02d}",
                    "endTime": dt.datetime.fromtimestamp(end, zone).strftime("%H:%M"),
                }
                for day, minute, member, name, end in found
            ]
        }
    )


def _merge(intervals) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _subtract(intervals: list[tuple[int, int]], blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    free, i = [], 0
    for a, b in intervals:
        while i < len(blocks) and blocks[i][1] <= a:
            i += 1
        j, cursor = i, a
        while j < len(blocks) and blocks[j][0] < b:
            if blocks[j][0] > cursor:
                free.append((cursor, blocks[j][0]))
            cursor = max(cursor, blocks[j][1])
            j += 1
        if cursor < b:
            free.append((cursor, b))
    return free


# --------------------------------------------------------------------------------------------
# The floor of a request: list_json behind gunicorn (``gunicorn bench.floor:application``),
# answering GET /{workspaceId}?dateFrom=...&dateTo=... (and slots_json at
# /slots/{workspaceId}?dateFrom=...&dateTo=...&durationMinutes=...) with one connection per worker.
# --------------------------------------------------------------------------------------------

_conn: psycopg.Connection | None = None


def create_arguments(workspace_id: str, given: dict) -> dict:
    """``create_json``'s arguments from the JSON the application is sent (the benchmark sends
    what it would pass in process: ids, names, date, start and minutes)."""
    return {
        "workspace_id": workspace_id,
        "client_id": given["clientId"],
        "client_name": given["clientName"],
        "staff_id": given["staffId"],
        "staff_name": given["staffName"],
        "services": [tuple(pair) for pair in given["services"]],
        "day": dt.date.fromisoformat(given["date"]),
        "start": dt.time.fromisoformat(given["startTime"]),
        "minutes": given["minutes"],
    }


def application(environ, start_response):
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["BENCH_FLOOR_DATABASE_URL"], autocommit=True)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    path = environ.get("PATH_INFO", "/").strip("/")
    if environ["REQUEST_METHOD"] == "POST":  # a create: create_json's arguments, as JSON
        given = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        body = create_json(_conn, **create_arguments(path.removeprefix("create/"), given))
        start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    if path.startswith("slots/"):
        first, last = (dt.date.fromisoformat(query[name][0]) for name in ("dateFrom", "dateTo"))
        now = dt.datetime.now(dt.UTC)
        body = slots_json(_conn, path.removeprefix("slots/"), first, last, int(query["durationMinutes"][0]), now)
    else:
        body = list_json(_conn, path, query["dateFrom"][0], query["dateTo"][0])
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# --------------------------------------------------------------------------------------------
# An invoice's issue (POST .../invoices/{id}/issue) and a session event's data (bench.dispatch)
# --------------------------------------------------------------------------------------------

#: a draft issued in one statement: locked, numbered by the upsert of its workspace's counter for
#: the local year (the counter row stays locked until the statement's transaction commits, so
#: concurrent issues queue there, as billing.actions.invoice_issue's do), dated, its seller and
#: client's name kept; a total of 0 is paid at once. Nothing when it is not a draft with lines.
ISSUE_SQL = """
WITH invoice AS (
  SELECT i.id, i.workspace_id, i.total, c.name AS client_name, coalesce(s.invoice_prefix, 'INV') AS prefix,
         (%(at)s::timestamptz AT TIME ZONE w.timezone)::date AS day,
         jsonb_build_object('legalName', coalesce(nullif(s.legal_name, ''), w.name),
                            'taxNumber', coalesce(s.tax_number, ''), 'address', coalesce(s.address, ''),
                            'country', coalesce(s.country, '')) AS seller
    FROM billing_invoice i
    JOIN workspaces_workspace w ON w.id = i.workspace_id
    JOIN workspaces_client c ON c.id = i.client_id
    LEFT JOIN billing_billingsettings s ON s.workspace_id = i.workspace_id
   WHERE i.workspace_id = %(ws)s AND i.id = %(id)s AND i.status = 'draft' AND jsonb_array_length(i.lines) > 0
     FOR UPDATE OF i
), counter AS (
  INSERT INTO billing_invoicecounter AS n (id, created_at, updated_at, workspace_id, year, last_number)
  SELECT %(counter_id)s, %(at)s, %(at)s, workspace_id, extract(year FROM day), 1 FROM invoice
  ON CONFLICT (workspace_id, year) DO UPDATE SET last_number = n.last_number + 1, updated_at = EXCLUDED.updated_at
  RETURNING year, last_number
)
UPDATE billing_invoice i
   SET status = CASE WHEN invoice.total = 0 THEN 'paid' ELSE 'issued' END,
       year = counter.year, sequence = counter.last_number,
       number = invoice.prefix || '-' || counter.year || '-'
                || lpad(counter.last_number::text, greatest(6, length(counter.last_number::text)), '0'),
       date = invoice.day, issued_at = %(at)s, paid_at = CASE WHEN invoice.total = 0 THEN %(at)s::timestamptz END,
       seller = invoice.seller, client_name = invoice.client_name, updated_at = %(at)s
  FROM invoice, counter
 WHERE i.id = invoice.id
RETURNING i.number
"""


def issue_invoice(conn: psycopg.Connection, workspace_id: str, invoice_id: str) -> str | None:
    """Issue a draft by hand (one statement, its own transaction on an autocommit connection):
    the number it got, or None when it was not a draft with lines."""
    now = dt.datetime.now(dt.UTC)
    counter_id = f"{int(now.timestamp()):08x}{secrets.token_hex(8)}"
    row = conn.execute(
        ISSUE_SQL, {"at": now, "ws": workspace_id, "id": invoice_id, "counter_id": counter_id}
    ).fetchone()
    return None if row is None else row[0]


SESSION_SQL_SHARED = LIST_SQL_SHARED.replace("s.date >= %s AND s.date <= %s", "s.id = %s")


def session_json(conn: psycopg.Connection, workspace_id: str, session_id: str) -> bytes | None:
    """One session as the list shows it to a caller without ``records.private`` (what a webhook
    event's ``data`` holds), or None when it is gone."""
    row = conn.execute(SESSION_SQL_SHARED, (workspace_id, session_id)).fetchone()
    return None if row is None else orjson.dumps(_item(row))
