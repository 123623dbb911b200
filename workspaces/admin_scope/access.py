"""Who is asking, once per request: a superuser (every workspace) or a member, the workspace they
work in (one at a time, one of their live workspaces) and their role there."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from workspaces.models import Membership, User, Workspace

#: the cookie that remembers a member's current workspace (an id, checked on every request)
WORKSPACE_COOKIE = "backoffice_workspace"
SUPERUSERS_ONLY = None

EXPIRED_NOTICE = _("The subscription of %(workspaces)s has expired: its data is not shown until it is renewed.")
TWO_FACTOR_NOTICE = _(
    "%(workspaces)s requires two-factor authentication: its data is not shown until you turn it on for your account."
)


# --------------------------------------------------------------------------------------------
# Who is asking
# --------------------------------------------------------------------------------------------


class AdminAccess:
    """What the signed-in user may reach in the back office, for one request.

    Their memberships are read at first use, in one query (a superuser's pages rarely need them).
    """

    def __init__(self, user, wanted_workspace: str | None = None):
        self.user = user
        self.signed_in = user is not None and user.is_authenticated and user.is_active
        self.is_superuser = self.signed_in and user.is_superuser
        self._wanted = wanted_workspace

    @cached_property
    def memberships(self) -> tuple[Membership, ...]:
        """Active memberships in active workspaces (live or expired), with their workspace, by name."""
        if not self.signed_in:
            return ()
        return tuple(Membership.objects.workspaces_of(self.user))

    @property
    def may_enter(self) -> bool:
        """Signs in to the admin: an active superuser, or an active member of an active workspace."""
        return self.is_superuser or (self.signed_in and bool(self.memberships))

    @cached_property
    def live(self) -> tuple[Membership, ...]:
        """The memberships the user may work in, as the API lets them: the workspace's subscription
        is live, and the user has two-factor on when the workspace requires it."""
        return tuple(
            m for m in self.memberships if not m.workspace.subscription_expired and not self._lacks_two_factor(m)
        )

    @property
    def expired(self) -> tuple[Membership, ...]:
        return tuple(m for m in self.memberships if m.workspace.subscription_expired)

    @property
    def without_two_factor(self) -> tuple[Membership, ...]:
        """Live workspaces the user may not work in until they turn two-factor on."""
        return tuple(m for m in self.memberships if not m.workspace.subscription_expired and self._lacks_two_factor(m))

    def _lacks_two_factor(self, membership: Membership) -> bool:
        return membership.workspace.require_two_factor and not self.user.two_factor_enabled

    @cached_property
    def current(self) -> Membership | None:
        """The membership a member works in: the one they chose when it is live, else their first
        live one by name; None for superusers (every workspace) and for members with none live."""
        if self.is_superuser or not self.live:
            return None
        return next((m for m in self.live if m.workspace_id == self._wanted), self.live[0])

    @property
    def workspace(self) -> Workspace | None:
        return self.current.workspace if self.current is not None else None

    @property
    def zone(self) -> str:
        """The time zone the back office shows times in: the current workspace's, else UTC."""
        return self.workspace.timezone if self.workspace is not None else "UTC"

    @property
    def notice(self) -> str:
        """What a member should know about workspaces not shown (an expired subscription, two-factor
        authentication required and not on)."""
        if self.is_superuser:
            return ""
        notices = [
            str(notice % {"workspaces": ", ".join(m.workspace.name for m in memberships)})
            for notice, memberships in ((EXPIRED_NOTICE, self.expired), (TWO_FACTOR_NOTICE, self.without_two_factor))
            if memberships
        ]
        return " ".join(notices)

    def allows(self, permission: str | None) -> bool:
        """Whether the user holds ``permission`` (a name of the role table) where they work.

        ``None`` (:data:`SUPERUSERS_ONLY`) is held by superusers alone.
        """
        if self.is_superuser:
            return True
        if permission is SUPERUSERS_ONLY or self.current is None:
            return False
        return self.current.has_permission(permission)

    # -- rows -------------------------------------------------------------------------------

    def scope_q(self, model) -> Q | None:
        """The condition a row of ``model`` meets to be shown; None: every row (a superuser)."""
        if self.is_superuser:
            return None
        path = workspace_path(model)
        if path is None or self.current is None:
            return Q(pk__in=[])
        return Q(**{path: self.current.workspace_id})

    def scope(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to what this user may see."""
        condition = self.scope_q(queryset.model)
        return queryset if condition is None else queryset.filter(condition)

    def covers(self, obj) -> bool:
        """Whether ``obj`` (a row, or a historical row) lies in what this user may see."""
        if obj is None or self.is_superuser:
            return True
        if self.current is None:
            return False
        path = workspace_path(type(obj))
        if path == "pk":
            return obj.pk == self.current.workspace_id
        if path == "workspace":
            return getattr(obj, "workspace_id", None) == self.current.workspace_id
        if path is None:
            return False
        return self.scope(type(obj)._default_manager.filter(pk=obj.pk)).exists()


def workspace_path(model) -> str | None:
    """How a row of ``model`` reaches its workspace: a lookup path, or None (no workspace)."""
    if issubclass(model, Workspace):
        return "pk"
    if issubclass(model, User):
        return "memberships__workspace"
    try:
        workspace = model._meta.get_field("workspace")
    except FieldDoesNotExist:
        return None
    if workspace.is_relation and workspace.related_model is Workspace:
        return "workspace"
    return None


def user_access(user, wanted_workspace: str | None = None) -> AdminAccess:
    """``user``'s access to the back office, working in ``wanted_workspace`` when it is one of
    their live workspaces, else in the first of them by name."""
    return AdminAccess(user, wanted_workspace)


def admin_access(request) -> AdminAccess:
    """The signed-in user's access to the back office, read once per request."""
    cached = getattr(request, "_admin_access", None)
    user = getattr(request, "user", None)
    if cached is None or cached.user is not user:  # (a login in this request changes the user)
        cached = user_access(user, request.COOKIES.get(WORKSPACE_COOKIE))
        request._admin_access = cached
    return cached


def live_workspace(request, workspace_id: str) -> Membership | None:
    """The user's membership in ``workspace_id`` when it is one of their live workspaces."""
    return next((m for m in admin_access(request).live if m.workspace_id == workspace_id), None)
