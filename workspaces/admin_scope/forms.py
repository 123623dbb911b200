"""Every admin form (and inline form): its choices scoped, private fields left out, a member's
workspace fixed."""

from __future__ import annotations

from django import forms

from workspaces.admin_scope.access import AdminAccess
from workspaces.models import Workspace


class ScopedFormMixin:
    """Mixed into every admin form (and inline form): after the form built its fields, every
    ``ModelChoiceField`` is narrowed to the user's rows, and a member's ``workspace`` is theirs."""

    admin_access: AdminAccess

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = self.admin_access
        for form_field in self.fields.values():
            if isinstance(form_field, forms.ModelChoiceField):
                form_field.queryset = access.scope(form_field.queryset)
        workspace = self.fields.get("workspace")
        if workspace is not None and not access.is_superuser and isinstance(workspace, forms.ModelChoiceField):
            # a member adds rows to the workspace they work in: shown, never chosen
            current = access.workspace
            workspace.queryset = Workspace.objects.filter(pk=current.pk if current else None)
            workspace.disabled = True
            workspace.widget = forms.Select()
            workspace.widget.choices = workspace.choices
            self.initial["workspace"] = current.pk if current else None


def scoped_form_class(form_class, *, access: AdminAccess, hidden: frozenset[str], **attrs):
    """``form_class`` with :class:`ScopedFormMixin` and without the ``hidden`` fields."""
    scoped = type(
        form_class.__name__,
        (ScopedFormMixin, form_class),
        {"admin_access": access, "__module__": form_class.__module__, **attrs},
    )
    if hidden:
        scoped.base_fields = {name: f for name, f in scoped.base_fields.items() if name not in hidden}
        scoped.declared_fields = {name: f for name, f in scoped.declared_fields.items() if name not in hidden}
    return scoped


def strip_fieldsets(fieldsets, hidden: frozenset[str]):
    if not hidden:
        return fieldsets
    stripped = []
    for title, options in fieldsets:
        names = []
        for entry in options.get("fields", ()):
            if isinstance(entry, (list, tuple)):
                line = tuple(name for name in entry if name not in hidden)
                if line:
                    names.append(line)
            elif entry not in hidden:
                names.append(entry)
        stripped.append((title, {**options, "fields": names}))
    return stripped
