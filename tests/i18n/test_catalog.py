"""The Arabic catalog is complete and current: every marked string of the code is translated.

``scripts/messages`` refreshes and compiles the catalog. These tests fail when someone adds,
changes or removes a user-facing string without running it (or without translating what it
brought in), and when the compiled ``django.mo`` lags behind ``django.po``.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.po import Entry, read_po

pytestmark = pytest.mark.django_db  # tests/conftest.py clears the (database) cache around every test

BASE_DIR = Path(settings.BASE_DIR)
CATALOG = BASE_DIR / "locale" / "ar" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOG.with_suffix(".mo")

#: the same options as scripts/messages (keep the two in step)
MAKEMESSAGES_OPTIONS = [
    "--locale",
    "ar",
    "--no-obsolete",
    "--add-location",
    "file",
    *("--ignore", ".venv", "--ignore", ".data", "--ignore", "tests", "--ignore", "staticfiles"),
    *("--ignore", "bench/results"),
]
#: not copied into the scratch tree (makemessages ignores them, or they hold no source)
NOT_SOURCE = {".venv", ".data", ".git", "tests", "locale", "staticfiles", "__pycache__", ".ruff_cache", ".pytest_cache"}

#: what makemessages reads for the "django" domain (its default --extension: html, txt, py)
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
#: Django's own Arabic catalog's plural rule (django/conf/locale/ar)
ARABIC_PLURAL_FORMS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def committed() -> list[Entry]:
    return read_po(CATALOG)[1]


def need_gettext() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq") if shutil.which(tool) is None]
    if not missing:
        return
    message = (
        f"GNU gettext is missing ({', '.join(missing)}): the catalog cannot be checked against the code. "
        "Install it with: apt-get install gettext"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def _not_source(folder: str, names: list[str]) -> list[str]:
    """What the scratch copy leaves out: what makemessages skips, and files it never reads."""
    hidden = [name for name in names if name in NOT_SOURCE or name.startswith(".")]  # makemessages skips ".*"
    unread = [name for name in names if (Path(folder) / name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES]
    return hidden + unread


def fresh_catalog(tmp_path: Path) -> list[Entry]:
    """What ``scripts/messages`` would extract from the code as it is now, into a scratch copy."""
    source = tmp_path / "src"
    shutil.copytree(BASE_DIR, source, ignore=_not_source)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",  # no SECRET_KEY needed (TESTING counts only inside pytest's own process)
        # makemessages never connects; a URL keeps the settings from starting the embedded server
        "DATABASE_URL": "postgres://unused@127.0.0.1:5432/unused",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *MAKEMESSAGES_OPTIONS],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return read_po(source / "locale" / "ar" / "LC_MESSAGES" / "django.po")[1]


def test_catalog_has_exactly_the_strings_of_the_code(tmp_path):
    # given the code as it is; when its strings are extracted afresh
    need_gettext()
    fresh = {entry.key: entry for entry in fresh_catalog(tmp_path)}
    ours = {entry.key: entry for entry in committed() if not entry.obsolete}
    # then the committed catalog holds every one of them and nothing else
    missing = [str(fresh[key]) for key in fresh.keys() - ours.keys()]
    obsolete = [str(ours[key]) for key in ours.keys() - fresh.keys()]
    assert not missing and not obsolete, (
        "locale/ar/LC_MESSAGES/django.po is out of date with the code: run scripts/messages, "
        "translate the new entries, run it again and commit locale/.\n"
        f"missing ({len(missing)}): " + "\n  ".join(["", *sorted(missing)]) + "\n"
        f"obsolete ({len(obsolete)}): " + "\n  ".join(["", *sorted(obsolete)])
    )
    assert len(fresh) > 200  # the extraction really found the project's strings


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    entries = committed()
    untranslated = [str(e) for e in entries if not e.obsolete and not all(e.msgstr.get(i) for i in _forms(e))]
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    obsolete = [str(e) for e in entries if e.obsolete]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy (check the translation, then remove the flag): {fuzzy}"
    assert not obsolete, f"obsolete #~ entries (scripts/messages drops them): {obsolete}"


def _forms(entry: Entry) -> range:
    return range(6) if entry.msgid_plural is not None else range(1)


def test_header_declares_arabic_and_its_plural_forms():
    header, _ = read_po(CATALOG)
    assert header["Language"] == "ar"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == ARABIC_PLURAL_FORMS
    django_ar = Path(__import__("django").__file__).parent / "conf" / "locale" / "ar" / "LC_MESSAGES" / "django.po"
    assert read_po(django_ar)[0]["Plural-Forms"] == ARABIC_PLURAL_FORMS


def test_translations_keep_the_placeholders_of_the_english():
    # a dropped or misspelt %(name)s would raise, or lose information, when the message is built
    wrong = []
    for entry in committed():
        wanted = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for index, text in entry.msgstr.items():
            found = set(PLACEHOLDER.findall(text))
            # Arabic plural forms 0-2 (none, one, two) may spell the number out instead
            allowed_to_drop = entry.msgid_plural is not None and index <= 2
            if not found <= wanted or (found != wanted and not allowed_to_drop):
                wrong.append(f"{entry} [{index}]: {text!r}")
    assert not wrong, wrong


def test_compiled_catalog_matches_the_source():
    # given django.mo as committed; when read the way Django reads it
    with COMPILED.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # then it holds every translation of django.po, as written there
    stale = []
    for entry in committed():
        for index, text in entry.msgstr.items():
            if entry.msgid_plural is None:
                got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
            else:
                n = {0: 0, 1: 1, 2: 2, 3: 3, 4: 11, 5: 100}[index]
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                )
            if got != text:
                stale.append(str(entry))
    assert not stale, f"django.mo is older than django.po (run scripts/messages): {sorted(set(stale))}"
