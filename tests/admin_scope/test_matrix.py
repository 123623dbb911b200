"""The back office's isolation matrix: every admin URL the project registers, driven as each role
of workspace A against objects of A and of B, and as a member of a workspace whose subscription
expired. No page shows anything of another workspace (its marker word or any of its ids), nothing
of another workspace changes, and what a role may view, add, change or delete is the role table's.

The URLs come from the admin's registry (each ModelAdmin's own URLs, its autocomplete fields, its
bulk actions) and from the site (index, app pages, calendar, workspace switch, ...): a ModelAdmin
added later is driven too (its model needs a maker in ``objects.py``, which says so).
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteMixin, RelatedFieldWidgetWrapper
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse

from backoffice.models import CalendarFeed
from records.models import attachment_model_for
from tests.admin_scope.conftest import browser_for
from tests.admin_scope.objects import ROLES, Tenant
from workspaces.admin_scope.site import is_project_model
from workspaces.models import Client
from workspaces.roles import PERMISSION_ROLES
from workspaces.tenancy import OwnOr

pytestmark = pytest.mark.django_db

CALLERS = [*ROLES, "expired"]
USER_TOOLS = re.compile(r'<div id="user-tools">.*?</div>|<li class="warning" id="workspace-notice">.*?</li>', re.S)
#: site pages this test drives (a page added to the site must be added here, or the test fails)
SITE_PAGES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "app_list",
    "switch_workspace",
    "calendar",
}
#: models whose rows a member sees only when they are their own
OWN_ONLY = {CalendarFeed: lambda obj, membership: obj.membership_id == membership.pk}


def registry():
    """The project's admins (a dependency's, the job queue's, is the platform's: see below)."""
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if is_project_model(model)]


def platform_registry():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items() if not is_project_model(model)]


def may(model_admin, role: str | None, action: str) -> bool:
    """What the role table gives ``role`` for the admin's ``action`` (view, add, change, delete, or
    a bulk action's own) on any row (``OwnOr``: only holders of the permission; on their own rows
    members may more, which this matrix does not try: it never writes where it may)."""
    declared = model_admin.declared_permissions()
    permission = declared.get(action, "missing")
    if isinstance(permission, OwnOr):
        permission = permission.permission
    if role is None or permission in (None, "missing"):
        return False
    return role in PERMISSION_ROLES[permission]


class Caller:
    """A member signed in to the admin, and what must never reach them."""

    def __init__(self, membership, role: str | None, forbidden: list[Tenant]):
        self.membership = membership
        self.role = role
        self.browser = browser_for(membership.user)
        self.forbidden = forbidden
        self.words = {word for tenant in forbidden for word in (tenant.marker, tenant.marker.lower())}
        self.ids = {pk for tenant in forbidden for pk in tenant.ids()}
        self.requests = 0

    def leaks(self, response, echoed: tuple[str, ...] = ()) -> list[str]:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        body = USER_TOOLS.sub("", content.decode(errors="replace"))
        for value in echoed:  # what the caller typed, shown back (the search box, links keeping it)
            body = body.replace(value, "")
        return sorted(word for word in self.words | self.ids if word in body)

    def call(self, method: str, url: str, data=None, *, allowed: set[int], echoed: tuple[str, ...] = ()):
        response = getattr(self.browser, method)(url, data or {})
        self.requests += 1
        assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code}, expected {allowed}"
        assert not self.leaks(response, echoed), f"{method.upper()} {url} shows {self.leaks(response, echoed)}"
        return response

    def finds_nothing(self, url: str, params: dict) -> None:
        """A list asked for another workspace's rows: none listed, nothing of theirs shown."""
        response = self.call("get", url, params, allowed={200, 302, 400}, echoed=tuple(params.values()))
        if response.status_code == 200:
            assert response.context["cl"].result_count == 0, (url, params)


def caller_for(world, name: str) -> Caller:
    if name == "expired":  # the owner of X, whose subscription expired: nothing of any workspace
        return Caller(world.x.members["owner"], None, [world.a, world.b, world.x])
    return Caller(world.a.members[name], name, [world.b, world.x])


def version_of(obj) -> str | None:
    history = getattr(type(obj), "history", None)
    record = history.filter(id=obj.pk).order_by("-history_date").first() if history is not None else None
    return record.history_id if record is not None else None


def autocomplete_params(model_admin, root_request) -> list[dict]:
    """The autocomplete requests the admin's add and change forms make (as a superuser sees them)."""
    found = []
    form = model_admin.get_form(root_request, None)()
    fields = list(form.fields.values())
    for inline in model_admin.get_inline_instances(root_request, None):
        fields += list(inline.get_formset(root_request, None)().form.base_fields.values())
    for form_field in fields:
        widget = (
            form_field.widget.widget if isinstance(form_field.widget, RelatedFieldWidgetWrapper) else form_field.widget
        )
        if isinstance(widget, AutocompleteMixin):
            model = widget.field.model
            params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
            found.append({**params, "field_name": widget.field.name})
    return found


