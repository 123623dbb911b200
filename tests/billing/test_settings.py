"""Billing settings per workspace: GET with defaults, PATCH with the rules."""

from __future__ import annotations

import pytest

from billing.models import BillingSettings
from tests.billing.conftest import settings_url

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "currency": "USD",
    "taxRate": 0,
    "taxNumber": "",
    "legalName": "",
    "address": "",
    "country": "",
    "invoicePrefix": "INV",
    "lateCancelHours": 24,
    "lateCancelFee": None,
    "noShowFee": None,
}


def test_a_workspace_without_settings_reads_the_defaults_and_writes_nothing(owner, workspace):
    response = owner.get(settings_url(workspace, "/v1") + "/")
    assert response.status_code == 200
    assert response.json() == {"billingSettings": DEFAULTS}
    assert b'"taxRate":0.00' in response.content
    assert not BillingSettings.objects.filter(workspace=workspace).exists()


def test_patch_changes_what_it_names(owner, workspace):
    body = {
        "currency": "sar",
        "taxRate": 15,
        "taxNumber": "310123456700003",
        "legalName": "عيادة الشفاء",
        "address": "طريق الملك فهد\nالرياض",
        "country": "sa",
        "invoicePrefix": "SHF",
        "lateCancelHours": 12,
        "lateCancelFee": 50,
        "noShowFee": 75.5,
    }
    response = owner.patch(settings_url(workspace), body, format="json")
    assert response.status_code == 200, response.content
    saved = response.json()["billingSettings"]
    assert saved == {**body, "currency": "SAR", "country": "SA"}
    assert b'"lateCancelFee":50.00,"noShowFee":75.50' in response.content
    # a second PATCH changes only its field
    again = owner.patch(settings_url(workspace), {"taxRate": 5}, format="json").json()["billingSettings"]
    assert again == {**saved, "taxRate": 5}
    assert owner.get(settings_url(workspace)).json()["billingSettings"] == again


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"currency": "XAU"}, "currency", "invalid"),
        ({"currency": "US"}, "currency", "validation_error"),
        ({"currency": 840}, "currency", "validation_error"),
        ({"country": "XX"}, "country", "invalid"),
        ({"taxRate": 100.01}, "taxRate", "validation_error"),
        ({"taxRate": -1}, "taxRate", "validation_error"),
        ({"taxRate": "15"}, "taxRate", "validation_error"),
        ({"invoicePrefix": "INV 2"}, "invoicePrefix", "invalid"),
        ({"invoicePrefix": ""}, "invoicePrefix", "validation_error"),
        ({"lateCancelHours": -1}, "lateCancelHours", "validation_error"),
        ({"lateCancelFee": 10.005}, "lateCancelFee", "too_precise"),
        ({"currency": "JPY", "noShowFee": 10.5}, "noShowFee", "too_precise"),
        ({"country": "SA", "taxNumber": "12345"}, "taxNumber", "invalid"),
        ({"legalName": "ع" * 130}, "legalName", "invalid"),  # 260 bytes: more than the QR code's field
        ({"curency": "EUR"}, "curency", "unknown_field"),
    ],
)
def test_bad_settings_are_400s_naming_the_field(owner, workspace, body, field, code):
    response = owner.patch(settings_url(workspace), body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code and field in error["fields"], error
    assert owner.get(settings_url(workspace)).json()["billingSettings"] == DEFAULTS


def test_a_new_currency_with_fewer_decimals_than_a_fee_is_refused(owner, workspace):
    owner.patch(settings_url(workspace), {"lateCancelFee": 12.5}, format="json")
    response = owner.patch(settings_url(workspace), {"currency": "JPY"}, format="json")
    assert response.status_code == 400 and "lateCancelFee" in response.json()["error"]["fields"]
    ok = owner.patch(settings_url(workspace), {"currency": "JPY", "lateCancelFee": 1250}, format="json")
    assert ok.status_code == 200 and b'"lateCancelFee":1250,' in ok.content


def test_the_workspace_comes_from_the_url_and_null_clears_a_fee(owner, workspace, other_workspace):
    owner.patch(settings_url(workspace), {"noShowFee": 20}, format="json")
    response = owner.patch(
        settings_url(workspace), {"noShowFee": None, "workspaceId": other_workspace.pk}, format="json"
    )
    assert response.json()["billingSettings"]["noShowFee"] is None
    assert not BillingSettings.objects.filter(workspace=other_workspace).exists()
