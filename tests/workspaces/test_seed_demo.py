from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from nutrition.models import NutritionSession
from services.models import Service
from sessions.models import Session
from workspaces.models import Client, User, Workspace

pytestmark = pytest.mark.django_db


def seed(**options) -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", "--allow-production", stdout=out, **options)  # tests run with DEBUG off
    return json.loads(out.getvalue())


def snapshot() -> list[tuple]:
    return list(
        Session.objects.order_by("id").values_list("id", "client__name", "staff_id", "date", "start_time", "status")
    )


def test_seed_loads_both_kinds_with_arabic_and_english_names():
    result = seed(workspaces=2, sessions_per_workspace=100, seed=3)
    assert result["created"] is True
    assert result["sessions"] + result["consultations"] == 200
    assert Workspace.objects.count() == 2
    assert Session.objects.count() == result["sessions"] > 0
    assert NutritionSession.objects.count() == result["consultations"] > 0
    names = list(Client.objects.values_list("name", flat=True))
    assert any("\u0600" <= ch <= "\u06ff" for name in names for ch in name)
    assert any(name.isascii() for name in names)
    for workspace in Workspace.objects.all():
        colors = list(Service.objects.filter(workspace=workspace).values_list("color", flat=True))
        assert len(colors) == len(set(colors)) >= 5
    # a month around today
    today = dt.date.today()
    dates = Session.objects.values_list("date", flat=True)
    assert min(dates) <= today <= max(dates)


def test_same_seed_gives_same_data_and_a_second_run_does_nothing():
    seed(workspaces=1, sessions_per_workspace=60, seed=11)
    first = snapshot()
    assert seed(workspaces=1, sessions_per_workspace=60, seed=11)["created"] is False
    assert snapshot() == first
    Session.objects.all().delete()
    NutritionSession.objects.all().delete()
    Service.objects.all().delete()
    Client.objects.all().delete()
    Workspace.objects.all().delete()
    User.objects.all().delete()
    seed(workspaces=1, sessions_per_workspace=60, seed=11)
    assert snapshot() == first


def test_seeded_staff_are_never_double_booked():
    seed(workspaces=2, sessions_per_workspace=300, seed=5)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH spans AS (
                SELECT staff_id, starts_at, ends_at FROM appointments_session WHERE status <> 'cancelled'
                UNION ALL
                SELECT staff_id, starts_at, ends_at FROM nutrition_nutritionsession
                WHERE status NOT IN ('cancelled', 'no_show')
            )
            SELECT count(*) FROM spans a JOIN spans b
              ON a.staff_id = b.staff_id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
             AND (a.starts_at, a.ends_at) <> (b.starts_at, b.ends_at)
            """
        )
        assert cursor.fetchone()[0] == 0


def test_admin_is_created_and_owns_the_first_workspace():
    result = seed(workspaces=1, sessions_per_workspace=5, admin_email="boss@example.com", admin_password="pw-123456")
    admin = User.objects.get(email="boss@example.com")
    assert admin.is_superuser and admin.check_password("pw-123456")
    assert admin.memberships.get().workspace_id == result["firstWorkspaceId"]


# --- demo accounts in production (contract: refused with DEBUG off unless --allow-production) ----


def test_with_debug_off_seed_demo_refuses_to_run_without_allow_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", "--workspaces", "1", "--sessions-per-workspace", "5", stdout=StringIO())
    assert not Workspace.objects.exists()
    assert not User.objects.exists()
    # and the loader itself refuses, whoever calls it
    from django.core.exceptions import ImproperlyConfigured

    from demo.seed import demo_seed

    with pytest.raises(ImproperlyConfigured):
        demo_seed(workspaces=1, sessions_per_workspace=5)


def test_allowed_in_production_the_demo_accounts_get_random_passwords_printed_once(settings, api_client):
    settings.DEBUG = False
    first = seed(workspaces=1, sessions_per_workspace=5, admin_email="boss@example.com")

    staff_password, admin_password = first["staffPassword"], first["adminPassword"]
    assert len(staff_password) >= 20 and len(admin_password) >= 20 and staff_password != admin_password
    assert staff_password not in {"demo-pass-1234", "admin-demo-pass"}
    owner = User.objects.get(email="owner0.w0.s1@demo.example")
    assert owner.check_password(staff_password) and not owner.check_password("demo-pass-1234")
    assert User.objects.get(email="boss@example.com").check_password(admin_password)
    login = {"email": "boss@example.com", "password": "admin-demo-pass"}
    assert api_client.post("/api/v1/auth/token", login, format="json").status_code == 401

    # a second run does not (cannot) show them again
    again = seed(workspaces=1, sessions_per_workspace=5, admin_email="boss@example.com")
    assert again["created"] is False
    assert again["staffPassword"] is None and again["adminPassword"] is None


def test_a_weak_admin_password_is_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--admin-password"):
        seed(workspaces=1, sessions_per_workspace=5, admin_email="boss@example.com", admin_password="1")
    assert not Workspace.objects.exists()


def test_in_development_every_start_prints_the_admin_login_and_the_first_workspace(settings):
    # what scripts/serve shows on each start (DEBUG=1): loaded the first time, reported after
    settings.DEBUG = True
    for _start in range(2):
        out = StringIO()
        call_command(
            "seed_demo",
            "--if-empty",
            "--no-progress",
            "--workspaces",
            "1",
            "--sessions-per-workspace",
            "5",
            "--admin-email",
            "admin@example.com",
            stdout=out,
        )
        text = out.getvalue()
        workspace = Workspace.objects.order_by("created_at", "id").first()
        assert f"First workspace: {workspace.pk}" in text
        assert "Log in at /admin/ as admin@example.com / admin-demo-pass" in text
        assert "demo-pass-1234" in text
    assert Workspace.objects.count() == 1