def test_the_site_pages_driven_here_are_all_the_site_has():
    site_pages = {url.name for url in admin.site.get_urls() if getattr(url, "name", None)}
    model_pages = {url.name for model_admin in admin.site._registry.values() for url in model_admin.urls if url.name}
    assert site_pages - model_pages == SITE_PAGES


@pytest.mark.parametrize("name", CALLERS)
def test_no_admin_url_shows_or_changes_another_workspace_or_goes_beyond_the_role(world, root, name):
    me = caller_for(world, name)
    a, b = world.a, world.b
    # what the caller once did in the admin, in a workspace now expired (the index lists recent actions)
    LogEntry.objects.log_actions(
        user_id=me.membership.user_id, queryset=[world.x.objects[Client]], action_flag=CHANGE, change_message="x"
    )
    before = {tenant.workspace.pk: tenant.fingerprint() for tenant in (world.a, world.b, world.x)}
    root_request = RequestFactory().get("/admin/")
    root_request.user = root

    for model, model_admin in registry():
        view = may(model_admin, me.role, "view") or may(model_admin, me.role, "change")
        mine, theirs = a.objects[model], b.objects[model]
        own_only = OWN_ONLY.get(model)
        visible = view and (own_only is None or own_only(mine, me.membership))
        for pattern in model_admin.urls:
            if not pattern.name:
                continue  # "<id>/" redirects to the change page, driven below
            kind = pattern.name.rsplit("_", 1)[-1]
            arguments = pattern.pattern.regex.groups
            if arguments == 0:  # the list, the add page
                url = reverse(f"admin:{pattern.name}")
                allowed = may(model_admin, me.role, "add") if kind == "add" else view
                response = me.call("get", url, allowed={200 if allowed else 403})
                if kind == "add" and allowed:
                    # an add page prefilled (as links do) with the other workspace's rows shows none of them
                    prefill = prefilled_with(model, b)
                    me.call("get", url, prefill, allowed={200}, echoed=tuple(prefill.values()))
                if kind == "changelist" and visible:
                    assert f"/{mine.pk}/change/" in response.content.decode(), url  # (A's row is listed)
                if kind == "changelist" and view:
                    # searching or filtering for the other workspace's rows finds nothing of them
                    me.finds_nothing(url, {"q": b.marker})
                    me.finds_nothing(url, {"q": theirs.pk})
                    for param, value in related_filters(model_admin, root_request, b):
                        me.finds_nothing(url, {param: value})
            elif arguments == 1:  # an object's pages: change, delete, history, ...
                needed = {"delete": may(model_admin, me.role, "delete")}.get(kind, view)
                url = reverse(f"admin:{pattern.name}", args=[mine.pk])
                me.call(
                    "get",
                    url,
                    allowed={(200 if visible else 404) if needed else 403}
                    if kind in ("change", "delete")
                    else ({200, 404} if needed else {403, 404}),
                )
                url = reverse(f"admin:{pattern.name}", args=[theirs.pk])
                me.call("get", url, allowed={404 if needed else 403} if kind in ("change", "delete") else {403, 404})
                if kind in ("change", "delete"):
                    # writing to the other workspace's object, or to one's own without the role: refused
                    me.call("post", url, {"post": "yes"}, allowed={403, 404})
                    writes = may(model_admin, me.role, "delete" if kind == "delete" else "change")
                    if not writes:
                        me.call(
                            "post", reverse(f"admin:{pattern.name}", args=[mine.pk]), {"post": "yes"}, allowed={403}
                        )
            elif arguments == 2 and kind == "download":  # an attachment of a booking
                part = attachment_model_for(model)
                for obj, attachment, own in (
                    (mine, a.objects[part], True),
                    (mine, b.objects[part], False),  # (the other workspace's, through one's own booking)
                    (theirs, b.objects[part], False),
                ):
                    url = reverse(f"admin:{pattern.name}", args=[obj.pk, attachment.pk])
                    me.call("get", url, allowed={200} if own and visible else {403, 404})
            elif arguments == 2:  # a past version of an object
                for obj, own in ((mine, True), (theirs, False)):
                    version = version_of(obj)
                    if version is not None:
                        url = reverse(f"admin:{pattern.name}", args=[obj.pk, version])
                        me.call("get", url, allowed={200} if own and visible else {403, 404})

        # autocomplete: only rows of the caller's workspace, whatever the term
        for params in autocomplete_params(model_admin, root_request):
            for term in ("", b.marker, b.marker.lower()):
                response = me.call(
                    "get",
                    "/admin/autocomplete/",
                    {**params, "term": term},
                    allowed={200, 403},
                    echoed=(term,) if term else (),
                )
                if response.status_code == 200:
                    shown = {result["id"] for result in response.json()["results"]}
                    assert not shown & me.ids, (params, shown & me.ids)

        # bulk actions: on the other workspace's rows they change nothing; on A's rows, only with the role
        for action_name in model_admin.get_actions(root_request):
            data = {"action": action_name, ACTION_CHECKBOX_NAME: [theirs.pk], "index": 0, "post": "yes"}
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            me.call("post", url, data, allowed={200, 302, 403})
            func, _name, _description = model_admin.get_actions(root_request)[action_name]
            needed = getattr(func, "allowed_permissions", ())
            if not all(may(model_admin, me.role, permission) for permission in needed):
                me.call("post", url, {**data, ACTION_CHECKBOX_NAME: [mine.pk]}, allowed={200, 302, 403})

    # the site's own pages
    me.call("get", "/admin/", allowed={200})
    for app_label in {model._meta.app_label for model, _ma in registry()}:
        me.call("get", f"/admin/{app_label}/", allowed={200, 404})
    me.call("get", "/admin/calendar/", allowed={200})
    me.call("get", "/admin/calendar/", {"view": "day", "date": "2024-01-15"}, allowed={200})
    staff = b.members["specialist"].pk  # the other workspace's staff member: nothing of theirs
    calendar = me.call(
        "get", "/admin/calendar/", {"date": "2024-01-15", "staff": staff}, allowed={200}, echoed=(staff,)
    )
    if "form" in calendar.context:  # (refused: the calendar shows its own workspace's)
        assert "staff" in calendar.context["form"].errors
    for tenant in me.forbidden:
        me.call(
            "get", "/admin/calendar/", {"workspace": tenant.workspace.pk}, allowed={404}, echoed=(tenant.workspace.pk,)
        )
        me.call("post", "/admin/workspace/", {"workspace": tenant.workspace.pk}, allowed={404})
    me.call("get", "/admin/jsi18n/", allowed={200})
    me.call("get", "/admin/password_change/", allowed={200})
    client_type = ContentType.objects.get_for_model(type(b.objects[next(iter(b.objects))]))
    me.call("get", f"/admin/r/{client_type.pk}/{b.workspace.pk}/", allowed={404}, echoed=(b.workspace.pk,))

    # the platform's admins (a dependency's: the job queue's): nothing of them for any member
    for model, model_admin in platform_registry():
        some = model._default_manager.order_by("pk").first()
        for pattern in model_admin.urls:
            if not pattern.name:
                continue
            arguments = pattern.pattern.regex.groups
            if arguments == 0:
                me.call("get", reverse(f"admin:{pattern.name}"), allowed={403})
            elif arguments == 1:
                url = reverse(f"admin:{pattern.name}", args=[some.pk if some is not None else 1])
                me.call("get", url, allowed={403, 404})
                me.call("post", url, {"post": "yes"}, allowed={403, 404})

    # nothing of any workspace changed
    after = {tenant.workspace.pk: tenant.fingerprint() for tenant in (world.a, world.b, world.x)}
    assert after == before
    assert me.requests > 100
    print(f"\n{name}: {me.requests} requests")


