"""Admin pages asked for in Arabic come right to left, with every project label in Arabic."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.utils import translation
from django.utils.functional import Promise

from nutrition.models import NutritionSession
from services.models import Service
from sessions.models import Session
from tests import factories
from tests.i18n.pages import admin_labels, admin_request, english_left_in, project_app_configs, visible_text
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.models import Client
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

ARABIC = re.compile("[\u0600-\u06ff]")
RTL_ROOT = '<html lang="ar" dir="rtl">'


@pytest.fixture
def world(db):
    """Data in Arabic only, so any English on the page comes from the code, not the data."""
    workspace = factories.WorkspaceFactory(name="عيادة النور", timezone="Africa/Cairo")
    user = factories.UserFactory(name="د. سلمى", email="salma@example.com")
    staff = factories.MembershipFactory(workspace=workspace, user=user, role=Role.SPECIALIST)
    client = factories.ClientFactory(workspace=workspace, name="مريم خالد", email="m@example.com", phone="0100")
    service = factories.ServiceFactory(workspace=workspace, name="جلسة علاج طبيعي", description="وصف", color="#3B82F6")
    session = SessionFactory(workspace=workspace, client=client, staff=staff, name="متابعة أسبوعية", services=[service])
    consultation = NutritionSessionFactory(
        workspace=workspace,
        client=client,
        staff=staff,
        topic="خطة غذائية",
        notes_private="خاص",
        notes_shared="مشترك",
        date=dt.date(2024, 1, 21),
    )
    return {"session": session, "service": service, "consultation": consultation, "client": client}


@pytest.fixture
def admin_http(db) -> HttpClient:
    superuser = factories.UserFactory(is_staff=True, is_superuser=True, name="مدير النظام", email="root@example.com")
    http = HttpClient()
    http.force_login(superuser)
    return http


def arabic_page(http: HttpClient, url: str) -> str:
    response = http.get(url, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200, url
    assert response["Content-Language"] == "ar"
    return response.content.decode()


PAGES = {
    "sessions list": (Session, False, lambda w: "/admin/appointments/session/"),
    "session form": (Session, True, lambda w: f"/admin/appointments/session/{w['session'].pk}/change/"),
    "session add form": (Session, True, lambda w: "/admin/appointments/session/add/"),
    "services list": (Service, False, lambda w: "/admin/services/service/"),
    "service form": (Service, True, lambda w: f"/admin/services/service/{w['service'].pk}/change/"),
    "consultations list": (NutritionSession, False, lambda w: "/admin/nutrition/nutritionsession/"),
    "consultation form": (
        NutritionSession,
        True,
        lambda w: f"/admin/nutrition/nutritionsession/{w['consultation'].pk}/change/",
    ),
    "clients list": (Client, False, lambda w: "/admin/workspaces/client/"),
    "client form": (Client, True, lambda w: f"/admin/workspaces/client/{w['client'].pk}/change/"),
}


@pytest.mark.parametrize("page", PAGES)
def test_page_in_arabic_is_right_to_left_with_no_project_string_left_in_english(admin_http, world, page):
    model, change_form, url = PAGES[page]
    labels = admin_labels(model, change_form=change_form)
    assert len(labels) > 10  # the check below really has something to look for
    # given a browser that asks for Arabic; when it opens the page
    html = arabic_page(admin_http, url(world))
    # then the page is Arabic and right to left
    assert RTL_ROOT in html
    text = visible_text(html)
    assert ARABIC.search(text)
    # and none of the project's labels, choices, help texts or titles it shows is in English
    assert english_left_in(text, labels) == []


def test_the_same_page_in_english_shows_those_labels_so_the_check_can_fail(admin_http, world):
    # the Arabic test's counterpart: the English page does contain the English labels it looks for
    response = admin_http.get(f"/admin/appointments/session/{world['session'].pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    found = english_left_in(visible_text(html), admin_labels(Session, change_form=True))
    assert {"client", "services", "staff member", "status", "Scheduled", "start time"} <= set(found)


def test_status_choices_and_field_labels_read_in_arabic(admin_http, world):
    html = arabic_page(admin_http, f"/admin/appointments/session/{world['session'].pk}/change/")
    for arabic in ("مجدولة", "قيد التنفيذ", "مكتملة", "ملغاة", "العميل", "عضو الطاقم", "وقت البدء", "المدة (بالدقائق)"):
        assert arabic in html


def project_models():
    return [model for config in project_app_configs() for model in config.get_models()]


#: fields Django names after the field itself and no page shows (the session-service link table
#: has no admin of its own and is edited only through the session's services)
NOT_SHOWN = {
    ("appointments", "sessionservice", "session"),
    ("appointments", "sessionservice", "service"),
}


def _declared_by_the_project(model, field) -> bool:
    # django-simple-history adds history_* fields of its own to the historical models
    if field.name.startswith("history_") and model._meta.app_label == "history":
        return False
    return (model._meta.app_label, model._meta.model_name, field.name) not in NOT_SHOWN


def test_every_model_field_label_help_text_and_choice_has_an_arabic_translation():
    untranslated = []
    for model in project_models():
        texts = [model._meta.verbose_name, model._meta.verbose_name_plural, model._meta.app_config.verbose_name]
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False) and _declared_by_the_project(model, field):
                texts += [field.verbose_name, field.help_text, *(label for _v, label in field.flatchoices or [])]
        for text in texts:
            with translation.override("en"):
                english = str(text or "")
            with translation.override("ar"):
                arabic = str(text or "")
            if re.search("[A-Za-z]", english) and (arabic == english or not ARABIC.search(arabic)):
                untranslated.append(f"{model._meta.label}: {english!r}")
    assert not untranslated, untranslated


def _marked(text) -> bool:
    return text is None or text == "" or isinstance(text, Promise)


def test_every_label_the_project_admins_declare_is_marked_for_translation():
    # given every ModelAdmin of the project: its column headers, filter titles, fieldset titles,
    # actions, and the labels and help texts of the form fields it declares itself
    unmarked = []
    request = admin_request()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_config not in project_app_configs():
            continue
        where = f"{type(model_admin).__name__}"
        for name in model_admin.list_display:
            attribute = getattr(model_admin, name, None) if isinstance(name, str) else name
            if callable(attribute) and not _marked(getattr(attribute, "short_description", None)):
                unmarked.append(f"{where}.{name} description")
        for spec in model_admin.list_filter:
            if isinstance(spec, type) and not _marked(getattr(spec, "title", None)):
                unmarked.append(f"{where} filter {spec.__name__}")
        for title, _options in model_admin.get_fieldsets(request, None):
            if not _marked(title):
                unmarked.append(f"{where} fieldset {title!r}")
        for _func, name, description in model_admin._get_base_actions():
            if not _marked(description):
                unmarked.append(f"{where} action {name}")
        form = model_admin.get_form(request, None)
        for name, field in form.declared_fields.items():
            if not (_marked(field.label) and _marked(field.help_text)):
                unmarked.append(f"{where} form field {name}")
    # then each is a lazy translation (so it is in the catalog, and shown in the user's language)
    assert not unmarked, unmarked


def test_app_list_and_sidebar_name_every_project_app_in_arabic(admin_http):
    html = arabic_page(admin_http, "/admin/")
    shown = 0
    for config in project_app_configs():
        if any(model._meta.app_config is config for model in admin.site._registry):
            with translation.override("ar"):
                assert str(config.verbose_name) in html, config.label
            shown += 1
    assert shown >= 4
