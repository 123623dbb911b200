"""The admin header's language select posts to set_language; the choice sticks (a cookie)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from tests import factories

pytestmark = pytest.mark.django_db

SWITCHER = re.compile(
    r'<form id="language-switcher" action="(?P<action>[^"]+)" method="post">(?P<body>.*?)</form>', re.S
)


@pytest.fixture
def staff_http(db) -> HttpClient:
    user = factories.UserFactory(is_staff=True, is_superuser=True)
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(user)
    return http


def switcher_of(html: str) -> dict:
    match = SWITCHER.search(html)
    assert match, "no language switcher on the page"
    body = match["body"]
    return {
        "action": match["action"],
        "options": re.findall(r'<option value="([^"]+)"', body),
        "selected": re.findall(r'<option value="([^"]+)" lang="[^"]+" selected>', body),
        "next": re.search(r'name="next" type="hidden" value="([^"]*)"', body)[1],
        "csrf": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1],
    }


def test_every_admin_page_header_offers_the_languages_with_the_current_one_selected(staff_http):
    # given an English browser on the sessions list
    html = staff_http.get("/admin/appointments/session/?status=scheduled", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    switcher = switcher_of(html)
    # then the header's select offers English and Arabic (each in its own script) and posts to set_language
    assert switcher["action"] == "/i18n/setlang/"
    assert switcher["options"] == [code for code, _name in settings.LANGUAGES] == ["en", "ar"]
    assert switcher["selected"] == ["en"]
    assert switcher["next"] == "/admin/appointments/session/?status=scheduled"
    assert '<div id="user-tools">' in html and html.index('id="user-tools"') < html.index('id="language-switcher"')
    assert ">English</option>" in html and ">العربيّة</option>" in html


def test_choosing_arabic_switches_the_admin_to_arabic_and_back(staff_http):
    # given the English admin
    page = staff_http.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    switcher = switcher_of(page)
    # when Arabic is chosen in the header
    response = staff_http.post(
        switcher["action"],
        {"language": "ar", "next": switcher["next"], "csrfmiddlewaretoken": switcher["csrf"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then it goes back to the page, remembering the choice over the browser's preference
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    arabic = staff_http.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in arabic
    assert switcher_of(arabic)["selected"] == ["ar"]
    assert "مساحات العمل" in arabic
    # and choosing English again turns it back
    switcher = switcher_of(arabic)
    staff_http.post(switcher["action"], {"language": "en", "next": "/admin/", "csrfmiddlewaretoken": switcher["csrf"]})
    english = staff_http.get("/admin/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="en" dir="ltr">' in english


def test_browser_language_is_used_when_nothing_was_chosen(staff_http):
    html = staff_http.get("/admin/", HTTP_ACCEPT_LANGUAGE="ar-EG,ar;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert switcher_of(html)["selected"] == ["ar"]
    html = staff_http.get("/admin/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert '<html lang="en" dir="ltr">' in html  # unsupported: the default, English


def test_the_login_page_has_the_switcher_too():
    html = HttpClient().get("/admin/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert switcher_of(html)["selected"] == ["ar"]


def test_an_unknown_language_or_a_foreign_next_changes_nothing_harmful(staff_http):
    switcher = switcher_of(staff_http.get("/admin/").content.decode())
    response = staff_http.post(
        switcher["action"],
        {"language": "xx", "next": "https://evil.example/", "csrfmiddlewaretoken": switcher["csrf"]},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
