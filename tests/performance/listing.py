"""The sessions the benchmark's contenders are checked against the API on (bench/floor.py, bench/drf.py)."""

from __future__ import annotations

import datetime as dt

from billing.actions import invoice_draft_for_session, invoice_issue
from tests import factories
from tests.records.factories import NoteFactory, SessionAttachmentFactory
from tests.sessions.factories import SessionFactory

#: the range the sessions below are listed by
LISTED = {"dateFrom": "2024-01-15", "dateTo": "2024-01-18"}


def listed_sessions(workspace) -> list:
    """Sessions with and without staff, with ordered services and custom fields, one without
    services, one invoiced (issued), notes and attachments (shared and private, 6 of each, by a
    member with a name and one without), and another workspace's session on the same days."""
    staff = factories.MembershipFactory(workspace=workspace, user=factories.UserFactory(name=""))
    services = [factories.ServiceFactory(workspace=workspace) for _ in range(3)]
    made = [
        SessionFactory(
            workspace=workspace,
            staff=staff if i % 2 else None,
            services=services[i % 3 :] or services,
            date=dt.date(2024, 1, 15) + dt.timedelta(days=i % 5),
            start_time=dt.time(8 + i % 9),
            field_values=[{"fieldKey": "k", "value": i, "phase": "pre"}] if i % 3 else [],
        )
        for i in range(12)
    ]
    SessionFactory(workspace=workspace, date=dt.date(2024, 1, 16))  # no services
    invoice_issue(invoice=invoice_draft_for_session(session=made[1]))
    named = factories.MembershipFactory(workspace=workspace)
    for session, author in ((made[1], staff), (made[1], named), (made[3], named)):
        for visibility in ("shared", "private"):
            NoteFactory(session=session, author=author, visibility=visibility)
            SessionAttachmentFactory(booking=session, uploaded_by=author, visibility=visibility)
    SessionFactory(workspace=factories.WorkspaceFactory(), date=dt.date(2024, 1, 16))  # another workspace's
    return made
