"""The core's translations (el, lt, fa, he): complete, well-formed, and actually served.

The catalogs are compiled here when a ``.mo`` is missing or older than its ``.po``, so the
tests work on a fresh clone before ``make`` has compiled them.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CORE = Path(__file__).resolve().parent.parent / "core"
TRANSLATIONS = CORE / "translations"
LANGS = ("el", "lt", "fa", "he")
RTL = {"fa", "he"}

# What a user of each language must see in the navigation (written by hand, not read
# from the catalogs, so a catalog that is missing or not loaded fails the test).
NAV = {
    "el": {"Customers": "Πελάτες", "Log out": "Αποσύνδεση", "Dashboard": "Πίνακας ελέγχου", "New company": "Νέα εταιρεία"},
    "lt": {"Customers": "Klientai", "Log out": "Atsijungti", "Dashboard": "Apžvalga", "New company": "Nauja įmonė"},
    "fa": {"Customers": "مشتریان", "Log out": "خروج", "Dashboard": "داشبورد", "New company": "شرکت جدید"},
    "he": {"Customers": "לקוחות", "Log out": "יציאה", "Dashboard": "לוח בקרה", "New company": "חברה חדשה"},
}
# Labels on every page, and the ones only on a given page.
PAGES = {"/": ("Customers", "Log out", "Dashboard"), "/customers/": ("Customers", "Log out", "New company")}
# Quotation marks each language uses where the English text has “…”.
QUOTES = {"el": ("«", "»"), "lt": ("„", "“"), "fa": ("«", "»"), "he": ('"', '"')}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _catalog(lang: str) -> Catalog:
    with _po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile a catalog whose .mo is missing or stale (what ``make translations`` does)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose %(name)s/%(n)d placeholders differ from the msgid's.

    A dropped or misspelt placeholder raises KeyError (or shows a raw value) at run time,
    so every translation must use exactly the placeholders of its English text.
    """
    problems = []
    for message in catalog:
        if not message.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in _ids(message)))
        for text in _strings(message):
            if text and set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{_ids(message)[0]!r} -> {text!r}")
    return problems


@pytest.mark.parametrize("lang", LANGS)
def test_navigation_is_translated_and_direction_follows_language(client, login, lang):
    login()
    response = client.post("/language", data={"lang": lang, "next": "/"})
    assert response.status_code == 302
    for url, labels in PAGES.items():
        html = client.get(url).get_data(as_text=True)
        assert f'lang="{lang}"' in html
        assert f'dir="{"rtl" if lang in RTL else "ltr"}"' in html
        for english in labels:
            translated = NAV[lang][english]
            assert translated in html, f"{url} in {lang} lacks {translated!r} ({english})"
        assert ">Log out<" not in html and ">Customers<" not in html


def test_english_stays_english_and_ltr(client, login):
    login()
    client.post("/language", data={"lang": "en", "next": "/"})
    html = client.get("/customers/").get_data(as_text=True)
    assert 'dir="ltr"' in html and "Log out" in html


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_untranslated_or_fuzzy_entries(lang):
    catalog = _catalog(lang)
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    if catalog.num_plurals:
        for message in catalog:
            if isinstance(message.id, tuple):
                assert len(_strings(message)) == catalog.num_plurals, message.id


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match(lang):
    assert placeholder_problems(_catalog(lang)) == []


def test_placeholder_check_catches_a_dropped_placeholder():
    catalog = Catalog(locale="el")
    catalog.add("Customer “%(name)s” deleted.", "Ο πελάτης διαγράφηκε.")
    catalog.add("At least %(n)d characters.", "Τουλάχιστον %(count)d χαρακτήρες.")
    catalog.add("Saved.", "Αποθηκεύτηκε.")
    assert len(placeholder_problems(catalog)) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_quotes_follow_the_language(lang):
    opening, closing = QUOTES[lang]
    for message in _catalog(lang):
        if message.id and "“" in _ids(message)[0]:
            text = _strings(message)[0]
            assert opening in text and closing in text, text
            if lang != "lt":  # Lithuanian closes with “ itself
                assert "“" not in text and "”" not in text, text


def test_persian_uses_persian_letters():
    """Persian text must use ی and ک, not the Arabic ي and ك (search and sorting differ)."""
    bad = [m.id for m in _catalog("fa") if m.id and any(re.search("[\u064a\u0643]", s) for s in _strings(m))]
    assert bad == []


def test_every_core_string_is_in_the_catalogs():
    """A new _() in the core without a translation fails here (re-extract and translate)."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    source = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(CORE), method_map, keywords=keywords):
        source.add(message if isinstance(message, str) else message[0])
    for lang in LANGS:
        translated = {_ids(m)[0] for m in _catalog(lang) if m.id and all(_strings(m))}
        assert not source - translated, (
            f"{lang} lacks {sorted(source - translated)}; re-extract with `pybabel extract -F core/babel.cfg "
            "-k _l -k lazy_gettext --sort-by-file -o core/translations/messages.pot core`, then "
            "`pybabel update -i core/translations/messages.pot -d core/translations` and translate")


@pytest.mark.parametrize("count, expected", [(1, "1 mėnuo"), (3, "3 mėnesiai"), (12, "12 mėnesių"),
                                             (21, "21 mėnuo")])
def test_lithuanian_plural_forms(app, count, expected):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("lt"):
        assert ngettext("%(num)d month", "%(num)d months", count) == expected


def test_persian_plural_is_persian_with_plugins_installed(app):
    """Persian has one plural form; a plugin folder without fa must not bring back English."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("fa"):
        assert ngettext("%(num)d month", "%(num)d months", 3) == "3 ماه"


def test_error_page_title_is_translated(client, login):
    """Werkzeug names errors in English ("Not Found"); the page shows the user's language."""
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "הדף לא נמצא" in html and "Not Found" not in html


@pytest.mark.parametrize("lang, required", [("lt", "Šis laukas privalomas."), ("he", "חובה למלא שדה זה."),
                                            ("el", "Αυτό το πεδίο είναι υποχρεωτικό."),
                                            ("fa", "این فیلد الزامی است.")])
def test_form_library_messages_are_translated(client, login, lang, required):
    """WTForms has no Lithuanian catalog; the core's wtforms.po supplies it (and wins for the others)."""
    login()
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.post("/admin/roles/new", data={"name": "", "description": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert required in html and "This field is required." not in html


@pytest.mark.parametrize("lang", LANGS)
def test_wtforms_catalog_is_complete(lang):
    """Ours replace WTForms' (none for Lithuanian, a few gaps in the others)."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "wtforms.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    assert [m.id for m in catalog if m.id and (m.fuzzy or not all(_strings(m)))] == []
    assert placeholder_problems(catalog) == []
