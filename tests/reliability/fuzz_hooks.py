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
}
_PATH_NAMES = {"workspace_id", "workspaceId"}
_OBJECT_NAMES = {"id", "pk", "clientId", "serviceId", "sessionId"}
_FOLLOW_UP_NAMES = {"follow_up_id", "followUpId"}


def _pool_for(path: str, method: str) -> list[str]:
    """Real ids of the path's kind; DELETEs take theirs from a pool of their own, so the ids the
    other operations use are not all gone after the first deletes."""
    suffix = "_delete" if method.upper() == "DELETE" and "/follow-ups/" not in path else ""
    if "/nutrition/sessions/" in path:
        return _IDS.get("nutrition" + suffix, [])
    for segment, pool in _POOLS.items():
        if f"/{segment}/" in path:
            return _IDS.get(pool + suffix, [])
    return []


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not _IDS or path_parameters is None:
        return path_parameters
    path = context.operation.path
    for name in list(path_parameters):
        if name in _PATH_NAMES:
            path_parameters[name] = _IDS["workspace"]
        elif name in _OBJECT_NAMES:
            pool = _pool_for(path, context.operation.method)
            if pool and _RANDOM.random() < 0.85:
                path_parameters[name] = _RANDOM.choice(pool)
    follow_up = next((name for name in path_parameters if name in _FOLLOW_UP_NAMES), None)
    pairs = _IDS.get("follow_up_pairs", [])
    if follow_up and pairs and _RANDOM.random() < 0.85:
        consultation, path_parameters[follow_up] = _RANDOM.choice(pairs)
        for name in path_parameters:
            if name in _OBJECT_NAMES:
                path_parameters[name] = consultation
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
