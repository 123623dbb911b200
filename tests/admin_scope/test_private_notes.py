"""Private notes never reach a role without ``nutrition.manage``, whatever the URL asks: a list
accepts only the filters it declares (any other lookup in its query string is a 400, the same for
a right and a wrong guess), its search does not look in them, its sort cannot order by them, and
no page, filter, facet or history shows them."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from django.test import Client as BrowserClient

from tests import factories
from tests.admin_scope.conftest import browser_for
from tests.nutrition.factories import NutritionSessionFactory
from workspaces.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/admin/nutrition/nutritionsession/"
SECRET = "Sweet tooth, takes insulin"
PROBES = [
    "notes_private",
    "notes_private__exact",
    "notes_private__iexact",
    "notes_private__startswith",
    "notes_private__istartswith",
    "notes_private__contains",
    "notes_private__icontains",
    "notes_private__regex",
    "notes_private__gt",
    "notes_private__isnull",
    "notes_private__in",
    "client__nutrition_sessions__notes_private__startswith",
    "notes_shared__startswith",  # declared by no filter either
    "topic__startswith",
]


@pytest.fixture
def consultations(workspace):
    client = factories.ClientFactory(workspace=workspace, name="Nadia Client")
    specialist = factories.MembershipFactory(workspace=workspace, role=Role.SPECIALIST)
    secret = NutritionSessionFactory(
        workspace=workspace, client=client, staff=specialist, topic="Weekly check", notes_private=SECRET
    )
    plain = NutritionSessionFactory(
        workspace=workspace,
        client=client,
        staff=specialist,
        topic="Other check",
        notes_private="Nothing",
        date=dt.date(2024, 1, 21),
    )
    return secret, plain


def member(workspace, role) -> BrowserClient:
    return browser_for(factories.MembershipFactory(workspace=workspace, role=role).user)


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.VIEWER])
def test_url_filters_on_private_notes_are_refused_alike_for_right_and_wrong_guesses(workspace, consultations, role):
    browser = member(workspace, role)
    for probe in PROBES:
        answers = set()
        for guess in ["S", "Sw", "X", "", "true", SECRET, *string.ascii_lowercase[:3]]:
            response = browser.get(LIST, {probe: guess})
            answers.add((response.status_code, len(response.content)))
            assert SECRET not in response.content.decode()
        # every guess: the same 400, so the answer tells nothing
        assert {status for status, _length in answers} == {400}, probe
        assert len(answers) == 1, probe


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.VIEWER, Role.SPECIALIST])
def test_search_sort_and_facets_learn_nothing_of_private_notes(workspace, consultations, role):
    browser = member(workspace, role)
    # search: the notes are not searched (the topic is)
    for term in ("insulin", "Sweet tooth", SECRET):
        response = browser.get(LIST, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0, term
    assert browser.get(LIST, {"q": "Weekly"}).context["cl"].result_count == 1
    # sort: by every column there is (none is the notes), both ways, and by names that are not columns
    columns = len(browser.get(LIST).context["cl"].list_display)
    for order in [*(str(i) for i in range(columns + 3)), *(f"-{i}" for i in range(columns)), "notes_private", "-99"]:
        response = browser.get(LIST, {"o": order})
        assert response.status_code in (200, 302)
        assert SECRET not in response.content.decode()
    # facets and the declared filters
    for params in ({"_facets": "1"}, {"status__exact": "scheduled"}, {"date__year": "2024"}):
        response = browser.get(LIST, params)
        assert response.status_code == 200, params
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.VIEWER])
def test_no_page_shows_them_to_a_role_without_the_right(workspace, consultations, role):
    secret, _plain = consultations
    browser = member(workspace, role)
    version = type(secret).history.filter(id=secret.pk).first().history_id
    for url in (
        LIST,
        f"{LIST}{secret.pk}/change/",
        f"{LIST}{secret.pk}/history/",
        f"{LIST}{secret.pk}/history/{version}/",
        f"{LIST}{secret.pk}/delete/",
        "/admin/",
        "/admin/calendar/?date=2024-01-20",
    ):
        response = browser.get(url)
        assert response.status_code in (200, 403), url
        assert SECRET not in response.content.decode(), url
        assert "notes_private" not in response.content.decode(), url


def test_those_who_may_read_them_see_them_but_filter_by_them_no_more_than_anyone(workspace, consultations, root):
    secret, _plain = consultations
    for browser in (member(workspace, Role.SPECIALIST), browser_for(root)):
        assert SECRET in browser.get(f"{LIST}{secret.pk}/change/").content.decode()
        assert browser.get(LIST, {"notes_private__startswith": "S"}).status_code == 400


# -- session records: private notes and attachments (records.private) ------------------------------

NOTE_SECRET = "Takes blood thinners"
FILE_SECRET = "biopsy-result.pdf"
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def private_records(workspace, consultations, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from records import actions
    from tests.sessions.factories import SessionFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    secret, _plain = consultations
    author = secret.staff
    session = SessionFactory(workspace=workspace, client=secret.client, staff=author, date=dt.date(2024, 1, 20))
    actions.note_add(session=session, body=NOTE_SECRET, visibility="private", author=author)
    files = [
        actions.attachment_add(
            booking=booking, file=SimpleUploadedFile(FILE_SECRET, PDF), visibility="private", uploaded_by=author
        )
        for booking in (session, secret)
    ]
    return session, secret, files


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.VIEWER])
def test_private_notes_and_attachments_reach_no_page_of_a_role_without_records_private(
    workspace, private_records, role
):
    session, consultation, files = private_records
    browser = member(workspace, role)
    sessions = "/admin/appointments/session/"
    urls = [sessions, "/admin/", "/admin/calendar/?date=2024-01-20"]
    for base, booking in ((sessions, session), (LIST, consultation)):
        version = type(booking).history.filter(id=booking.pk).first().history_id
        urls += [f"{base}{booking.pk}/{page}" for page in ("change/", "history/", f"history/{version}/", "delete/")]
    for url in urls:
        response = browser.get(url)
        assert response.status_code in (200, 403), url
        page = response.content.decode()
        assert NOTE_SECRET not in page and FILE_SECRET not in page, url
    # nor their downloads, nor a list's query string asking about them
    for base, booking, attachment in ((sessions, session, files[0]), (LIST, consultation, files[1])):
        assert browser.get(f"{base}{booking.pk}/attachments/{attachment.pk}/download/").status_code == 404
    for probe in ("notes__body__startswith", "notes__visibility", "attachments__name__startswith"):
        assert browser.get(sessions, {probe: "T"}).status_code == 400, probe
    assert browser.get(sessions, {"q": "blood thinners"}).context["cl"].result_count == 0
    # a role that holds records.private reads both
    page = member(workspace, Role.SPECIALIST).get(f"{sessions}{session.pk}/change/").content.decode()
    assert NOTE_SECRET in page and FILE_SECRET in page
