"""Realistic demo data, loaded in bulk (PostgreSQL COPY), the same for the same seed.

Arabic and English names, services with distinct colours, clients, staff of every role, and
both kinds of session laid out a month around the anchor date (longer when a workspace holds
more sessions than a month has slots), never double-booked. Ids derive from the seed, so a
second run with the same seed finds its data already there and does nothing.

Demo accounts have known passwords only in development: with ``DEBUG`` off the load is refused
unless explicitly allowed, and the caller then passes passwords of its own (the command makes
random ones and prints them once).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from bookings.time import booking_span, end_clock
from nutrition.models import FollowUp, NutritionSession
from services.models import Service
from sessions.models import Session, SessionService
from workspaces.models import Client, Membership, User, Workspace
from workspaces.search import client_search_text

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
#: the demo staff's and admin's passwords in development (DEBUG=1) only
DEMO_PASSWORD = "demo-pass-1234"
DEMO_ADMIN_PASSWORD = "admin-demo-pass"
REFUSED_IN_PRODUCTION = (
    "seed_demo loads demo accounts and refuses to run with DEBUG off; "
    "pass --allow-production to load them anyway (with random passwords, printed once)."
)


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


#: session rows (of both kinds) written per COPY
CHUNK_ROWS = 50_000
#: a load of at least this many sessions, and more than the tables already hold, drops the
#: session tables' secondary indexes and foreign keys first and rebuilds them at the end
REBUILD_FROM_ROWS = 50_000


def _escape(value: str) -> str:
    """A string as a field of COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_lines(table: str, columns: list[str], lines: list[str]) -> None:
    """COPY rows already in COPY's text format (tab-separated, ``\\N`` for null, one line each)."""
    if not lines:
        return
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.write("".join(lines))


def _worth_rebuilding(model, rows: int) -> bool:
    """Whether loading ``rows`` into ``model``'s table beats maintaining its indexes row by row."""
    if rows < REBUILD_FROM_ROWS:
        return False
    with connection.cursor() as cursor:  # counts at most ``rows`` existing rows
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {model._meta.db_table} LIMIT %s) t", [rows])
        return cursor.fetchone()[0] < rows


