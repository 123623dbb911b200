"""The services admin: list with swatch, deleted hidden, the API's validation as form errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone

from services.models import Service
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser():
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    browser = BrowserClient()
    browser.force_login(user)
    return browser


def form_data(workspace, **overrides) -> dict:
    data = {
        "workspace": workspace.pk,
        "name": "Consultation",
        "description": "",
        "duration_minutes": "60",
        "price": "150.00",
        "color": "#3b82f6",
        "scope": "sessions",
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


ADD_URL = reverse("admin:services_service_add")
LIST_URL = reverse("admin:services_service_changelist")


def change_url(service) -> str:
    return reverse("admin:services_service_change", args=[service.pk])


def test_changelist_shows_swatch_duration_price_flag_and_workspace(admin_browser, workspace):
    factories.ServiceFactory(
        workspace=workspace, name="Massage", color="#3B82F6", price=Decimal("75.50"), duration_minutes=47
    )
    response = admin_browser.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Massage" in html
    assert "background:#3B82F6" in html  # the swatch
    assert "75.50" in html and ">47<" in html
    assert workspace.name in html


def test_changelist_escapes_what_it_shows(admin_browser, workspace):
    factories.ServiceFactory(workspace=workspace, name="<script>x</script>")
    html = admin_browser.get(LIST_URL).content.decode()
    assert "<script>x</script>" not in html


def test_deleted_services_are_hidden_by_default_and_listed_on_request(admin_browser, workspace):
    factories.ServiceFactory(workspace=workspace, name="Alive service")
    factories.ServiceFactory(workspace=workspace, name="Gone service", deleted_at=timezone.now())
    default = admin_browser.get(LIST_URL).content.decode()
    assert "Alive service" in default and "Gone service" not in default
    deleted = admin_browser.get(LIST_URL, {"deleted": "yes"}).content.decode()
    assert "Gone service" in deleted and "Alive service" not in deleted
    everything = admin_browser.get(LIST_URL, {"deleted": "all"}).content.decode()
    assert "Gone service" in everything and "Alive service" in everything


def test_filters_and_search_answer(admin_browser, workspace, other_workspace):
    factories.ServiceFactory(workspace=workspace, name="Findme", is_active=False)
    factories.ServiceFactory(workspace=other_workspace, name="Elsewhere")
    assert "Findme" in admin_browser.get(LIST_URL, {"q": "findm"}).content.decode()
    assert "Findme" in admin_browser.get(LIST_URL, {"is_active__exact": "0"}).content.decode()
    by_workspace = admin_browser.get(LIST_URL, {"workspace__id__exact": other_workspace.pk}).content.decode()
    assert "Elsewhere" in by_workspace and "Findme" not in by_workspace


def test_add_normalises_name_and_color(admin_browser, workspace):
    response = admin_browser.post(ADD_URL, form_data(workspace, name="  Physio  ", color="#fff"))
    assert response.status_code == 302, response.content.decode()[:2000]
    service = Service.objects.get(workspace=workspace)
    assert service.name == "Physio"
    assert service.color == "#FFFFFF"
    assert service.price == Decimal("150.00") and service.duration_minutes == 60


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"description": "d" * 1001}, "description"),
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"duration_minutes": "1441"}, "duration_minutes"),
        ({"price": "-0.01"}, "price"),
        ({"price": "1.005"}, "price"),
        ({"color": "#ffff"}, "color"),
        ({"color": "blue"}, "color"),
        ({"scope": "products"}, "scope"),
    ],
)
def test_add_refuses_what_the_api_refuses(admin_browser, workspace, overrides, field):
    response = admin_browser.post(ADD_URL, form_data(workspace, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Service.objects.exists()


def test_name_and_color_clash_are_form_errors_not_500(admin_browser, workspace):
    factories.ServiceFactory(workspace=workspace, name="Consultation", color="#FFFFFF")
    response = admin_browser.post(ADD_URL, form_data(workspace, name=" consultation ", color="#fff"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already exists" in str(errors["name"])
    assert "already uses this color" in str(errors["color"])
    assert Service.objects.count() == 1


def test_change_keeps_its_own_name_and_clashes_with_others(admin_browser, workspace):
    factories.ServiceFactory(workspace=workspace, name="Other", color="#000000")
    service = factories.ServiceFactory(workspace=workspace, name="Mine", color="#111111")
    data = form_data(workspace, name="MINE", color="#111")
    del data["workspace"]  # read-only once created
    assert admin_browser.post(change_url(service), data).status_code == 302
    service.refresh_from_db()
    assert (service.name, service.color) == ("MINE", "#111111")
    clash = admin_browser.post(change_url(service), {**data, "name": "other"})
    assert clash.status_code == 200
    assert "name" in clash.context["adminform"].form.errors


def test_a_deleted_service_does_not_block_its_name_in_the_admin(admin_browser, workspace):
    factories.ServiceFactory(workspace=workspace, name="Consultation", color="#3B82F6", deleted_at=timezone.now())
    assert admin_browser.post(ADD_URL, form_data(workspace)).status_code == 302
    assert Service.objects.alive().get(workspace=workspace).name == "Consultation"


def test_admin_delete_is_a_soft_delete(admin_browser, workspace):
    service = factories.ServiceFactory(workspace=workspace)
    delete_url = reverse("admin:services_service_delete", args=[service.pk])
    assert admin_browser.post(delete_url, {"post": "yes"}).status_code == 302
    service.refresh_from_db()
    assert service.deleted_at is not None
    other = factories.ServiceFactory(workspace=workspace)
    bulk = admin_browser.post(LIST_URL, {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"})
    assert bulk.status_code == 302
    other.refresh_from_db()
    assert other.deleted_at is not None
    assert Service.objects.count() == 2


def test_change_page_renders_with_workspace_read_only(admin_browser, workspace):
    service = factories.ServiceFactory(workspace=workspace, name="Readable")
    response = admin_browser.get(change_url(service))
    assert response.status_code == 200
    assert "workspace" not in response.context["adminform"].form.fields
    assert admin_browser.get(ADD_URL).status_code == 200


def test_a_clash_that_slips_past_the_form_is_a_message_not_a_500(admin_browser, workspace, monkeypatch):
    # given a clash the form's check does not see (as when another save lands in between)
    from services.admin import ServiceAdminForm

    factories.ServiceFactory(workspace=workspace, name="Consultation", color="#000000")
    monkeypatch.setattr(ServiceAdminForm, "clean", lambda form: form.cleaned_data)
    # when the admin saves
    response = admin_browser.post(ADD_URL, form_data(workspace, name="consultation"), follow=True)
    # then the database refuses it and the admin says so
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Service.objects.count() == 1
