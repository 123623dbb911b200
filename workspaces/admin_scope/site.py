"""The back office's admin site (``admin.site``): every member signs in, nothing is registered
unscoped, and every page runs in the member's workspace and its time zone.

- **Who signs in**: an active superuser, or an active member of an active workspace, with their
  email and password; Django's staff flag plays no part (:meth:`BackOfficeSite.has_permission`
  and the login form's ``confirm_login_allowed`` ask :func:`workspaces.admin_scope.admin_access`).
  What each may see and do then is the role table's, through :class:`ScopedModelAdmin`.
- **Registration**: a project model registered with an admin that is not a
  :class:`~workspaces.admin_scope.ScopedModelAdmin` (or with an unscoped inline) is refused at
  start-up (``ImproperlyConfigured`` from the admin's autodiscovery). A third-party app's admin
  (Django's groups) is registered for superusers only.
- **Pages of the site**: the workspace switch (``admin:switch_workspace``), the pages other apps
  add with :meth:`BackOfficeSite.add_page` (the calendar), a scoped autocomplete; no "View site"
  link and no ``r/`` shortcut (no model has a public page).
- **Time zone**: every admin page is rendered in the current workspace's zone (UTC for
  superusers, who see every workspace), which the header names.
"""

from __future__ import annotations

import re
from functools import lru_cache, update_wrapper
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models.base import ModelBase
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from workspaces.admin_scope.access import WORKSPACE_COOKIE, admin_access, live_workspace, user_access
from workspaces.admin_scope.bases import ScopedModelAdmin, unscoped_inlines

PRODUCT_NAME = _("Practice management")
BACK_OFFICE = _("Back office")
#: how long the header's workspace choice is remembered
WORKSPACE_COOKIE_AGE = 365 * 24 * 3600


def is_project_model(model) -> bool:
    """Whether ``model`` is this repository's (not Django's, not a dependency's)."""
    app_path = Path(model._meta.app_config.path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return app_path.is_relative_to(base) and not {"site-packages", ".venv"} & set(app_path.parts)


class PlatformOnlyAdmin:
    """Mixed into a third-party app's admin (Django's groups): for superusers only."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if admin_access(request).is_superuser else queryset.none()

    def has_view_permission(self, request, obj=None):
        return admin_access(request).is_superuser

    def has_add_permission(self, request, *args):
        return admin_access(request).is_superuser

    def has_change_permission(self, request, obj=None):
        return admin_access(request).is_superuser

    def has_delete_permission(self, request, obj=None):
        return admin_access(request).is_superuser

    def has_module_permission(self, request):
        return admin_access(request).is_superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # (members see no row of it: never "perhaps it was deleted" and a redirect)


@lru_cache(maxsize=8)
def member_login_form(base: type[AuthenticationForm]) -> type[AuthenticationForm]:
    """``base`` (Django's admin login form, or the one set as ``login_form``) asking the back
    office who may sign in, instead of Django's staff flag."""

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # an inactive user: Django's message
        if not user_access(user).may_enter:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )

    return type(base.__name__, (base,), {"confirm_login_allowed": confirm_login_allowed, "__module__": __name__})


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete answers from the chosen model's admin (scoped), scoped once more after its search."""

    def get_queryset(self):
        return admin_access(self.request).scope(super().get_queryset())


class BackOfficeSite(admin.AdminSite):
    site_header = PRODUCT_NAME
    site_title = PRODUCT_NAME
    index_title = BACK_OFFICE
    site_url = None  # no "View site": nothing public is served here
    # no navigation sidebar: the index and the breadcrumbs lead everywhere, and every list keeps
    # the page's width (every changelist fits 1400 px without a cut column)
    enable_nav_sidebar = False

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        self._login_form = None
        self._pages: list[tuple[str, object, str]] = []

    # -- registration ---------------------------------------------------------------------------

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        scoped = isinstance(admin_class, type) and issubclass(admin_class, ScopedModelAdmin)
        if not scoped or unscoped_inlines(admin_class):
            mine = [model.__name__ for model in models if is_project_model(model)]
            if mine:
                offender = getattr(admin_class, "__qualname__", "ModelAdmin")
                raise ImproperlyConfigured(
                    f"{offender} (for {', '.join(mine)}) must derive from workspaces.admin_scope.ScopedModelAdmin, "
                    "and its inlines from ScopedTabularInline or ScopedStackedInline: the back office is scoped "
                    "by workspace and role (README, Back office)."
                )
            base = admin_class or admin.ModelAdmin
            admin_class = type(f"PlatformOnly{base.__name__}", (PlatformOnlyAdmin, base), {"__module__": __name__})
        super().register(models, admin_class, **options)

    def add_page(self, route: str, view, name: str) -> None:
        """A page of the back office at ``/admin/<route>`` (signed in, in the workspace's zone)."""
        self._pages = [page for page in self._pages if page[2] != name] + [(route, view, name)]

    # -- signing in -------------------------------------------------------------------------------

    def has_permission(self, request):
        return admin_access(request).may_enter

    @property
    def login_form(self):
        return member_login_form(self._login_form or AdminAuthenticationForm)

    @login_form.setter
    def login_form(self, form) -> None:
        self._login_form = form

    # -- every page -------------------------------------------------------------------------------

    def each_context(self, request):
        context = super().each_context(request)
        context["backoffice"] = admin_access(request)
        return context

    def get_log_entries(self, request):
        # the index's "Recent actions" name objects: a superuser's own; a member's could name
        # those of a workspace they no longer work in (switched, or its subscription expired)
        entries = super().get_log_entries(request)
        return entries if admin_access(request).is_superuser else entries.none()

    def admin_view(self, view, cacheable=False):
        def in_workspace_zone(request, *args, **kwargs):
            with timezone.override(admin_access(request).zone):
                response = view(request, *args, **kwargs)
                if callable(getattr(response, "render", None)) and not response.is_rendered:
                    response = response.render()  # rendered here, still in the zone
            return response

        return super().admin_view(update_wrapper(in_workspace_zone, view), cacheable)

    def get_urls(self):
        own = [path("workspace/", self.admin_view(self.switch_workspace), name="switch_workspace")]
        own += [path(route, self.admin_view(view), name=name) for route, view, name in self._pages]
        # no "r/<content type>/<id>/" shortcut: it would look objects up outside the scope
        return own + [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]

    def autocomplete_view(self, request):
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)

    # -- the workspace a member works in ------------------------------------------------------------

    def switch_workspace(self, request):
        """POST ``workspace`` (one of the user's live workspaces): work there from now on."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        membership = live_workspace(request, request.POST.get("workspace", ""))
        if membership is None:
            raise Http404
        response = HttpResponseRedirect(self._section_of(request, request.POST.get("next", "")))
        response.set_cookie(
            WORKSPACE_COOKIE,
            membership.workspace_id,
            max_age=WORKSPACE_COOKIE_AGE,
            path=reverse("admin:index", current_app=self.name),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def _section_of(self, request, next_url: str) -> str:
        """Where to go after a switch: the list (or page) the user was on, never an object of the
        workspace they left."""
        index = reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            return index
        route = urlparse(next_url).path
        if not route.startswith(index):
            return index
        parts = [part for part in route[len(index) :].split("/") if part]
        if len(parts) >= 2 and re.fullmatch(r"[a-z_]+", parts[0]) and re.fullmatch(r"[a-z_]+", parts[1]):
            return f"{index}{parts[0]}/{parts[1]}/"
        if parts and any(parts[0] == page_route.strip("/") for page_route, _view, _name in self._pages):
            return f"{index}{parts[0]}/"
        return index