@contextmanager
def _secondary_structures_dropped(
    models: list, *, enabled: bool, stage: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Without their secondary indexes and foreign keys, the tables of ``models`` load fast.

    Drops the non-unique indexes and the foreign keys, runs the body (the COPYs), then builds
    each index once, sorted, and re-adds each foreign key, checked in one join instead of one
    lookup per row. Primary keys and unique constraints stay (the ids are time-ordered, so
    they grow at their right edge). Everything happens in the caller's transaction: all or
    nothing, and other connections wait for these tables meanwhile, which suits a seed.
    """
    if not enabled:
        yield
        return
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique AND NOT x.indisprimary",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        # tables referenced here cannot change while checks of rows just loaded are pending
        # (Django's foreign keys are deferred): run those checks now, keep deferring later ones
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        if stage:
            stage("indexes")
        for _name, definition in indexes:
            cursor.execute(definition)
        if stage:
            stage("foreign keys")
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def first_workspace_id(seed: int) -> str:
    """The id the first demo workspace of ``seed`` has (whether or not it is loaded)."""
    return _Ids.for_seed(seed)()


def demo_seed(
    *,
    workspaces: int = 2,
    sessions_per_workspace: int = 200,
    seed: int = 1,
    anchor: dt.date | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    staff_password: str = DEMO_PASSWORD,
    allow_production: bool = False,
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> SeedResult:
    """Load the demo. ``progress(n)`` is called as sessions are written, ``stage(name)`` as the
    indexes are rebuilt after a big load. With DEBUG off, only when ``allow_production``."""
    if not settings.DEBUG and not allow_production:
        raise ImproperlyConfigured(REFUSED_IN_PRODUCTION)
    rng = random.Random(seed)
    anchor = anchor or timezone.localdate()
    ids = _Ids.for_seed(seed)
    now = timezone.now()
    first_id = _Ids.for_seed(seed)()
    if Workspace.objects.filter(pk=first_id).exists():
        return SeedResult(0, 0, 0, first_id, created=False)

    password_hash = make_password(staff_password)
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

        # The session tables are the big ones: their rows are written straight in COPY's text
        # format (every value below is an id, a number, a timestamp or a constant escaped once),
        # in chunks, without their secondary indexes and foreign keys when the load is big.
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
        ]
        follow_columns = ["id", "created_at", "updated_at", "workspace_id", "session_id", "due_date", "note"]
        sessions: list[str] = []
        links: list[str] = []
        consults: list[str] = []
        follows: list[str] = []

        def flush(force: bool = False) -> None:
            if force or len(sessions) + len(consults) >= CHUNK_ROWS:
                _copy_lines(Session._meta.db_table, session_columns, sessions)
                _copy_lines(SessionService._meta.db_table, link_columns, links)
                _copy_lines(NutritionSession._meta.db_table, consult_columns, consults)
                _copy_lines(FollowUp._meta.db_table, follow_columns, follows)
                if progress:
                    progress(len(sessions) + len(consults))
                sessions.clear(), links.clear(), consults.clear(), follows.clear()

        now_ = str(now)
        session_names = [_escape("جلسة"), _escape("Session")]
        topics = [_escape(topic) for topic in TOPICS]
        private, shared = _escape("ملاحظات خاصة"), _escape("Shared notes")
        link, room = _escape("https://meet.example.com/demo"), _escape("Room 2")
        follow_note = _escape("Check progress / متابعة التقدم")
        spans: dict[tuple, tuple[str, str, str]] = {}  # (day, start, minutes, tz) -> instants, end time

        def span(day: dt.date, start: dt.time, minutes: int, tz: str) -> tuple[str, str, str]:
            key = (day, start, minutes, tz)
            if key not in spans:
                starts_at, ends_at = booking_span(day=day, start_time=start, duration_minutes=minutes, tz_name=tz)
                spans[key] = (str(starts_at), str(ends_at), end_clock(start, minutes).isoformat())
            return spans[key]

        big = _worth_rebuilding(Session, workspaces * sessions_per_workspace)
        with _secondary_structures_dropped(
            [Session, SessionService, NutritionSession, FollowUp], enabled=big, stage=stage
        ):
            for ws_id, tz, staff, clients, services in plan:
                slots_needed = -(-sessions_per_workspace // len(staff))
                days = max(28, -(-slots_needed // SLOTS_PER_DAY))
                first_day = anchor - dt.timedelta(days=days // 2)
                head = f"{now_}\t{now_}\t{ws_id}\t"
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
                        starts_at, ends_at, end = span(day, start, minutes, tz)
                        status = rng.choice(["completed", "completed", "cancelled"]) if past else "scheduled"
                        session_id = ids()
                        name = session_names[0] if rng.random() < 0.5 else session_names[1]
                        sessions.append(
                            f"{session_id}\t{head}{member}\t{starts_at}\t{ends_at}\t{name}\t{client}\t{day}\t"
                            f"{start}\t{end}\t{minutes}\t{status}\t[]\n"
                        )
                        for position, (service_id, _m) in enumerate(chosen):
                            links.append(f"{ids()}\t{head}{session_id}\t{service_id}\t{position}\n")
                        counts["sessions"] += 1
                    else:
                        minutes = rng.choice([30, 45, 60])
                        starts_at, ends_at, end = span(day, start, minutes, tz)
                        kind = rng.choice(["online", "in_person"])
                        status = rng.choice(["completed", "no_show", "cancelled"]) if past else "scheduled"
                        consult_id = ids()
                        topic = rng.choice(topics)
                        where = f"{link}\t\\N" if kind == "online" else f"\\N\t{room}"
                        consults.append(
                            f"{consult_id}\t{head}{member}\t{starts_at}\t{ends_at}\t{client}\t{kind}\t{status}\t"
                            f"{day}\t{start}\t{end}\t{minutes}\t{topic}\t{private}\t{shared}\t{where}\n"
                        )
                        if rng.random() < 0.3:
                            follows.append(
                                f"{ids()}\t{head}{consult_id}\t{day + dt.timedelta(days=14)}\t{follow_note}\n"
                            )
                        counts["consultations"] += 1
                    flush()
            flush(force=True)
        if big:  # the planner's statistics now, rather than whenever autovacuum comes by
            if stage:
                stage("statistics")
            with connection.cursor() as cursor:
                for model in (
                    Workspace,
                    User,
                    Membership,
                    Client,
                    Service,
                    Session,
                    SessionService,
                    NutritionSession,
                    FollowUp,
                ):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")

        if admin_email and plan:
            admin = User.objects.filter(email__iexact=admin_email).first()
            if admin is None:
                admin = User.objects.create_superuser(email=admin_email, password=admin_password, name="Demo Admin")
            Membership.objects.update_or_create(
                workspace_id=plan[0][0], user=admin, defaults={"role": "owner", "is_active": True}
            )
    return SeedResult(len(plan), counts["sessions"], counts["consultations"], plan[0][0] if plan else None, True)
