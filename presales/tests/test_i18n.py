"""Chinese by default, English on request, and a catalogue that covers every string.

The catalogue checks read the source tree the way ``makemessages`` does (Django's own
``templatize`` for templates, gettext calls for Python), so a new string that nobody
translated fails here rather than showing up in English on a Chinese page.
"""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from presales.tests.factories import CustomerFactory, SolutionFactory

BASE = Path(settings.BASE_DIR)
PO_PATH = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
APPS = ("presales", "budgeting", "dispatch", "grabbing", "monitoring")
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}
STRING = r"""u?'(?:[^'\\]|\\.)*'|u?"(?:[^"\\]|\\.)*\""""
TEMPLATIZED_CALL = re.compile(rf"\b(gettext|ngettext|pgettext)\(((?:{STRING}|[\s,\w])*)\)")


# --- Which language a page speaks ------------------------------------------------------------


@pytest.mark.django_db
def test_default_language_is_simplified_chinese(client):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "Sign in" not in body


@pytest.mark.django_db
def test_accept_language_en_gives_english(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body and "登录" not in body


@pytest.mark.django_db
def test_chinese_browsers_get_chinese(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_the_switcher_changes_the_language_and_it_sticks(client, rep):
    client.force_login(rep)
    find = reverse("dispatch:find")
    assert "查找工程师" in client.get(find).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": find})
    assert response.status_code == 302 and response["Location"] == find
    body = client.get(find).content.decode()
    assert "Find engineers" in body and "My budget" in body and "查找工程师" not in body

    client.post(reverse("set_language"), {"language": "zh-hans", "next": find})
    body = client.get(find).content.decode()
    assert "查找工程师" in body and "我的经费" in body


@pytest.mark.django_db
def test_service_messages_follow_the_language(client, rep, east):
    data = {
        "name": "x",
        "customer": CustomerFactory(region=east).pk,
        "region": east.pk,
        "solution": SolutionFactory().pk,
        "project_class": "C",
        "stage": "qualification",
    }
    client.force_login(rep)
    assert "您不负责区域 east。" in client.post(reverse("presales:opportunities"), data).content.decode()
    english = client.post(reverse("presales:opportunities"), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You do not cover region east." in english


# --- The catalogue ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1")
    assert [e.msgid for e in po.untranslated_entries() if not e.obsolete] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po if e.msgid_plural and not all(e.msgstr_plural.values())] == []


def test_placeholders_survive_translation(po):
    placeholder = re.compile(r"%\([a-z_]+\)s|%s")
    for entry in po.translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(placeholder.findall(translation)) == sorted(placeholder.findall(entry.msgid)), entry.msgid


def _template_messages() -> set[tuple[str | None, str]]:
    found = set()
    for path in sorted((BASE / "templates").rglob("*.html")):
        for name, args in TEMPLATIZED_CALL.findall(templatize(path.read_text(), origin=str(path))):
            values = [a.value for a in ast.parse(f"f({args})", mode="eval").body.args if isinstance(a, ast.Constant)]
            if name == "pgettext":
                found.add((values[0], values[1]))
            else:
                found.update((None, value) for value in values)
    return found


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _python_messages() -> set[tuple[str | None, str]]:
    found = set()
    for app in APPS:
        for path in sorted((BASE / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if not isinstance(node, ast.Call) or _call_name(node) not in GETTEXT_NAMES:
                    continue
                literals = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if _call_name(node).startswith("pgettext") and len(literals) >= 2:
                    found.add((literals[0], literals[1]))
                elif _call_name(node).startswith("ngettext"):
                    found.update((None, literal) for literal in literals[:2])
                elif literals:
                    found.add((None, literals[0]))
    return found


def _catalogue_ids(po) -> set[tuple[str | None, str]]:
    ids = set()
    for entry in po:
        if entry.obsolete:
            continue
        ids.add((entry.msgctxt, entry.msgid))
        if entry.msgid_plural:
            ids.add((entry.msgctxt, entry.msgid_plural))
    return ids


def test_every_template_string_is_in_the_catalogue(po):
    strings = _template_messages()
    assert (None, "Find engineers") in strings and (None, "%(counter)s engineers match.") in strings
    assert sorted(strings - _catalogue_ids(po), key=str) == []


def test_every_python_string_is_in_the_catalogue(po):
    strings = _python_messages()
    assert (None, "You do not cover region %s.") in strings and (None, "Regional dashboard") in strings
    assert sorted(strings - _catalogue_ids(po), key=str) == []


def test_compiled_catalogue_matches_the_po(po):
    """The committed .mo is what Django loads: it must hold exactly the .po's translations."""

    def key(entry):
        return (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)

    def value(entry):
        return (
            tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)) if entry.msgid_plural else entry.msgstr
        )

    expected = {key(e): value(e) for e in po.translated_entries() if e.msgid}
    compiled = {key(e): value(e) for e in polib.mofile(str(MO_PATH)) if e.msgid}
    assert compiled == expected, "run: manage.py compilemessages --ignore=.venv"
