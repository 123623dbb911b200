"""The bases every ModelAdmin and inline of the project derive from, and what they may not redefine."""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404

from workspaces.admin_scope.access import admin_access
from workspaces.admin_scope.filters import declared_lookups, filter_path, first_part, scoped_filter
from workspaces.admin_scope.forms import scoped_form_class, strip_fieldsets
from workspaces.ids import is_object_id
from workspaces.models import Membership
from workspaces.tenancy import OwnOr

#: the admin's own permissions; any other a bulk action asks for (``permissions=["retry"]``) is
#: declared as a key of the admin's ``permissions``
ADMIN_PERMISSIONS = ("view", "add", "change", "delete")


class ScopedChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        # filters and a ModelAdmin's own get_search_results may add rows (an OR): scope them again
        queryset = super().get_queryset(request, exclude_parameters)
        return admin_access(request).scope(queryset)


#: what a ModelAdmin may not define: the scoping and the checks are the base's
GUARDED = frozenset(
    {
        "get_queryset",
        "get_object",
        "_get_obj_does_not_exist_redirect",
        "has_view_permission",
        "has_add_permission",
        "has_change_permission",
        "has_delete_permission",
        "has_view_or_change_permission",
        "has_module_permission",
        "lookup_allowed",
        "to_field_allowed",
        "get_changelist",
        "get_changelist_instance",
        "get_form",
        "get_fieldsets",
        "get_list_filter",
        "get_search_fields",
        "get_inline_instances",
        "_filter_actions_by_permissions",
    }
)
#: what an inline may not define
GUARDED_INLINE = frozenset(
    {
        "get_queryset",
        "has_view_permission",
        "has_add_permission",
        "has_change_permission",
        "has_delete_permission",
        "get_formset",
        "get_fieldsets",
    }
)


def _refuse_guarded(cls, guarded: frozenset[str], base: type) -> None:
    # the class itself and every mixin placed before the base in its MRO (a mixin's get_queryset
    # would win over the base's as surely as the class's own)
    before = cls.__mro__[: cls.__mro__.index(base)]
    overridden = sorted({name for klass in before for name in guarded & set(vars(klass))})
    if overridden:
        raise ImproperlyConfigured(
            f"{cls.__qualname__} must not define {', '.join(overridden)}: workspace scoping and the role checks "
            f"belong to {base.__name__} (declare `permissions`, `private_fields`, or use the `rows` hook)."
        )


def member_of(obj) -> str | None:
    """The member an object belongs to, for :class:`~workspaces.tenancy.OwnOr`: a membership
    itself, or a row with a ``membership`` (working hours, time off)."""
    if isinstance(obj, Membership):
        return obj.pk
    return getattr(obj, "membership_id", None)


