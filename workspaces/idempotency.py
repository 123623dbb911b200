"""``Idempotency-Key`` on creates: the first response is kept and replayed for 24 hours.

The key's row is inserted in the same transaction as the object it creates (one statement: an
expired row of the same key is taken over, a live one left alone): a parallel retry waits on the
unique index until the first commits (then replays it) or rolls back (then creates). Failed
creates leave no row, so a corrected retry with the same key goes through. The answer is kept in
the statement that writes the create's rows (:mod:`config.db.batch`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from config.api.errors import BadRequest, Conflict
from config.api.rendering import JSONRenderer
from config.db.batch import batched_writes, hold
from workspaces.ids import new_object_id
from workspaces.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
KEY_REUSED = _("This Idempotency-Key was used with a different request body.")
KEY_INVALID = _("Idempotency-Key must be 1 to 255 printable ASCII characters.")


def _canonical_path(path: str) -> str:
    path = path.rstrip("/")
    return path if path.startswith("/api/") else "/api" + path


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(32 <= ord(ch) < 127 for ch in key)


def idempotent_create(request, workspace, produce: Callable[[], Response], fingerprint: Any = None) -> Response:
    """Run ``produce`` (which creates and answers 201) at most once per key, user and path.

    A retry is "the same request" when its body is the same JSON, or, for a body that is not JSON
    (a file upload), the same ``fingerprint`` (the file's name, size and SHA-256, the fields)."""
    key = request.headers.get(HEADER)
    if key is None:
        with transaction.atomic(), batched_writes():
            return produce()
    if not _valid_key(key):
        raise BadRequest(KEY_INVALID, code="invalid", field=HEADER)

    body = request.data if fingerprint is None else fingerprint
    digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
    path = _canonical_path(request.path)
    table = IdempotencyRecord._meta.db_table
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # the key claimed: a new row, or a row older than the TTL taken over (as if new);
            # a live one is left alone (no row back), a parallel claim waits on the unique index
            cursor.execute(
                f"INSERT INTO {table} AS kept"
                " (id, created_at, updated_at, workspace_id, user_id, key, path, request_hash)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (workspace_id, user_id, path, key) DO UPDATE SET"
                " created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,"
                " request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL"
                " WHERE kept.created_at < %s RETURNING id",
                [new_object_id(), now, now, workspace.pk, request.user.pk, key, path, digest, now - TTL],
            )
            claimed = cursor.fetchone()
        if claimed:
            with batched_writes():  # the response kept with the create's own writes, in one statement
                response = produce()
                hold(
                    f"UPDATE {table} SET response_status = %s, response_body = %s::jsonb WHERE id = %s",
                    [response.status_code, _exact_json(response.data), claimed[0]],
                )
            return response

    record = (
        IdempotencyRecord.objects.filter(workspace=workspace, user=request.user, path=path, key=key)
        .values("request_hash", "response_status", body=Cast("response_body", TextField()))
        .get()
    )
    if record["request_hash"] != digest:
        raise Conflict(KEY_REUSED, code="idempotency_key_reused")
    body = None if record["body"] is None else json.loads(record["body"], parse_float=Decimal)
    return Response(body, status=record["response_status"], headers={"Idempotent-Replayed": "true"})


def _exact_json(data) -> str:
    """The answer as the API wrote it, kept as jsonb: money (Decimals) as exact numbers, whose
    decimals jsonb keeps (150.00 stays 150.00) and the replay reads back as Decimals."""
    return JSONRenderer().render(data).decode()