def prefilled_with(model, tenant: Tenant) -> dict[str, str]:
    """Every reference of ``model`` (and a session's services), pointing at ``tenant``'s rows."""
    prefill = {}
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if field.concrete and target in tenant.objects and (field.many_to_one or field.many_to_many):
            prefill[field.name] = str(tenant.objects[target].pk)
    if "services" in prefill:
        prefill["service_list"] = prefill.pop("services")
    return prefill


def related_filters(model_admin, request, tenant: Tenant) -> list[tuple[str, str]]:
    """Each declared filter on a relation, given the other workspace's object of that model."""
    found = []
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type):
            continue
        path = item[0] if isinstance(item, (list, tuple)) else item
        field = model_admin.model._meta.get_field(path.split("__")[0])
        target = getattr(field, "related_model", None)
        if target in tenant.objects:
            found.append((f"{path}__{field.target_field.name}__exact", str(tenant.objects[target].pk)))
    return found


def test_a_superuser_sees_every_workspace_so_the_markers_would_be_seen(world, root):
    # the matrix's detection works: the same pages show B's marker and ids to whoever may see them
    browser = browser_for(root)
    for model, _model_admin in registry():
        theirs = world.b.objects[model]
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[theirs.pk])
        response = browser.get(url)
        assert response.status_code == 200, url
        assert world.b.marker in response.content.decode() or world.b.marker.lower() in response.content.decode()
    assert world.b.marker in browser.get("/admin/workspaces/client/").content.decode()
