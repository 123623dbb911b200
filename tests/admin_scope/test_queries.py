"""The scoping costs one query a page (the user's memberships), never one a row; no list of the
back office costs more with many rows than with one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.admin_scope.conftest import browser_for
from tests.admin_scope.objects import MAKERS, Tenant
from tests.sessions.factories import SessionFactory
from workspaces.admin_scope.site import is_project_model
from workspaces.errors import DomainError
from workspaces.models import Membership, User, Workspace
from workspaces.roles import Role

pytestmark = pytest.mark.django_db


def _sessions(workspace, specialist, client, service, count: int) -> None:
    for n in range(count):
        SessionFactory(
            workspace=workspace,
            client=client,
            staff=specialist,
            date=dt.date(2024, 1, 1) + dt.timedelta(days=n),
            services=[service],
        )


@pytest.mark.parametrize("count", [1, 30])
def test_a_members_session_list_runs_the_same_queries_for_one_row_or_many(
    workspace, other_workspace, count, django_assert_num_queries
):
    # Queries: 1 the session, 2 the user, 3 the user's memberships with their workspaces (who may
    # enter, where they work and their role: nothing else decides), 4 the "By service" filter's
    # services of the workspace, 5 the "By staff member" filter's members with sessions (their
    # users and workspace joined), 6 the rows' count, 7 the page of sessions (client, staff, user,
    # workspace joined; the services' names as one array), 8-9 the date hierarchy's first and last
    # dates, and its days
    specialist = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    client = factories.ClientFactory(workspace=workspace)
    service = factories.ServiceFactory(workspace=workspace)
    _sessions(workspace, specialist, client, service, count)
    for _n in range(count // 10):  # more staff members in the filter too
        _sessions(workspace, factories.MembershipFactory(workspace=workspace), client, service, 1)
    factories.ServiceFactory(workspace=other_workspace)  # another workspace's: not in the filter
    browser = browser_for(specialist.user)
    browser.get("/admin/appointments/session/")  # (the content types, cached after the first page)
    with django_assert_num_queries(9):
        response = browser.get("/admin/appointments/session/")
    assert response.context["cl"].result_count == count + count // 10


def test_every_list_runs_the_same_queries_for_one_row_or_many(world):
    # given every list of the product with one row of workspace A (objects.py), as A's owner ...
    browser = browser_for(world.a.members[Role.OWNER].user)
    urls = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if is_project_model(model)
    ]

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            browser.get(url)  # (what is cached after a first page)
            with CaptureQueriesContext(connection) as queries:
                status = browser.get(url).status_code
            if status == 200:  # (users are the platform's: a 403 for an owner)
                found[url] = len(queries)
        return found

    one = counts()
    # ... when each maker runs three more times in A (those a workspace has one of stay one)
    for copy in range(3):
        more = Tenant(workspace=world.a.workspace, marker=f"COPY{copy}", members=world.a.members)
        more.objects.update(world.a.objects)
        for model, make in MAKERS.items():
            if model in (Workspace, User, Membership):
                continue
            try:
                with transaction.atomic():
                    more.objects[model] = make(more)
            except (IntegrityError, DomainError):  # one of a kind in a workspace (a field's key)
                continue
    # then every list costs what it cost with one row
    assert counts() == one
    assert len(one) >= len(urls) - 1
