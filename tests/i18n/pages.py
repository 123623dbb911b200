"""What a person reads on a page, and the project's own English labels to look for in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.utils import translation

#: attributes a person reads (tooltips, placeholders, button captions, alt texts)
READABLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1
        for name, value in attrs:
            if value and (name in READABLE_ATTRIBUTES or (name == "value" and tag == "input" and _is_button(attrs))):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _is_button(attrs) -> bool:
    return dict(attrs).get("type") in {"submit", "button", "reset"}


def visible_text(html: str) -> str:
    """The page's text nodes and readable attributes, one per line (no markup, no scripts)."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def project_app_configs() -> list:
    """The apps whose code is this repository's (not Django's, not a dependency's)."""
    base = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            found.append(config)
    return found


def _choices(field) -> list:
    labels = []
    for _value, label in getattr(field, "flatchoices", None) or []:
        labels.append(label)
    return labels


def admin_labels(model, *, change_form: bool) -> set[str]:
    """The English of every project label a changelist (or change form) of ``model`` shows.

    Model names, the names of every registered project model and app (the sidebar and the
    breadcrumbs), the list's column headers, filter titles and actions, the fields' labels,
    help texts and choices, and fieldset titles.
    """
    model_admin = admin.site._registry[model]
    texts: list = []
    with translation.override("en"):
        for registered in admin.site._registry:
            if registered._meta.app_config in project_app_configs():
                texts += [registered._meta.verbose_name_plural, registered._meta.app_config.verbose_name]
        texts += [model._meta.verbose_name, model._meta.verbose_name_plural]
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False):
                texts += [field.verbose_name, field.help_text, *_choices(field)]
        if change_form:
            form = model_admin.get_form(admin_request(), None)
            for form_field in form.base_fields.values():
                texts += [form_field.label, form_field.help_text, *_choices(form_field)]
            for title, _options in model_admin.get_fieldsets(admin_request(), None):
                texts.append(title)
        else:
            for name in model_admin.list_display:
                texts.append(label_for_field(name, model, model_admin))
            for spec in model_admin.list_filter:
                if isinstance(spec, type):  # a SimpleListFilter; field filters show the field's name
                    texts.append(spec.title)
            for _func, _name, description in model_admin._get_base_actions():
                texts.append(description)
        english = {str(text).strip() for text in texts if text}
    return {text for text in english if _is_project_string(text)}


def _is_project_string(text: str) -> bool:
    # "%(verbose_name_plural)s" action descriptions are formatted by the admin: the fixed words
    # are what counts; strings without a letter (such as "—") say nothing either way
    return bool(re.search("[A-Za-z]", text))


def admin_request():
    from django.test import RequestFactory

    from tests import factories

    request = RequestFactory().get("/admin/")
    request.user = factories.UserFactory.build(is_staff=True, is_superuser=True)
    return request


def english_left_in(text: str, labels: set[str]) -> list[str]:
    """The labels found in ``text`` as whole words, ignoring case (Django capitalises labels)."""
    found = []
    for label in labels:
        pattern = re.escape(label).replace("%\\(verbose_name_plural\\)s", ".*?")
        if re.search(rf"(?<![\w]){pattern}(?![\w])", text, flags=re.IGNORECASE):
            found.append(label)
    return sorted(found)
