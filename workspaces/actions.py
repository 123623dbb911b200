"""Write logic of the tenant core: keyword-only, typed, each in one transaction."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from config.api.errors import Conflict
from workspaces.models import Client, Membership, User, Workspace
from workspaces.roles import Role

CLIENT_HAS_SESSIONS = _("This client has sessions and cannot be deleted.")


@transaction.atomic
def workspace_create(
    *, name: str, owner_email: str, owner_password: str | None = None, timezone: str = "UTC"
) -> Workspace:
    workspace = Workspace(name=name, timezone=timezone)
    workspace.full_clean()
    workspace.save()
    membership_add(workspace=workspace, email=owner_email, password=owner_password, role=Role.OWNER)
    return workspace


@transaction.atomic
def membership_add(
    *, workspace: Workspace, email: str, role: str, password: str | None = None, name: str = ""
) -> Membership:
    """Add (or reactivate, with a new role) a member; creates the user when the email is new.

    A password given is held to Django's validators (400 ``weak_password`` on ``password``)."""
    from workspaces.accounts.actions import password_validate, user_set_password

    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        if password:
            password_validate(password=password, user=User(email=email, name=name))
        user = User.objects.create_user(email=email, password=password, name=name)
    elif password:
        user_set_password(user=user, password=password)
    membership, _created = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role, "is_active": True}
    )
    return membership


@transaction.atomic
def workspace_set_subscription(*, workspace: Workspace, expires_at: datetime | None) -> Workspace:
    workspace.subscription_expires_at = expires_at
    workspace.save(update_fields=["subscription_expires_at", "updated_at"])
    return workspace


def client_create(*, workspace: Workspace, **fields) -> Client:
    return Client.objects.create(workspace=workspace, **fields)


def client_update(*, client: Client, **fields) -> Client:
    for name, value in fields.items():
        setattr(client, name, value)
    client.save()
    return client


def client_delete(*, client: Client) -> None:
    """A client with sessions of either kind cannot be deleted (409): their records stay whole."""
    from django.db.models import ProtectedError, RestrictedError

    try:
        client.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise Conflict(CLIENT_HAS_SESSIONS, code="client_has_sessions") from exc
