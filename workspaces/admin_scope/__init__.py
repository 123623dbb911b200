"""The one mechanism that scopes the back office (the Django admin) by workspace and role.

The admin is every member's, scoped like the API (contract, "The back office is every member's"):

- :func:`admin_access` (``access.py``) reads, once per request, who is asking: a superuser (who sees every
  workspace) or a member, with their active memberships in active workspaces. A member works in
  **one workspace at a time**, the *current* one: chosen in the header, remembered in a cookie,
  always one of their *live* workspaces (active membership, active workspace, subscription not
  expired). Every page shows that workspace's rows only, and the member's role there decides what
  they may do, through the API's role table (:mod:`workspaces.roles`).
- :class:`ScopedModelAdmin` (``bases.py``: every ModelAdmin of the project) and :class:`ScopedTabularInline` /
  :class:`ScopedStackedInline` (every inline) apply it to querysets, objects (another workspace's
  is a 404), permissions, every form's choices (each ``ModelChoiceField``, whoever built it),
  list filters and their choices, the list's query string (only the filters the list declares),
  search, sorting and private fields (``forms.py``, ``filters.py``). A subclass declares ``permissions`` (and
  ``private_fields``) and may not redefine the methods that do the scoping (``GUARDED``).
- The admin site (:mod:`workspaces.admin_scope.site`) refuses to register an admin without it, lets
  every member sign in, and scopes autocomplete, the calendar, the dashboard and history pages.
"""

from workspaces.admin_scope.access import (
    SUPERUSERS_ONLY,
    WORKSPACE_COOKIE,
    AdminAccess,
    admin_access,
    live_workspace,
    user_access,
    workspace_path,
)
from workspaces.admin_scope.bases import (
    GUARDED,
    GUARDED_INLINE,
    ScopedAdminMixin,
    ScopedChangeList,
    ScopedInlineMixin,
    ScopedModelAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    unscoped_inlines,
)
from workspaces.admin_scope.filters import (
    ScopedAllValuesFieldListFilter,
    ScopedChoicesFilter,
    ScopedRelatedFieldListFilter,
    ScopedRelatedOnlyFieldListFilter,
)
from workspaces.admin_scope.forms import ScopedFormMixin, scoped_form_class

__all__ = [
    "GUARDED",
    "GUARDED_INLINE",
    "SUPERUSERS_ONLY",
    "WORKSPACE_COOKIE",
    "AdminAccess",
    "ScopedAdminMixin",
    "ScopedAllValuesFieldListFilter",
    "ScopedChangeList",
    "ScopedChoicesFilter",
    "ScopedFormMixin",
    "ScopedInlineMixin",
    "ScopedModelAdmin",
    "ScopedRelatedFieldListFilter",
    "ScopedRelatedOnlyFieldListFilter",
    "ScopedStackedInline",
    "ScopedTabularInline",
    "admin_access",
    "live_workspace",
    "scoped_form_class",
    "unscoped_inlines",
    "user_access",
    "workspace_path",
]
