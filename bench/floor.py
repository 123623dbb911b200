"""The floor: what PostgreSQL, psycopg and orjson alone need for the same answers.

No Django here. ``list_json`` fetches the sessions of a date range with one hand-written query
and encodes the API's JSON (same keys, same values, same order: the benchmark checks it against
the API's answer); ``create_json`` writes a session and its services by hand in one transaction
and encodes it. ``application`` serves ``list_json`` over HTTP, so that the benchmark can also
set the API against the floor of a request: the same query behind the same gunicorn.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
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
# The floor of a request: list_json behind gunicorn (``gunicorn bench.floor:application``),
# answering GET /{workspaceId}?dateFrom=...&dateTo=... with one connection per worker.
# --------------------------------------------------------------------------------------------

_conn: psycopg.Connection | None = None


def application(environ, start_response):
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["BENCH_FLOOR_DATABASE_URL"], autocommit=True)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    workspace_id = environ.get("PATH_INFO", "/").strip("/")
    body = list_json(_conn, workspace_id, query["dateFrom"][0], query["dateTo"][0])
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
