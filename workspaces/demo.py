"""Realistic demo data, loaded in bulk (PostgreSQL COPY), the same for the same seed.

Arabic and English names, services with distinct colours, clients, staff of every role, and
both kinds of session laid out a month around the anchor date (longer when a workspace holds
more sessions than a month has slots), never double-booked. Ids derive from the seed, so a
second run with the same seed finds its data already there and does nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session, SessionService
from workspaces.models import Client, Membership, User, Workspace
from workspaces.search import client_search_text
from workspaces.timezones import local_span

FIRST_NAMES_AR = ["محمد", "أحمد", "فاطمة", "مريم", "يوسف", "نور", "سارة", "عمر", "ليلى", "خالد", "هدى", "ياسمين"]
LAST_NAMES_AR = ["الأحمد", "حسن", "إبراهيم", "السيد", "عبد الله", "منصور", "الشريف", "النجار"]
FIRST_NAMES_EN = ["Adam", "Emma", "Noah", "Olivia", "Liam", "Sophia", "Lucas", "Mia", "Ethan", "Amelia"]
LAST_NAMES_EN = ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas"]
PRACTICES = [
    "عيادة النور",
    "Cairo Wellness Clinic",
    "مركز الشفاء",
    "Green Leaf Nutrition",
    "عيادة الأمل",
    "City Physio",
]
TIMEZONES = ["Africa/Cairo", "Asia/Riyadh", "Asia/Dubai", "Europe/London", "UTC", "Europe/Berlin"]
SERVICES = [
    ("استشارة طبية", "Comprehensive consultation", 60, "150.00", "#3B82F6"),
    ("فحص عام", "General check-up", 30, "90.00", "#10B981"),
    ("Physiotherapy", "جلسة علاج طبيعي", 45, "200.00", "#F59E0B"),
    ("تغذية علاجية", "Clinical nutrition plan", 40, "120.00", "#EF4444"),
    ("Follow-up visit", "زيارة متابعة", 20, "60.00", "#8B5CF6"),
    ("Massage therapy", "علاج بالتدليك", 50, "180.00", "#EC4899"),
]
TOPICS = ["متابعة أسبوعية", "Meal plan review", "خطة غذائية جديدة", "Weight check-in", "استشارة أولى"]
STAFF_ROLES = ["owner", "admin", "specialist", "specialist", "assistant", "viewer"]
SLOTS_PER_DAY = 9  # 08:00 to 16:00, one an hour
DEMO_PASSWORD = "demo-pass-1234"


@dataclass
class SeedResult:
    workspaces: int
    sessions: int
    consultations: int
    first_workspace_id: str | None
    created: bool


class _Ids:
    """Deterministic, time-ordered 24-hex ids from the seed."""

    def __init__(self, rng: random.Random, base: int):
        self.rng = rng
        self.seconds = base

    @classmethod
    def for_seed(cls, seed: int) -> _Ids:
        return cls(random.Random(seed * 7919 + 1), 0x60000000 + seed * 10_000_000)

    def __call__(self) -> str:
        self.seconds += 1
        return f"{self.seconds & 0xFFFFFFFF:08x}{self.rng.getrandbits(64):016x}"


def _person(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"{rng.choice(FIRST_NAMES_AR)} {rng.choice(LAST_NAMES_AR)}"
    return f"{rng.choice(FIRST_NAMES_EN)} {rng.choice(LAST_NAMES_EN)}"


def _copy(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def demo_seed(
    *,
    workspaces: int = 2,
    sessions_per_workspace: int = 200,
    seed: int = 1,
    anchor: dt.date | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Load the demo. ``progress(n)`` is called as sessions are written."""
    rng = random.Random(seed)
    anchor = anchor or timezone.localdate()
    ids = _Ids.for_seed(seed)
    now = timezone.now()
    first_id = _Ids.for_seed(seed)()
    if Workspace.objects.filter(pk=first_id).exists():
        return SeedResult(0, 0, 0, first_id, created=False)

    password_hash = make_password(DEMO_PASSWORD)
    counts = {"sessions": 0, "consultations": 0}
    with transaction.atomic():
        ws_rows, user_rows, member_rows, client_rows, service_rows = [], [], [], [], []
        plan: list[tuple] = []  # (workspace_id, tz, staff ids, client ids, services)
        for w in range(workspaces):
            ws_id = ids()
            tz = TIMEZONES[w % len(TIMEZONES)] if w else "Africa/Cairo"
            name = PRACTICES[w % len(PRACTICES)] + (f" {w // len(PRACTICES) + 1}" if w >= len(PRACTICES) else "")
            ws_rows.append((ws_id, now, now, name, tz, None, True))
            staff = []
            for r, role in enumerate(STAFF_ROLES):
                user_id = ids()
                email = f"{role}{r}.w{w}.s{seed}@demo.example"
                user_rows.append((user_id, password_hash, None, False, email, _person(rng), True, False, now))
                member_id = ids()
                member_rows.append((member_id, now, now, ws_id, user_id, role, True))
                if role in {"owner", "admin", "specialist"}:
                    staff.append(member_id)
            clients = []
            for _ in range(40):
                client_id = ids()
                name_ = _person(rng)
                email = f"client{len(client_rows)}.s{seed}@demo.example"
                phone = f"+20 10{rng.randrange(10**7, 10**8)}"
                search_text = client_search_text(name=name_, email=email, phone=phone)
                client_rows.append((client_id, now, now, ws_id, name_, email, phone, "", search_text))
                clients.append(client_id)
            services = []
            for name_, description, minutes, price, color in SERVICES:
                service_id = ids()
                service_rows.append(
                    (service_id, now, now, ws_id, name_, description, minutes, price, color, "sessions", True, None)
                )
                services.append((service_id, minutes))
            plan.append((ws_id, tz, staff, clients, services))

        _copy(
            Workspace._meta.db_table,
            ["id", "created_at", "updated_at", "name", "timezone", "subscription_expires_at", "is_active"],
            ws_rows,
        )
        _copy(
            User._meta.db_table,
            ["id", "password", "last_login", "is_superuser", "email", "name", "is_active", "is_staff", "date_joined"],
            user_rows,
        )
        _copy(
            Membership._meta.db_table,
            ["id", "created_at", "updated_at", "workspace_id", "user_id", "role", "is_active"],
            member_rows,
        )
        _copy(
            Client._meta.db_table,
            ["id", "created_at", "updated_at", "workspace_id", "name", "email", "phone", "notes", "search_text"],
            client_rows,
        )
        _copy(
            Service._meta.db_table,
            [
                "id",
                "created_at",
                "updated_at",
                "workspace_id",
                "name",
                "description",
                "duration_minutes",
                "price",
                "color",
                "scope",
                "is_active",
                "deleted_at",
            ],
            service_rows,
        )

        session_columns = [
            "id",
            "created_at",
            "updated_at",
            "workspace_id",
            "staff_id",
            "starts_at",
            "ends_at",
            "name",
            "client_id",
            "date",
            "start_time",
            "end_time",
            "duration_minutes",
            "status",
            "field_values",
            "attachments",
            "notes",
            "invoice",
        ]
        link_columns = ["id", "created_at", "updated_at", "workspace_id", "session_id", "service_id", "position"]
        consult_columns = [
            "id",
            "created_at",
            "updated_at",
            "workspace_id",
            "staff_id",
            "starts_at",
            "ends_at",
            "client_id",
            "type",
            "status",
            "date",
            "start_time",
            "end_time",
            "duration_minutes",
            "topic",
            "notes_private",
            "notes_shared",
            "meeting_link",
            "location",
            "attachments",
        ]
        follow_columns = ["id", "created_at", "updated_at", "workspace_id", "session_id", "due_date", "note"]
        sessions, links, consults, follows = [], [], [], []

        def flush(force: bool = False) -> None:
            if force or len(sessions) + len(consults) >= 20_000:
                _copy(Session._meta.db_table, session_columns, sessions)
                _copy(SessionService._meta.db_table, link_columns, links)
                _copy(NutritionSession._meta.db_table, consult_columns, consults)
                _copy(FollowUp._meta.db_table, follow_columns, follows)
                if progress:
                    progress(len(sessions) + len(consults))
                sessions.clear(), links.clear(), consults.clear(), follows.clear()

        for ws_id, tz, staff, clients, services in plan:
            slots_needed = -(-sessions_per_workspace // len(staff))
            days = max(28, -(-slots_needed // SLOTS_PER_DAY))
            first_day = anchor - dt.timedelta(days=days // 2)
            for k in range(sessions_per_workspace):
                member = staff[k % len(staff)]
                # spread each staff member's slots evenly over the grid of days x hours
                cell = (k // len(staff)) * (days * SLOTS_PER_DAY) // slots_needed
                day = first_day + dt.timedelta(days=cell // SLOTS_PER_DAY)
                start = dt.time(8 + cell % SLOTS_PER_DAY, 0)
                client = rng.choice(clients)
                past = day < anchor
                if rng.random() < 0.8:
                    chosen = rng.sample(services, rng.choice([1, 1, 2]))
                    minutes = min(60, sum(m for _, m in chosen))
                    starts_at, ends_at = local_span(day, start, minutes, tz)
                    status = rng.choice(["completed", "completed", "cancelled"]) if past else "scheduled"
                    session_id = ids()
                    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
                    sessions.append(
                        (
                            session_id,
                            now,
                            now,
                            ws_id,
                            member,
                            starts_at,
                            ends_at,
                            "جلسة" if rng.random() < 0.5 else "Session",
                            client,
                            day,
                            start,
                            end,
                            minutes,
                            status,
                            "[]",
                            "[]",
                            "[]",
                            None,
                        )
                    )
                    for position, (service_id, _m) in enumerate(chosen):
                        links.append((ids(), now, now, ws_id, session_id, service_id, position))
                    counts["sessions"] += 1
                else:
                    minutes = rng.choice([30, 45, 60])
                    starts_at, ends_at = local_span(day, start, minutes, tz)
                    kind = rng.choice(["online", "in_person"])
                    status = rng.choice(["completed", "no_show", "cancelled"]) if past else "scheduled"
                    consult_id = ids()
                    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=minutes)).time()
                    consults.append(
                        (
                            consult_id,
                            now,
                            now,
                            ws_id,
                            member,
                            starts_at,
                            ends_at,
                            client,
                            kind,
                            status,
                            day,
                            start,
                            end,
                            minutes,
                            rng.choice(TOPICS),
                            "ملاحظات خاصة",
                            "Shared notes",
                            "https://meet.example.com/demo" if kind == "online" else None,
                            None if kind == "online" else "Room 2",
                            "[]",
                        )
                    )
                    if rng.random() < 0.3:
                        follows.append(
                            (
                                ids(),
                                now,
                                now,
                                ws_id,
                                consult_id,
                                day + dt.timedelta(days=14),
                                "Check progress / متابعة التقدم",
                            )
                        )
                    counts["consultations"] += 1
                flush()
        flush(force=True)

        if admin_email and plan:
            admin = User.objects.filter(email__iexact=admin_email).first()
            if admin is None:
                admin = User.objects.create_superuser(email=admin_email, password=admin_password, name="Demo Admin")
            Membership.objects.update_or_create(
                workspace_id=plan[0][0], user=admin, defaults={"role": "owner", "is_active": True}
            )
    return SeedResult(len(plan), counts["sessions"], counts["consultations"], plan[0][0] if plan else None, True)
