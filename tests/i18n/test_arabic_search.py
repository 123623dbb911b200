"""Clients are found and sorted the way an Arabic reader expects, in the API and the admin."""

from __future__ import annotations

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test import Client as HttpClient

from tests import factories
from workspaces.models import Client
from workspaces.search import client_search_text, search_key

pytestmark = pytest.mark.django_db


def clients_url(workspace) -> str:
    return f"/api/v1/workspace/{workspace.pk}/clients"


# --- the folding itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("أحمد", "احمد"),  # hamza above
        ("إبراهيم", "ابراهيم"),  # hamza below
        ("آمنة", "امنه"),  # madda, and taa marbuta as haa
        ("ٱلرحمن", "الرحمن"),  # alef wasla
        ("مصطفى", "مصطفي"),  # alef maqsura as yaa
        ("مُحَمَّد", "محمد"),  # tashkeel: damma, fatha, shadda
        ("عبدُ الله", "عبد الله"),
        ("مسؤول", "مسوول"),  # hamza on waw
        ("هانئ", "هاني"),  # hamza on yaa
        ("محـــمد", "محمد"),  # tatweel
        ("ﻻمي", "لامي"),  # a presentation-form ligature
        ("Émile ZOLA", "emile zola"),  # Latin accents and case
        ("٠١٠٠ ٢٣٤", "0100 234"),  # Arabic-Indic digits
        ("۰۱۲", "012"),  # Persian digits
        ("  سارة \t أحمد ", "ساره احمد"),  # spaces
    ],
)
def test_search_key_folds_the_variants_a_reader_treats_as_one(written, typed):
    assert search_key(written) == search_key(typed)


def test_search_key_keeps_letters_that_differ():
    assert search_key("سعد") != search_key("سعيد")
    assert search_key("حسن") != search_key("حسين")
    assert search_key("ء") == "ء"  # a lone hamza is a letter of its own


def test_search_text_is_bounded_whatever_folding_does_to_the_input():
    # ﷺ unfolds into 18 letters: 200 of them would overflow a btree index entry, unbounded
    text = client_search_text(name="ﷺ" * 200, email="a@b.c", phone="1")
    assert len(text.encode()) < 2000


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def people(workspace):
    names = ["أحمد علي", "مُحَمَّد حسن", "فاطمة الزهراء", "مصطفى كامل", "إيمان سعيد", "Émile Zola", "Omar"]
    made = {name: factories.ClientFactory(workspace=workspace, name=name, email="", phone="") for name in names}
    made["أحمد علي"].phone = "٠١٠٠٢٣٤٥٦"
    made["أحمد علي"].save()
    made["Omar"].email = "omar@clinic.test"
    made["Omar"].save()
    return made


def found(api, workspace, term) -> list[str]:
    response = api.get(clients_url(workspace), {"search": term})
    assert response.status_code == 200, response.content
    return [client["name"] for client in response.json()["clients"]]


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("احمد", ["أحمد علي"]),
        ("أَحْمَد", ["أحمد علي"]),  # the query's own diacritics do not matter either
        ("محمد", ["مُحَمَّد حسن"]),
        ("فاطمه", ["فاطمة الزهراء"]),
        ("الزهراء", ["فاطمة الزهراء"]),
        ("مصطفي", ["مصطفى كامل"]),
        ("ايمان", ["إيمان سعيد"]),
        ("emile", ["Émile Zola"]),
        ("ZOLA", ["Émile Zola"]),
        ("0100", ["أحمد علي"]),  # the phone was typed in Arabic-Indic digits
        ("٠١٠٠", ["أحمد علي"]),
        ("CLINIC.test", ["Omar"]),
        ("حسن", ["مُحَمَّد حسن"]),
        ("زكريا", []),
    ],
)
def test_api_search_finds_arabic_names_whatever_the_spelling_variant(owner, workspace, people, term, names):
    assert found(owner, workspace, term) == names


def test_api_search_does_not_match_across_fields(owner, workspace):
    # "name email" as one phrase is not a substring of any one field
    factories.ClientFactory(workspace=workspace, name="سارة", email="sara@example.com", phone="")
    assert found(owner, workspace, "سارة sara") == []
    assert found(owner, workspace, "sara") == ["سارة"]


def test_renaming_refreshes_what_search_finds(owner, workspace):
    client = factories.ClientFactory(workspace=workspace, name="هدى", email="", phone="")
    response = owner.patch(f"{clients_url(workspace)}/{client.pk}", {"name": "إسراء"}, format="json")
    assert response.status_code == 200
    assert found(owner, workspace, "اسراء") == ["إسراء"]
    assert found(owner, workspace, "هدى") == []


#: alphabetical: Latin first (code points), then the Arabic alphabet, hamza forms of alef as alef
ALPHABETICAL = ["adam", "Zed", "ابتسام", "إبراهيم", "أحمد", "آمنة", "بدر", "ثامر", "جميلة", "هدى", "وليد", "ياسمين"]


