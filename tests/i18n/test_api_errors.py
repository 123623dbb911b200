"""API errors speak the caller's language (Accept-Language); codes and field names stay English."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def clients_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/clients"


def services_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/services"


def test_validation_error_message_in_arabic_with_english_code_and_fields(owner, workspace):
    # given a caller whose browser asks for Arabic; when it sends a malformed color
    response = owner.post(
        services_url(workspace), {"name": "تدليك", "color": "blue"}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
    )
    # then the message is the Arabic one; the code and the camelCase field stay as the contract says
    assert response.status_code == 400
    assert response["Content-Language"] == "ar"
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"color": ["أدخل لونًا ست عشريًا من 3 أو 6 خانات، مثل \u200e#3B82F6 أو \u200e#fff."]}
    assert error["message"] == "color: أدخل لونًا ست عشريًا من 3 أو 6 خانات، مثل \u200e#3B82F6 أو \u200e#fff."


def test_the_same_request_in_english_answers_in_english(owner, workspace):
    response = owner.post(
        services_url(workspace), {"name": "Massage", "color": "blue"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["error"]["fields"] == {
        "color": ["Enter a hex color of 3 or 6 digits, such as #3B82F6 or #fff."]
    }


def test_without_accept_language_the_api_answers_in_english(owner, workspace):
    response = owner.post(services_url(workspace), {"name": "Massage", "color": "blue"}, format="json")
    assert response.json()["error"]["fields"]["color"] == [
        "Enter a hex color of 3 or 6 digits, such as #3B82F6 or #fff."
    ]


def test_arabic_variants_and_quality_values_of_accept_language_are_understood(owner, workspace):
    for header in ("ar-EG,ar;q=0.9,en;q=0.8", "ar-SA", "fr-FR;q=0.9, ar;q=0.8"):
        response = owner.post(clients_url(workspace), {"name": ""}, format="json", HTTP_ACCEPT_LANGUAGE=header)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["fields"]["name"] == ["لا يمكن ترك هذا الحقل فارغًا."], header


def test_django_rest_framework_messages_come_in_arabic_too(owner, workspace):
    # a message DRF itself writes (a required field), from DRF's own Arabic catalog
    response = owner.post(clients_url(workspace), {}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.json()["error"]["fields"] == {"name": ["هذا الحقل مطلوب."]}


def test_conflict_message_in_arabic_with_its_english_code(owner, workspace):
    factories.ServiceFactory(workspace=workspace, name="تدليك")
    response = owner.post(services_url(workspace), {"name": "تدليك"}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "service_name_taken"
    assert error["message"] == "توجد خدمة بهذا الاسم في مساحة العمل هذه."


def test_not_found_and_permission_messages_in_arabic(member_client, workspace):
    viewer = member_client("viewer")
    missing = viewer.get(f"{clients_url(workspace)}/{'0' * 24}", HTTP_ACCEPT_LANGUAGE="ar")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "not_found", "message": "غير موجود."}
    refused = viewer.post(clients_url(workspace), {"name": "سارة"}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "دورك لا يسمح بهذا الإجراء."


def test_guard_middleware_answers_in_the_requested_language_before_the_locale_is_set(owner, workspace):
    # the NUL-byte guard runs before LocaleMiddleware: it reads Accept-Language itself
    response = owner.get(clients_url(workspace) + "?search=%00", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_input",
        "message": "لا يُسمح بالبايتات الصفرية (NUL) في عنوان URL.",
    }
    english = owner.get(clients_url(workspace) + "?search=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "NUL bytes are not allowed in the URL."


def test_unauthenticated_message_in_arabic(api_client, workspace):
    response = api_client.get(clients_url(workspace), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] != "Authentication credentials were not provided."
    assert any("\u0600" <= ch <= "\u06ff" for ch in error["message"])
