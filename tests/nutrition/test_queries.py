"""Query counts of the list and detail endpoints stay flat as rows and follow-ups grow."""

from __future__ import annotations

import datetime as dt

import pytest

from nutrition.models import FollowUp, NutritionSession
from tests import factories
from tests.nutrition.conftest import consultation_url, nutrition_url
from workspaces.timezones import local_span

pytestmark = pytest.mark.django_db


def bulk_consultations(workspace, count: int, follow_ups_each: int) -> list[NutritionSession]:
    """``count`` consultations (each its own slot) with ``follow_ups_each`` follow-ups, in few queries."""
    client = factories.ClientFactory(workspace=workspace)
    staff = factories.MembershipFactory(workspace=workspace)
    sessions = []
    for i in range(count):
        day, start = dt.date(2024, 1, 1) + dt.timedelta(days=i // 8), dt.time(8 + i % 8)
        starts_at, ends_at = local_span(day, start, 60, workspace.timezone)
        sessions.append(
            NutritionSession(
                workspace=workspace,
                client=client,
                staff=staff,
                type="online",
                date=day,
                start_time=start,
                end_time=dt.time(9 + i % 8),
                duration_minutes=60,
                starts_at=starts_at,
                ends_at=ends_at,
                notes_private="p",
            )
        )
    NutritionSession.objects.bulk_create(sessions)
    FollowUp.objects.bulk_create(
        FollowUp(workspace=workspace, session=s, due_date=dt.date(2024, 6, 1 + n), note=f"n{n}")
        for s in sessions
        for n in range(follow_ups_each)
    )
    return sessions


# Queries of a list request (and of a detail request):
#   1. the caller's membership joined with its workspace and their user (authentication, tenancy)
#   2. the consultations of the page (the detail: the one consultation) as rows, each with its
#      follow-ups as one JSON array built by PostgreSQL (nutrition.selectors.nutrition_rows)
LIST_QUERIES = 2
DETAIL_QUERIES = 2


@pytest.mark.parametrize("count", [10, 200])
def test_list_query_count_is_flat(owner, workspace, django_assert_num_queries, count):
    bulk_consultations(workspace, count, follow_ups_each=2)
    with django_assert_num_queries(LIST_QUERIES):
        response = owner.get(nutrition_url(workspace))
    assert response.status_code == 200
    sessions = response.json()["sessions"]
    assert len(sessions) == count and all(len(s["followUps"]) == 2 for s in sessions)
    assert all(s["notesPrivate"] == "p" for s in sessions)


@pytest.mark.parametrize("count", [10, 200])
def test_a_page_of_the_list_has_the_same_count(owner, workspace, django_assert_num_queries, count):
    bulk_consultations(workspace, count, follow_ups_each=1)
    with django_assert_num_queries(LIST_QUERIES):
        response = owner.get(nutrition_url(workspace), {"limit": 5, "dateFrom": "2024-01-01"})
    assert response.status_code == 200 and len(response.json()["sessions"]) == 5


@pytest.mark.parametrize("follow_ups", [1, 30])
def test_detail_query_count_is_flat(owner, workspace, django_assert_num_queries, follow_ups):
    (session,) = bulk_consultations(workspace, 1, follow_ups_each=follow_ups)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = owner.get(consultation_url(workspace, session))
    assert response.status_code == 200
    assert len(response.json()["session"]["followUps"]) == follow_ups
