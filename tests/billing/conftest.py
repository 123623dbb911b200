"""Fixtures of the billing tests: a practice with a client, priced services and a session."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from billing import actions
from billing.models import Invoice
from tests import factories
from tests.sessions.factories import SessionFactory


def ws_url(workspace, rest: str, prefix: str = "/api/v1") -> str:
    workspace_id = workspace if isinstance(workspace, str) else workspace.pk
    return f"{prefix}/workspace/{workspace_id}/{rest}"


def settings_url(workspace, prefix: str = "/api/v1") -> str:
    return ws_url(workspace, "billing-settings", prefix)


def invoices_url(workspace, prefix: str = "/api/v1") -> str:
    return ws_url(workspace, "invoices", prefix)


def invoice_url(workspace, invoice, rest: str = "", prefix: str = "/api/v1") -> str:
    invoice_id = invoice if isinstance(invoice, str) else invoice.pk
    return ws_url(workspace, f"invoices/{invoice_id}{'/' + rest if rest else ''}", prefix)


def session_invoice_url(workspace, session, prefix: str = "/api/v1") -> str:
    session_id = session if isinstance(session, str) else session.pk
    return ws_url(workspace, f"sessions/{session_id}/invoice", prefix)


@dataclass
class Practice:
    workspace: object
    client: object
    services: list
    session: object
    api: object  # an owner's API client


def make_session(workspace, services, client=None, **kwargs):
    return SessionFactory(
        workspace=workspace, client=client or factories.ClientFactory(workspace=workspace), services=services, **kwargs
    )


@pytest.fixture
def practice(workspace, owner) -> Practice:
    client = factories.ClientFactory(workspace=workspace, name="Amal Haddad")
    services = [
        factories.ServiceFactory(workspace=workspace, name="Massage", price=Decimal("150.00")),
        factories.ServiceFactory(workspace=workspace, name="Checkup", price=Decimal("49.99")),
    ]
    session = make_session(workspace, services, client=client)
    return Practice(workspace=workspace, client=client, services=services, session=session, api=owner)


def draft_for(session) -> Invoice:
    """A draft of the session's services, made by the action (the API's door is tested apart)."""
    session.workspace.refresh_from_db()
    return actions.invoice_draft_for_session(session=session)


def issued_for(session) -> Invoice:
    return actions.invoice_issue(invoice=draft_for(session))