class ScopedAdminMixin:
    """What ModelAdmins and inlines share: the role table and private fields."""

    #: admin permission ("view", "add", "change", "delete", or a bulk action's own) -> permission
    #: of the role table; a missing key is refused to everyone, ``None`` (SUPERUSERS_ONLY) is for
    #: superusers alone, ``OwnOr(permission)`` lets every member act on their own rows (a
    #: membership, or a row of one: see :func:`member_of`) and holders of the permission on any
    permissions: dict[str, str | OwnOr | None] = {}
    #: fields only roles holding a permission may read: ``{field: permission}``
    private_fields: dict[str, str] = {}

    def rows(self, request, queryset: QuerySet) -> QuerySet:
        """Hook: annotate or narrow the rows (the scope is applied after it, so it cannot widen them)."""
        return queryset

    def declared_permissions(self) -> dict[str, str | OwnOr | None]:
        return self.permissions

    def allows(self, request, action: str, obj=None) -> bool:
        declared = self.declared_permissions()
        if action not in declared:
            return False
        access = admin_access(request)
        permission = declared[action]
        if isinstance(permission, OwnOr):
            if not access.allows(permission.permission):
                # their own only (without an object: whether they may act on some row, their own)
                own = access.current is not None and (obj is None or member_of(obj) == access.current.pk)
                return own and access.covers(obj)
            permission = permission.permission
        return access.allows(permission) and access.covers(obj)

    def hidden_fields(self, request) -> frozenset[str]:
        """The private fields this user may not read."""
        access = admin_access(request)
        return frozenset(name for name, permission in self.private_fields.items() if not access.allows(permission))

    def _scoped_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return admin_access(request).scope(self.rows(request, queryset))


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Base of every ModelAdmin of the project (the admin site refuses any other)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _refuse_guarded(cls, GUARDED, ScopedModelAdmin)

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # a bulk action's own permission (``@admin.action(permissions=["retry"])``) is a key of
        # ``permissions`` too: its ``has_retry_permission`` asks the role table like the others
        for name in self.declared_permissions().keys() - set(ADMIN_PERMISSIONS):
            setattr(self, f"has_{name}_permission", partial(self._allows_action, name))

    def _allows_action(self, name: str, request) -> bool:
        return self.allows(request, name)

    # -- rows and objects -------------------------------------------------------------------

    def get_queryset(self, request):
        return self._scoped_queryset(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        if from_field is None and not is_object_id(object_id) and self.model._meta.pk.name == "id":
            return None
        return super().get_object(request, object_id, from_field)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # unknown, or another workspace's: the same 404 (never "perhaps it was deleted" and a redirect)
        raise Http404

    # -- the role table ---------------------------------------------------------------------

    def has_view_permission(self, request, obj=None):
        return self.allows(request, "view", obj) or self.allows(request, "change", obj)

    def has_add_permission(self, request):
        return self.allows(request, "add")

    def has_change_permission(self, request, obj=None):
        return self.allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.allows(request, "delete", obj)

    def has_view_or_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request) or self.has_add_permission(request)

    def _filter_actions_by_permissions(self, request, actions):
        # as Django does (an action needs any one of its permissions), but an action that declares
        # none is the platform's (superusers'), not everyone's
        def allowed(func) -> bool:
            needed = getattr(func, "allowed_permissions", None)
            if needed is None:
                return admin_access(request).is_superuser
            return any(getattr(self, f"has_{name}_permission")(request) for name in needed)

        return [action for action in actions if allowed(action[0])]

    # -- forms ------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        return strip_fieldsets(super().get_fieldsets(request, obj), self.hidden_fields(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        hidden = self.hidden_fields(request)
        if "fields" in kwargs and kwargs["fields"] is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name not in hidden]
        form = super().get_form(request, obj, change=change, **kwargs)
        return scoped_form_class(form, access=admin_access(request), hidden=hidden, model_admin=self)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if not isinstance(inline, ScopedInlineMixin):
                raise ImproperlyConfigured(
                    f"{type(inline).__qualname__} must derive from ScopedTabularInline or ScopedStackedInline."
                )
        return inlines

    # -- the list ---------------------------------------------------------------------------

    def _member_view(self, request) -> bool:
        return not admin_access(request).is_superuser

    def get_list_filter(self, request):
        hidden = self.hidden_fields(request)
        member = self._member_view(request)
        kept = []
        for item in super().get_list_filter(request):
            path = filter_path(item)
            if path is not None and (first_part(path) in hidden or (member and first_part(path) == "workspace")):
                continue  # a member works in one workspace: no workspace filter
            kept.append(scoped_filter(self.model, item))
        return kept

    def get_search_fields(self, request):
        hidden = self.hidden_fields(request)
        return [name for name in super().get_search_fields(request) if first_part(name) not in hidden]

    def lookup_allowed(self, lookup, value, request=None):
        # only what the list's own filters read: ?notes_private__startswith= and any other
        # lookup on a field (hidden or not) is refused with a 400
        if request is None:
            return False
        return lookup in declared_lookups(self.model, self.get_list_filter(request), self.date_hierarchy)

    def to_field_allowed(self, request, to_field):
        return to_field in {None, "", self.model._meta.pk.attname, self.model._meta.pk.name}

    def get_changelist(self, request, **kwargs):
        return ScopedChangeList

    def get_changelist_instance(self, request):
        hidden = self.hidden_fields(request)
        dropped = hidden | ({"workspace"} if self._member_view(request) else frozenset())
        list_display = [name for name in self.get_list_display(request) if name not in dropped]
        list_display_links = self.get_list_display_links(request, list_display)
        if list_display_links:
            list_display_links = [name for name in list_display_links if name in list_display] or list_display[:1]
        if self.get_actions(request):
            list_display = ["action_checkbox", *list_display]
        sortable_by = self.get_sortable_by(request)
        if sortable_by is not None:
            sortable_by = [name for name in sortable_by if name not in dropped]
        return ScopedChangeList(
            request,
            self.model,
            list_display,
            list_display_links,
            self.get_list_filter(request),
            self.date_hierarchy,
            self.get_search_fields(request),
            self.get_list_select_related(request),
            self.list_per_page,
            self.list_max_show_all,
            self.list_editable,
            self,
            sortable_by,
            self.search_help_text,
        )


class ScopedInlineMixin(ScopedAdminMixin):
    """Base of every inline: its rows, its form's choices and its permissions, scoped.

    Without ``permissions`` of its own an inline follows its parent: viewing the parent lets
    one view its rows; changing the parent lets one add, change and delete them.
    """

    permissions: dict[str, str | OwnOr | None] | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _refuse_guarded(cls, GUARDED_INLINE, ScopedInlineMixin)

    def declared_permissions(self) -> dict[str, str | OwnOr | None]:
        if self.permissions is not None:
            return self.permissions
        parent = self.admin_site.get_model_admin(self.parent_model).declared_permissions()
        derived = {}
        if "view" in parent:
            derived["view"] = parent["view"]
        if "change" in parent:
            derived.update(add=parent["change"], change=parent["change"], delete=parent["change"])
        return derived

    def get_queryset(self, request):
        return self._scoped_queryset(request, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return self.allows(request, "view", obj) or self.allows(request, "change", obj)

    def has_add_permission(self, request, obj=None):
        return self.allows(request, "add", obj)

    def has_change_permission(self, request, obj=None):
        return self.allows(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self.allows(request, "delete", obj)

    def get_fieldsets(self, request, obj=None):
        return strip_fieldsets(super().get_fieldsets(request, obj), self.hidden_fields(request))

    def get_formset(self, request, obj=None, **kwargs):
        hidden = self.hidden_fields(request)
        if kwargs.get("fields") is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name not in hidden]
        formset = super().get_formset(request, obj, **kwargs)
        form = scoped_form_class(formset.form, access=admin_access(request), hidden=hidden, model_admin=self)
        return type(formset.__name__, (formset,), {"form": form})


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedInlineMixin, admin.StackedInline):
    pass


def unscoped_inlines(admin_class) -> list:
    """The inlines of ``admin_class`` that are not scoped."""
    return [inline for inline in getattr(admin_class, "inlines", ()) if not issubclass(inline, ScopedInlineMixin)]
