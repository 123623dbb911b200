"""Every admin page of the project: filters and search on every list, autocomplete wherever a
client, staff member or service is chosen, a history for every recorded model."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin, RelatedFieldWidgetWrapper
from django.forms import ModelChoiceField
from django.test import Client as BrowserClient
from django.test import RequestFactory

from history.admin import HistoryAdmin
from history.models import RECORDED
from services.models import Service
from tests import factories
from tests.nutrition.factories import NutritionSessionFactory
from tests.sessions.factories import SessionFactory
from workspaces.models import Client, Membership, User

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"workspaces", "services", "appointments", "nutrition", "availability", "backoffice", "notifications"}
#: what "clients, staff and services" are in the database
CHOSEN_BY_AUTOCOMPLETE = (Client, Membership, Service)


def project_admins():
    return [(model, ma) for model, ma in admin.site._registry.items() if model._meta.app_label in PROJECT_APPS]


@pytest.fixture
def root_user(db):
    return User.objects.create_superuser(email="root@example.com", password="root-pass-123")


@pytest.fixture
def request_of(root_user):
    request = RequestFactory().get("/admin/")
    request.user = root_user
    return request


@pytest.mark.parametrize(("model", "model_admin"), project_admins(), ids=lambda x: getattr(x, "__name__", ""))
def test_every_list_has_filters_search_and_joined_references(model, model_admin, request_of):
    assert model_admin.get_list_filter(request_of), f"{model.__name__}: no list filters"
    assert model_admin.get_search_fields(request_of), f"{model.__name__}: no search"
    shown_relations = [
        name
        for name in model_admin.get_list_display(request_of)
        if isinstance(name, str) and name in {f.name for f in model._meta.fields if f.is_relation}
    ]
    if shown_relations:
        assert model_admin.list_select_related, f"{model.__name__}: {shown_relations} shown without a join"


def _widgets(model_admin, request, obj=None):
    form = model_admin.get_form(request, obj)()
    for name, field in form.fields.items():
        yield name, field
    for inline in model_admin.get_inline_instances(request, obj):
        formset = inline.get_formset(request, obj)()
        for name, field in formset.form.base_fields.items():
            yield f"{inline.model.__name__}.{name}", field


@pytest.mark.parametrize(("model", "model_admin"), project_admins(), ids=lambda x: getattr(x, "__name__", ""))
def test_clients_staff_and_services_are_chosen_by_autocomplete(model, model_admin, request_of):
    for name, field in _widgets(model_admin, request_of):
        if not isinstance(field, ModelChoiceField) or field.queryset.model not in CHOSEN_BY_AUTOCOMPLETE:
            continue
        widget = field.widget.widget if isinstance(field.widget, RelatedFieldWidgetWrapper) else field.widget
        assert isinstance(widget, AutocompleteMixin), f"{model.__name__}.{name} is a plain {type(widget).__name__}"


@pytest.mark.parametrize("model", list(RECORDED), ids=lambda m: m.__name__)
def test_every_recorded_model_with_an_admin_has_a_history_page(model):
    model_admin = admin.site._registry.get(model)
    if model.__name__ in {"FollowUp", "Note", "SessionAttachment", "ConsultationAttachment"}:
        # edited inline: their history is shown on their session's or consultation's page
        assert model_admin is None
        return
    assert isinstance(model_admin, HistoryAdmin)


def test_change_pages_link_to_the_history(root_user, workspace):
    browser = BrowserClient()
    browser.force_login(root_user)
    client = factories.ClientFactory(workspace=workspace)
    objects = {
        "workspaces/client": client,
        "services/service": factories.ServiceFactory(workspace=workspace),
        "appointments/session": SessionFactory(workspace=workspace, client=client),
        "nutrition/nutritionsession": NutritionSessionFactory(workspace=workspace, client=client),
    }
    for path, obj in objects.items():
        page = browser.get(f"/admin/{path}/{obj.pk}/change/").content.decode()
        assert f"/admin/{path}/{obj.pk}/history/" in page, path
        assert browser.get(f"/admin/{path}/{obj.pk}/history/").status_code == 200, path


def test_follow_up_changes_show_on_their_consultations_history(root_user, workspace, owner):
    consultation = NutritionSessionFactory(workspace=workspace)
    base = f"/api/v1/workspace/{workspace.pk}/nutrition/sessions/{consultation.pk}/follow-ups"
    follow_up_id = owner.post(base, {"dueDate": "2024-02-01", "note": "Weigh in"}, format="json").json()["followUp"][
        "id"
    ]
    assert owner.delete(f"{base}/{follow_up_id}").status_code == 204

    browser = BrowserClient()
    browser.force_login(root_user)
    page = browser.get(f"/admin/nutrition/nutritionsession/{consultation.pk}/history/").content.decode()
    section = page.split('id="related-history-1"', 1)[1]
    assert "History of its follow-ups" in section
    assert section.count('class="history-row history-api"') == 2
    assert "Weigh in" in section and "Deleted" in section and "Created" in section


def test_service_autocomplete_offers_only_services_a_session_may_use(root_user, workspace):
    factories.ServiceFactory(workspace=workspace, name="Massage live")
    factories.ServiceFactory(workspace=workspace, name="Massage paused", is_active=False)
    gone = factories.ServiceFactory(workspace=workspace, name="Massage gone")
    gone.deleted_at = gone.created_at
    gone.save()
    browser = BrowserClient()
    browser.force_login(root_user)

    response = browser.get(
        "/admin/autocomplete/",
        {"app_label": "appointments", "model_name": "session", "field_name": "services", "term": "Massage"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Massage live"]
    # the services list itself still finds all three (deleted ones with the "deleted" filter)
    listed = browser.get("/admin/services/service/", {"q": "Massage", "deleted": "all"})
    assert {s.name for s in listed.context["cl"].result_list} == {"Massage live", "Massage paused", "Massage gone"}


def test_sessions_and_consultations_are_found_by_their_clients_folded_name(root_user, workspace):
    # the clients' search folds Arabic letter variants; so do the sessions' and consultations' searches
    client = factories.ClientFactory(workspace=workspace, name="أحمد إبراهيم")
    SessionFactory(workspace=workspace, client=client, name="Checkup")
    NutritionSessionFactory(workspace=workspace, client=client, topic="Diet")
    browser = BrowserClient()
    browser.force_login(root_user)
    for path in ("appointments/session", "nutrition/nutritionsession"):
        response = browser.get(f"/admin/{path}/", {"q": "احمد ابراهيم"})
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 1, path


def test_consultations_filter_by_specialist(root_user, workspace):
    specialist = factories.MembershipFactory(workspace=workspace)
    NutritionSessionFactory(workspace=workspace, staff=specialist, topic="With")
    NutritionSessionFactory(workspace=workspace, topic="Without")
    browser = BrowserClient()
    browser.force_login(root_user)
    response = browser.get("/admin/nutrition/nutritionsession/", {"staff__id__exact": specialist.pk})
    assert response.status_code == 200
    assert [s.topic for s in response.context["cl"].result_list] == ["With"]
