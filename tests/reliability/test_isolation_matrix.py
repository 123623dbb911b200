"""Tenant isolation: every workspace endpoint and method against six kinds of caller.

The matrix (both path prefixes, every operation of clients, members, services, sessions,
nutrition sessions and follow-ups, notes, attachments and custom session fields):

1. no credentials: 401 ``not_authenticated``;
2. a garbage, an expired or a forged token: 401;
3. the owner of another workspace (B): 404, the same body as an unknown workspace;
4. a member whose role lacks the permission: 403 ``permission_denied`` (n/a where every role has it);
5. the owner of a workspace whose subscription expired: 403 ``subscription_expired``;
6. a member with the permission: success, and a 404 for any object of workspace B named in the
   path or the body.

Workspace B is full of a distinctive marker and its own ids; no response to any of A's callers
ever contains one of them, and B is unchanged at the end. The number of cells is recorded.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from availability.models import BookingPolicy, TimeOff, WorkingHours
from nutrition.models import FollowUp, NutritionSession
from records.models import ConsultationAttachment, Note, SessionAttachment, SessionField
from services.models import Service
from sessions.models import Session, SessionService
from tests import factories
from tests.conftest import bearer
from tests.reliability.figures import record
from tests.reliability.world import ENDPOINTS, build_world, foreign_id
from workspaces.models import Client, Membership
from workspaces.roles import PERMISSION_ROLES, Role

pytestmark = pytest.mark.django_db

PREFIXES = ["/api/v1", "/v1"]
KINDS = 6
UNKNOWN_WORKSPACE = "0123456789abcdef01234567"


def least_privileged(permission: str) -> str:
    allowed = PERMISSION_ROLES[permission]
    return next(role for role in reversed(list(Role)) if role in allowed)


def bad_tokens(user) -> list[APIClient]:
    expired = AccessToken.for_user(user)
    expired.set_exp(from_time=timezone.now() - timedelta(hours=1), lifetime=timedelta(minutes=5))
    header, payload, _signature = str(AccessToken.for_user(user)).split(".")
    forged = ".".join([header, payload, base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")])
    clients = []
    for token in ["not.a.token", str(expired), forged]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        clients.append(client)
    return clients


def snapshot(world) -> dict:
    ws = world.workspace
    return {
        "clients": sorted(Client.objects.filter(workspace=ws).values_list("id", "name", "notes", "updated_at")),
        "services": sorted(Service.objects.filter(workspace=ws).values_list("id", "name", "updated_at")),
        "sessions": sorted(Session.objects.filter(workspace=ws).values_list("id", "name", "updated_at")),
        "links": SessionService.objects.filter(workspace=ws).count(),
        "consultations": sorted(
            NutritionSession.objects.filter(workspace=ws).values_list("id", "topic", "notes_private", "updated_at")
        ),
        "follow_ups": sorted(FollowUp.objects.filter(workspace=ws).values_list("id", "note")),
        "notes": sorted(Note.objects.filter(workspace=ws).values_list("id", "body", "visibility")),
        "attachments": sorted(
            [
                *SessionAttachment.objects.filter(workspace=ws).values_list("id", "name", "visibility"),
                *ConsultationAttachment.objects.filter(workspace=ws).values_list("id", "name", "visibility"),
            ]
        ),
        "fields": sorted(SessionField.objects.filter(workspace=ws).values_list("key", "label", "is_active")),
        "members": sorted(Membership.objects.filter(workspace=ws).values_list("id", "role", "is_active")),
        "working_hours": sorted(WorkingHours.objects.filter(workspace=ws).values_list("id", "weekday", "start_minute")),
        "time_off": sorted(TimeOff.objects.filter(workspace=ws).values_list("id", "starts_at", "reason")),
        "policy": list(BookingPolicy.objects.filter(workspace=ws).values_list("buffer_minutes", flat=True)),
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments' files in a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def test_every_endpoint_against_six_kinds_of_caller_and_nothing_of_b_leaks():
    # given workspace A, workspace B (every text carries BETAMARK) and workspace E (expired)
    a = build_world("ALPHA")
    b = build_world("BETAMARK")
    e = build_world("EXPIRED", subscription_expires_at=timezone.now() - timedelta(days=1))
    b_before = snapshot(b)
    outsider = bearer(b.owner.user)  # a member (the owner) of B, not of A
    expired_owner = bearer(e.owner.user)
    members = {role: bearer(factories.MembershipFactory(workspace=a.workspace, role=role).user) for role in Role}
    cells: set[tuple] = set()
    requests = 0
    bodies: list[tuple[str, bytes]] = []  # every answer A's callers got
    failures: list[str] = []

    def check(cell, response, status, code=None, label=""):
        nonlocal requests
        requests += 1
        cells.add(cell)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append((f"{cell} {label}", content))
        if response.status_code != status:
            failures.append(f"{cell} {label}: {response.status_code} != {status} {response.content[:200]!r}")
            return
        if code is not None and response.json()["error"]["code"] != code:
            failures.append(f"{cell} {label}: code {response.json()['error']['code']} != {code}")

    for prefix in PREFIXES:
        for op in ENDPOINTS:
            # 1. no credentials
            cell = (prefix, op.name, "no credentials")
            response = op.send(APIClient(), a, prefix)
            check(cell, response, 401, "not_authenticated")
            if not response.has_header("WWW-Authenticate"):
                failures.append(f"{cell}: no WWW-Authenticate")
            # 2. garbage, expired, forged token (of a real owner of A)
            for n, api in enumerate(bad_tokens(a.owner.user)):
                check((prefix, op.name, "bad token"), op.send(api, a, prefix), 401, label=str(n))
            # 3. the owner of another workspace: the same 404 as an unknown workspace
            cell = (prefix, op.name, "member of another workspace")
            response = op.send(outsider, a, prefix)
            unknown = op.send(outsider, a, prefix, path=op.path(a, prefix).replace(a.id, UNKNOWN_WORKSPACE))
            check(cell, response, 404, "not_found")
            check(cell, unknown, 404, "not_found", "unknown workspace")
            if response.content != unknown.content:
                failures.append(f"{cell}: 404 differs from an unknown workspace's")
            # 4. a member of A whose role lacks the permission
            for role in op.denied_roles():
                check((prefix, op.name, "member without the permission"), op.send(members[role], a, prefix), 403,
                      "permission_denied", role)  # fmt: skip
            # 5. the owner of a workspace whose subscription expired
            check((prefix, op.name, "member of an expired workspace"), op.send(expired_owner, e, prefix), 403,
                  "subscription_expired")  # fmt: skip
            # 6. members with the permission: success; B's objects in the path are not found
            cell = (prefix, op.name, "member with the permission")
            for role in dict.fromkeys([Role.OWNER, least_privileged(op.permission)]):
                check(cell, op.send(members[role], a, prefix), op.ok, label=role)
            if op.object_path is not None:
                path = op.object_path(a, prefix, foreign_id(b, op.kind))
                check(cell, op.send(members[Role.OWNER], a, prefix, path=path), 404, "not_found", "B's object")
                # and B's object under B's own workspace id, by A's owner: 404 too
                path = op.object_path(b, prefix, foreign_id(b, op.kind))
                check(cell, op.send(members[Role.OWNER], b, prefix, path=path), 404, "not_found", "B's path")

    # writes naming B's objects in the body: a 404 naming the field, nothing written
    owner = members[Role.OWNER]
    root = a.root()
    session = {"name": "x", "clientId": a.client.pk, "serviceIds": [a.services[0].pk], "date": "2031-01-01",
               "startTime": "09:00"}  # fmt: skip
    consultation = {"clientId": a.client.pk, "type": "online", "date": "2032-06-01", "startTime": "09:00"}
    foreign_bodies = [
        ("/sessions", "POST", session | {"clientId": b.client.pk}, "clientId"),
        ("/sessions", "POST", session | {"serviceIds": [b.services[0].pk]}, "serviceIds"),
        ("/sessions", "POST", session | {"staffId": b.staff.pk}, "staffId"),
        (f"/sessions/{a.session.pk}", "PATCH", {"clientId": b.client.pk}, "clientId"),
        (f"/sessions/{a.session.pk}", "PATCH", {"serviceIds": [b.services[1].pk]}, "serviceIds"),
        (f"/sessions/{a.session.pk}", "PATCH", {"staffId": b.staff.pk}, "staffId"),
        ("/nutrition/sessions", "POST", consultation | {"clientId": b.client.pk}, "clientId"),
        ("/nutrition/sessions", "POST", consultation | {"specialistId": b.staff.pk}, "specialistId"),
        (f"/nutrition/sessions/{a.consultation.pk}", "PATCH", {"clientId": b.client.pk}, "clientId"),
        (f"/nutrition/sessions/{a.consultation.pk}", "PATCH", {"specialistId": b.staff.pk}, "specialistId"),
    ]
    for path, method, body, field in foreign_bodies:
        response = getattr(owner, method.lower())(root + path, body, format="json")
        check(("/api/v1", f"{method} {path.split('/')[1]} naming B's {field}", "member with the permission"),
              response, 404, "not_found")  # fmt: skip
        if response.status_code == 404 and field not in response.json()["error"].get("fields", {}):
            failures.append(f"{method} {path}: the 404 does not name {field}")
    # filters naming B's objects find nothing of B's
    for query in [f"clientId={b.client.pk}", f"staffId={b.staff.pk}", f"serviceIds={b.services[0].pk}"]:
        response = owner.get(f"{root}/sessions?{query}")
        check(("/api/v1", f"sessions list ?{query.split('=')[0]}=B's", "member with the permission"), response, 200)
        if response.status_code == 200 and response.json()["sessions"]:
            failures.append(f"sessions?{query} listed something")
    # free slots naming B's staff member or services: a 404 naming the parameter
    for query, field in [
        (f"durationMinutes=30&staffId={b.staff.pk}", "staffId"),
        (f"serviceIds={b.services[0].pk}", "serviceIds"),
    ]:
        response = owner.get(f"{root}/availability?dateFrom=2031-01-06&dateTo=2031-01-07&{query}")
        check(("/api/v1", f"free slots ?{field}=B's", "member with the permission"), response, 404, "not_found")
        if response.status_code == 404 and field not in response.json()["error"].get("fields", {}):
            failures.append(f"availability?{query}: the 404 does not name {field}")
    for query in [f"clientId={b.client.pk}", f"specialistId={b.staff.pk}"]:
        response = owner.get(f"{root}/nutrition/sessions?{query}")
        check(("/api/v1", f"nutrition list ?{query.split('=')[0]}=B's", "member with the permission"), response, 200)
        if response.status_code == 200 and response.json()["sessions"]:
            failures.append(f"nutrition/sessions?{query} listed something")

    # then: every cell answered as the contract orders
    assert not failures, "\n".join(failures[:30])
    # no answer to any of A's callers carries anything of B's
    leaks = [(label, secret) for label, content in bodies for secret in b.secrets if secret.encode() in content]
    assert not leaks, leaks[:10]
    # and B is untouched
    assert snapshot(b) == b_before
    matrix_cells = {cell for cell in cells if cell[1] in {op.name for op in ENDPOINTS}}
    expected = len(PREFIXES) * sum(KINDS - (0 if op.denied_roles() else 1) for op in ENDPOINTS)
    assert len(matrix_cells) == expected
    record("isolation_operations", len(ENDPOINTS))
    record("isolation_cells", len(cells))
    record("isolation_requests", requests)
