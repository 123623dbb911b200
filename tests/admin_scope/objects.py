"""A workspace holding one object of every model the admin registers, every text marked.

The marker (a word in every name, email, note and topic of the workspace's data) and the ids of
its objects are what the isolation tests look for on pages shown to others: if any of them is
on a page, something leaked.

A new ModelAdmin is covered by the tests that walk the admin's registry; its model needs a line
in :data:`MAKERS` (how to make one of its objects in a workspace), or those tests fail saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from availability import actions as availability_actions
from availability.models import BookingPolicy, TimeOff, WorkingHours
from backoffice import actions as feed_actions
from backoffice.models import CalendarFeed
from billing import actions as billing_actions
from billing.models import BillingSettings, Invoice, Payment
from notifications.models import (
    DeliveryState,
    Email,
    EmailKind,
    EmailState,
    Reminder,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from nutrition.models import NutritionSession
from records import actions as records_actions
from records.models import ConsultationAttachment, Note, SessionAttachment, SessionField, Visibility
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.nutrition.factories import FollowUpFactory, NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.admin_scope import workspace_path
from workspaces.admin_scope.site import is_project_model
from workspaces.models import Client, Membership, User, Workspace
from workspaces.roles import Role

ROLES = [role.value for role in Role]


@dataclass
class Tenant:
    """A workspace, a member of every role, and one object of every registered model."""

    workspace: Workspace
    marker: str
    members: dict[str, Membership]
    objects: dict[type[Model], Model] = field(default_factory=dict)

    def ids(self) -> set[str]:
        found = {self.workspace.pk, *(m.pk for m in self.members.values()), *(m.user_id for m in self.members.values())}
        return found | {str(obj.pk) for obj in self.objects.values()}

    def fingerprint(self) -> dict:
        """Every row of every registered model (and of every model made here: inlines' rows) in
        this workspace, and its history's size."""
        print_ = {}
        for model in dict.fromkeys([*admin.site._registry, *self.objects]):
            path = workspace_path(model)
            if path is None:
                continue
            rows = model._default_manager.filter(**{path: self.workspace.pk}).order_by("pk").values()
            print_[model._meta.label] = [dict(row) for row in rows]
            if hasattr(model, "history"):
                print_[f"{model._meta.label}.history"] = model.history.filter(workspace_id=self.workspace.pk).count()
        return print_


def _client(tenant: Tenant) -> Client:
    return factories.ClientFactory(
        workspace=tenant.workspace,
        name=f"{tenant.marker} client",
        email=f"client@{tenant.marker.lower()}.example",
        phone="+20 100 000 0001",
        notes=f"{tenant.marker} client notes",
    )


def _service(tenant: Tenant) -> Service:
    return factories.ServiceFactory(
        workspace=tenant.workspace, name=f"{tenant.marker} service", description=f"{tenant.marker} description"
    )


def _session(tenant: Tenant) -> Session:
    return SessionFactory(
        workspace=tenant.workspace,
        client=tenant.objects[Client],
        staff=tenant.members[Role.SPECIALIST],
        name=f"{tenant.marker} session",
        date=dt.date(2024, 1, 15),
        start_time=dt.time(10),
        services=[tenant.objects[Service]],
        field_values=[{"fieldKey": "note", "value": f"{tenant.marker} value", "phase": "pre"}],
    )


def _consultation(tenant: Tenant) -> NutritionSession:
    consultation = NutritionSessionFactory(
        workspace=tenant.workspace,
        client=tenant.objects[Client],
        staff=tenant.members[Role.SPECIALIST],
        date=dt.date(2024, 1, 16),
        start_time=dt.time(11),
        topic=f"{tenant.marker} topic",
        notes_private=f"{tenant.marker} private notes",
        notes_shared=f"{tenant.marker} shared notes",
        location=f"{tenant.marker} room",
    )
    FollowUpFactory(session=consultation, note=f"{tenant.marker} follow-up")
    return consultation


def _feed(tenant: Tenant) -> CalendarFeed:
    feed, _token = feed_actions.calendar_feed_create(membership=tenant.members[Role.OWNER])
    return feed


# -- session records: a custom field, a shared note and shared attachments of both kinds --------------

#: a PDF's bytes, as an upload is judged by them
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def _session_field(tenant: Tenant) -> SessionField:
    # the key the session's field value uses: its page edits it through the definition
    return records_actions.session_field_create(
        workspace=tenant.workspace, key="note", label=f"{tenant.marker} note", type="text", phase="pre"
    )


def _note(tenant: Tenant) -> Note:
    return records_actions.note_add(
        session=tenant.objects[Session],
        body=f"{tenant.marker} shared note",
        visibility=Visibility.SHARED,
        author=tenant.members[Role.SPECIALIST],
    )


def _attachment(booking_model):
    def make(tenant: Tenant):
        return records_actions.attachment_add(
            booking=tenant.objects[booking_model],
            file=SimpleUploadedFile(f"{tenant.marker}-report.pdf", PDF, content_type="application/pdf"),
            visibility=Visibility.SHARED,
            uploaded_by=tenant.members[Role.SPECIALIST],
        )

    return make


# -- availability: the specialist's working hours and time off, the workspace's policy --------------


def _working_hours(tenant: Tenant) -> WorkingHours:
    specialist = tenant.members[Role.SPECIALIST]
    availability_actions.working_hours_set(membership=specialist, intervals=[(1, 9 * 60, 17 * 60)])
    return WorkingHours.objects.get(membership=specialist)


def _time_off(tenant: Tenant) -> TimeOff:
    return availability_actions.time_off_add(
        membership=tenant.members[Role.SPECIALIST],
        starts_at=dt.datetime(2024, 1, 17, 8, tzinfo=dt.UTC),
        ends_at=dt.datetime(2024, 1, 17, 16, tzinfo=dt.UTC),
        reason=f"{tenant.marker} leave",
    )


def _booking_policy(tenant: Tenant) -> BookingPolicy:
    return availability_actions.booking_policy_update(workspace=tenant.workspace, min_notice_minutes=30)


# -- billing: settings, an issued invoice of the session, a payment of part of it ---------------------


def _billing_settings(tenant: Tenant) -> BillingSettings:
    return billing_actions.billing_settings_update(
        workspace=tenant.workspace, legal_name=f"{tenant.marker} Clinic LLC", address=f"{tenant.marker} street 1"
    )


def _invoice(tenant: Tenant) -> Invoice:
    draft = billing_actions.invoice_draft_for_session(session=tenant.objects[Session])
    draft = billing_actions.invoice_update(invoice=draft, note=f"{tenant.marker} invoice note")
    return billing_actions.invoice_issue(invoice=draft)


def _payment(tenant: Tenant) -> Payment:
    return billing_actions.payment_record(
        invoice=tenant.objects[Invoice], amount=Decimal("10.00"), method="cash", reference=f"{tenant.marker} ref"
    )


# -- notifications: a failed email, a reminder, a webhook endpoint and a failed delivery ---------------


def _email(tenant: Tenant) -> Email:
    session = tenant.objects[Session]
    return Email.objects.create(
        workspace=tenant.workspace,
        kind=EmailKind.CONFIRMATION,
        state=EmailState.FAILED,
        booking_kind="session",
        booking_id=session.pk,
        history_id=session.pk,
        to=tenant.objects[Client].email,
        language="en",
        subject=f"{tenant.marker} subject",
        body=f"{tenant.marker} body",
        attempts=3,
        last_error=f"{tenant.marker} refused",
    )


def _reminder(tenant: Tenant) -> Reminder:
    session = tenant.objects[Session]
    return Reminder.objects.create(
        workspace=tenant.workspace,
        booking_kind="session",
        booking_id=session.pk,
        hours=24,
        due_at=session.starts_at - dt.timedelta(hours=24),
        email=tenant.objects[Email],
    )


def _webhook_endpoint(tenant: Tenant) -> WebhookEndpoint:
    # (written as is: the action would resolve the host, and these hosts do not exist)
    return WebhookEndpoint.objects.create(
        workspace=tenant.workspace,
        url=f"https://{tenant.marker.lower()}.example/hooks",
        events=["session.created"],
        secret=f"whsec_{tenant.marker}",
    )


def _webhook_delivery(tenant: Tenant) -> WebhookDelivery:
    session = tenant.objects[Session]
    event = WebhookEvent.objects.create(
        workspace=tenant.workspace,
        type="session.created",
        object_kind="session",
        object_id=session.pk,
        history_id=session.pk,
        door="api",
        data=f'{{"name": "{tenant.marker} session"}}',
        occurred_at=dt.datetime(2024, 1, 10, 9, tzinfo=dt.UTC),
    )
    delivery = WebhookDelivery.objects.create(
        workspace=tenant.workspace,
        endpoint=tenant.objects[WebhookEndpoint],
        event=event,
        state=DeliveryState.FAILED,
        attempt_count=1,
        last_status_code=500,
    )
    tenant.objects[WebhookAttempt] = WebhookAttempt.objects.create(
        workspace=tenant.workspace,
        delivery=delivery,
        attempted_at=dt.datetime(2024, 1, 10, 9, 1, tzinfo=dt.UTC),
        status_code=500,
        error=f"{tenant.marker} server error",
    )
    return delivery


#: model -> how to make one of its objects in a tenant (in this order: later ones use earlier ones)
MAKERS: dict[type[Model], Callable[[Tenant], Model]] = {
    Workspace: lambda tenant: tenant.workspace,
    User: lambda tenant: tenant.members[Role.OWNER].user,
    Membership: lambda tenant: tenant.members[Role.OWNER],
    Client: _client,
    Service: _service,
    Session: _session,
    NutritionSession: _consultation,
    CalendarFeed: _feed,
    SessionField: _session_field,
    Note: _note,
    SessionAttachment: _attachment(Session),
    ConsultationAttachment: _attachment(NutritionSession),
    WorkingHours: _working_hours,
    TimeOff: _time_off,
    BookingPolicy: _booking_policy,
    BillingSettings: _billing_settings,
    Invoice: _invoice,
    Payment: _payment,
    Email: _email,
    Reminder: _reminder,
    WebhookEndpoint: _webhook_endpoint,
    WebhookDelivery: _webhook_delivery,
}


def make_tenant(name: str, marker: str, *, expired: bool = False) -> Tenant:
    workspace = factories.WorkspaceFactory(name=f"{marker} {name}", timezone="Europe/Berlin")
    if expired:
        workspace.subscription_expires_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        workspace.save()
    members = {
        role: factories.MembershipFactory(
            workspace=workspace,
            role=role,
            user=factories.UserFactory(name=f"{marker} {role}", email=f"{role}@{marker.lower()}.example"),
        )
        for role in ROLES
    }
    tenant = Tenant(workspace=workspace, marker=marker, members=members)
    for model, make in MAKERS.items():
        tenant.objects[model] = make(tenant)
    # (a dependency's admin, the job queue's, is the platform's: no workspace, superusers only)
    missing = [
        model._meta.label for model in admin.site._registry if model not in tenant.objects and is_project_model(model)
    ]
    assert not missing, (
        f"no object made for {missing}: add a maker to tests/admin_scope/objects.py (MAKERS), so that the "
        "back office's isolation tests cover the new ModelAdmin"
    )
    return tenant
