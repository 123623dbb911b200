"""Schemathesis hooks: reach past the tenancy 404 with real ids of the seeded workspace.

Loaded by the schemathesis CLI through ``SCHEMATHESIS_HOOKS=tests.reliability.fuzz_hooks``;
``RELIABILITY_FUZZ_IDS`` (JSON) names the workspace and pools of its real object ids. Every
``workspace_id`` becomes the seeded workspace's id; an object id in the path becomes, most of
the time, a real id of that kind (else the fuzzer's own value stays, for the 404 paths).
"""

from __future__ import annotations

import json
import os
import random

import schemathesis

_IDS = json.loads(os.environ.get("RELIABILITY_FUZZ_IDS", "{}"))
_RANDOM = random.Random(os.environ.get("RELIABILITY_FUZZ_SEED", "1"))

#: which pool an object id in a path comes from, by the collection segment before it
_POOLS = {
    "clients": "clients",
    "services": "services",
    "sessions": "sessions",
    "nutrition/sessions": "nutrition",
    "members": "staff",  # a member's working hours and time off
}
_PATH_NAMES = {"workspace_id", "workspaceId"}


def _collection(segments: list[str], index: int) -> str:
    """The collection a path parameter names an object of: the segment(s) before it."""
    before = segments[index - 1]
    if before == "sessions" and index >= 2 and segments[index - 2] == "nutrition":
        return "nutrition/sessions"
    return before


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """Each object id in the path, most of the time, a real one of its collection (a follow-up and
    its consultation as a pair); DELETEs of the last object take ids from pools of their own, so
    the ids the other operations use are not all gone after the first deletes."""
    if not _IDS or path_parameters is None:
        return path_parameters
    path = context.operation.path
    segments = path.strip("/").split("/")
    names = [segment[1:-1] for segment in segments if segment.startswith("{")]
    if "/follow-ups/" in path or path.endswith("/follow-ups"):
        pairs = _IDS.get("follow_up_pairs", [])
        if pairs and _RANDOM.random() < 0.85:
            consultation, follow_up = _RANDOM.choice(pairs)
            path_parameters["session_id"] = consultation
            if "id" in path_parameters:
                path_parameters["id"] = follow_up
        for name in _PATH_NAMES & set(path_parameters):
            path_parameters[name] = _IDS["workspace"]
        return path_parameters
    for index, segment in enumerate(segments):
        if not segment.startswith("{"):
            continue
        name = segment[1:-1]
        if name in _PATH_NAMES:
            path_parameters[name] = _IDS["workspace"]
            continue
        last = name == names[-1]
        suffix = "_delete" if last and context.operation.method.upper() == "DELETE" else ""
        pool = _IDS.get(_POOLS.get(_collection(segments, index), "") + suffix, [])
        if pool and name in path_parameters and _RANDOM.random() < 0.85:
            path_parameters[name] = _RANDOM.choice(pool)
    return path_parameters


_REFERENCE_POOLS = {"clientId": "clients", "staffId": "staff", "specialistId": "staff"}


@schemathesis.hook
def map_body(context, body):
    """References in a body: mostly real ones of the workspace, so creates and moves get through."""
    if not _IDS or not isinstance(body, dict):
        return body
    for name, pool_name in _REFERENCE_POOLS.items():
        pool = _IDS.get(pool_name, [])
        if name in body and pool and _RANDOM.random() < 0.8:
            body[name] = _RANDOM.choice(pool)
    services = _IDS.get("services", [])
    if "serviceIds" in body and services and _RANDOM.random() < 0.8:
        body["serviceIds"] = _RANDOM.sample(services, k=_RANDOM.randint(1, min(3, len(services))))
    return body


@schemathesis.hook
def map_query(context, query):
    """A staff member and services in a query (free slots): mostly real ones of the workspace."""
    if not _IDS or not isinstance(query, dict):
        return query
    staff = _IDS.get("staff", [])
    if "staffId" in query and staff and _RANDOM.random() < 0.8:
        query["staffId"] = _RANDOM.choice(staff)
    services = _IDS.get("services", [])
    if "serviceIds" in query and services and _RANDOM.random() < 0.8:
        query["serviceIds"] = ",".join(_RANDOM.sample(services, k=_RANDOM.randint(1, min(3, len(services)))))
    return query