@pytest.fixture
def alphabet(workspace):
    for name in reversed(ALPHABETICAL):
        factories.ClientFactory(workspace=workspace, name=name)


def test_api_lists_clients_in_alphabetical_order(owner, workspace, alphabet):
    response = owner.get(clients_url(workspace))
    assert [client["name"] for client in response.json()["clients"]] == ALPHABETICAL


def test_the_database_alone_would_not_sort_alef_with_hamza_alphabetically(workspace, alphabet):
    # What ORDER BY name gives under the database's collation (C / C.UTF-8 on the embedded and
    # the usual server: code point order). The letters without hamza already come in the
    # alphabet's order, but آ أ إ (U+0622-0625) sort before ا (U+0627) and among themselves by
    # the hamza's shape: "أحمد" before "إبراهيم" before "ابتسام". search_text folds them first.
    by_name = list(Client.objects.filter(workspace=workspace).order_by("name", "id").values_list("name", flat=True))
    arabic_plain = [name for name in by_name if name[0] in "ابثجهوي"]
    assert arabic_plain == ["ابتسام", "بدر", "ثامر", "جميلة", "هدى", "وليد", "ياسمين"]
    assert by_name.index("أحمد") < by_name.index("إبراهيم") < by_name.index("ابتسام")
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] in {"C", "C.UTF-8", "C.utf8", "POSIX"}


def test_paging_walks_the_alphabetical_order(owner, workspace, alphabet):
    seen, cursor = [], None
    while True:
        body = owner.get(clients_url(workspace), {"limit": 5} | ({"cursor": cursor} if cursor else {})).json()
        seen += [client["name"] for client in body["clients"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == ALPHABETICAL


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("search", [None, "احمد"])
def test_client_list_query_count_does_not_grow_with_rows_or_search(
    owner, workspace, django_assert_num_queries, count, search
):
    for i in range(count):
        factories.ClientFactory(workspace=workspace, name=f"أحمد {i}")
    params = {"search": search} if search else {}
    # 1: the caller's membership with its workspace and user (one join); 2: the clients
    with django_assert_num_queries(2):
        response = owner.get(clients_url(workspace), params)
    assert len(response.json()["clients"]) == count


def test_bulk_writes_keep_search_text(workspace):
    made = Client.objects.bulk_create([Client(workspace=workspace, name="نور الهدى")])
    assert Client.objects.get(pk=made[0].pk).search_text == client_search_text(name="نور الهدى")
    made[0].name = "رنا"
    Client.objects.bulk_update(made, ["name"])
    assert Client.objects.get(pk=made[0].pk).search_text == client_search_text(name="رنا")
    client = Client.objects.get(pk=made[0].pk)
    client.name = "لمى"
    client.save(update_fields=["name"])
    assert Client.objects.get(pk=client.pk).search_text == client_search_text(name="لمى")


def test_migration_backfill_folds_existing_clients(workspace):
    from importlib import import_module

    migration = import_module("workspaces.migrations.0004_client_search_text")
    client = factories.ClientFactory(workspace=workspace, name="أُسامة", email="O@x.com", phone="٠١")
    Client.objects.filter(pk=client.pk).update(search_text="")  # as rows were before the migration
    migration.backfill_search_text(global_apps, None)
    assert Client.objects.get(pk=client.pk).search_text == "اسامه\no@x.com\n01"


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_http(db) -> HttpClient:
    http = HttpClient()
    http.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return http


def test_admin_search_folds_the_query_the_same_way(admin_http, workspace, people):
    response = admin_http.get("/admin/workspaces/client/", {"q": "احمد"})
    assert response.status_code == 200
    assert [c.name for c in response.context["cl"].result_list] == ["أحمد علي"]
    response = admin_http.get("/admin/workspaces/client/", {"q": "محمد"})
    assert [c.name for c in response.context["cl"].result_list] == ["مُحَمَّد حسن"]


def test_admin_search_by_exact_id_still_works(admin_http, workspace, people):
    client = people["Omar"]
    response = admin_http.get("/admin/workspaces/client/", {"q": client.pk})
    assert [c.pk for c in response.context["cl"].result_list] == [client.pk]


def test_admin_client_list_is_alphabetical(admin_http, workspace, alphabet):
    response = admin_http.get("/admin/workspaces/client/")
    assert [c.name for c in response.context["cl"].result_list] == ALPHABETICAL


def test_client_autocomplete_of_the_session_form_folds_too(admin_http, workspace, people):
    # the client picker of the sessions admin goes through ClientAdmin.get_search_results
    response = admin_http.get(
        "/admin/autocomplete/",
        {"app_label": "appointments", "model_name": "session", "field_name": "client", "term": "مصطفي"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["مصطفى كامل"]
