from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from nutrition.models import NutritionSession
from services.models import Service
from sessions.models import Session
from workspaces.models import Client, User, Workspace

pytestmark = pytest.mark.django_db


def seed(**options) -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out, **options)
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
