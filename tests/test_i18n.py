"""Translations (el, lt, fa, he) of the core and of every installed plugin: complete,
well-formed, and actually served.

``test_every_catalog_is_complete`` runs :func:`core.catalogs.catalog_problems` for the core
and for each plugin found through the ``rapport.plugins`` entry points, so a plugin that
lacks a language, or a string added without a translation, fails here.
The catalogs are compiled when a ``.mo`` is missing or older than its ``.po``, so the
tests work on a fresh clone before ``make`` has compiled them.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.catalogs import placeholder_problems

CORE = Path(__file__).resolve().parent.parent / "core"
TRANSLATIONS = CORE / "translations"


def _packages() -> dict[str, Path]:
    """The core and every installed plugin package (by entry point), by name."""
    from importlib.metadata import entry_points
    from importlib import import_module

    found = {"core": CORE}
    for ep in entry_points(group="rapport.plugins"):
        module = import_module(ep.value.split(":")[0])
        found[ep.name] = Path(module.__file__).resolve().parent
    return found


PACKAGES = _packages()
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


def _po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _catalog(lang: str) -> Catalog:
    with _po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """Compile a catalog whose .mo is missing or stale (what ``make translations`` does)."""
    for po in [po for package in PACKAGES.values() for po in package.glob("translations/*/LC_MESSAGES/*.po")]:
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


def test_first_party_plugins_are_checked():
    assert {"core", "sales", "service"} <= set(PACKAGES)


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_catalog_is_complete(name):
    """Every language, every string of the code and templates, no fuzzy entry, right plurals,
    same placeholders, Persian letters (core.catalogs.catalog_problems)."""
    from core.catalogs import catalog_problems

    problems = catalog_problems(PACKAGES[name])
    assert not problems, (f"{len(problems)} problems; run `make messages` and translate:\n" + "\n".join(problems[:40]))


def test_no_two_packages_translate_the_same_text_differently():
    """All catalogs share one domain (the core's wins): a plugin's differing translation would be lost."""
    from core.catalogs import conflict_problems

    problems = conflict_problems(PACKAGES)
    assert not problems, "\n".join(problems[:40])


def test_catalog_check_finds_what_is_missing(tmp_path):
    """The check itself: a plugin without Greek, and one with an untranslated and a fuzzy entry."""
    from babel.messages.pofile import write_po

    from core.catalogs import catalog_problems

    package = tmp_path / "demo_plugin"
    (package / "templates" / "demo_plugin").mkdir(parents=True)
    (package / "__init__.py").write_text('from flask_babel import pgettext\nLABEL = pgettext("person", "Name")\n')
    (package / "templates" / "demo_plugin" / "x.html").write_text('{{ _("Open") }} {{ ngettext("%(num)d unit", "%(num)d units", 2) }}')
    for lang in ("lt", "fa", "he"):
        catalog = Catalog(locale=lang)
        catalog.add("Name", "x", context="person")
        catalog.add("Open", "x" if lang != "he" else "", flags=("fuzzy",) if lang == "fa" else ())
        catalog.add(("%(num)d unit", "%(num)d units"), ("%(num)d a", "%(num)d b") if lang == "lt" else ("%(num)d a",) * catalog.num_plurals)
        (package / "translations" / lang / "LC_MESSAGES").mkdir(parents=True)
        with (package / "translations" / lang / "LC_MESSAGES" / "messages.po").open("wb") as fh:
            write_po(fh, catalog)
    problems = "\n".join(catalog_problems(package))
    assert "no el catalog" in problems
    assert "he: untranslated or missing: 'Open'" in problems
    assert "fa: fuzzy: 'Open'" in problems
    assert "lt: untranslated or missing: '%(num)d unit'" in problems  # one of the three plural forms is empty
    assert "(context 'person')" not in problems


def test_placeholder_check_catches_a_dropped_placeholder():
    catalog = Catalog(locale="el")
    catalog.add("Customer “%(name)s” deleted.", "Ο πελάτης διαγράφηκε.")
    catalog.add("At least %(n)d characters.", "Τουλάχιστον %(count)d χαρακτήρες.")
    catalog.add("Saved.", "Αποθηκεύτηκε.")
    assert len(placeholder_problems(catalog)) == 2


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_quotes_follow_the_language(name, lang):
    from core.catalogs import read_catalog

    opening, closing = QUOTES[lang]
    for message in read_catalog(PACKAGES[name], lang) or ():
        if message.id and "“" in _ids(message)[0]:
            text = _strings(message)[0].replace("״", '"') if lang == "he" else _strings(message)[0]  # gershayim
            assert opening in text and closing in text, text
            if lang != "lt":  # Lithuanian closes with “ itself
                assert "“" not in text and "”" not in text, text


@pytest.mark.parametrize("count, expected", [(1, "1 mėnuo"), (3, "3 mėnesiai"), (12, "12 mėnesių"),
                                             (21, "21 mėnuo")])
def test_lithuanian_plural_forms(app, count, expected):
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("lt"):
        assert ngettext("%(num)s month", "%(num)s months", count) == expected


def test_persian_plural_is_persian_with_plugins_installed(app):
    """Persian has one plural form; a plugin folder without fa must not bring back English."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context(), force_locale("fa"):
        assert ngettext("%(num)s month", "%(num)s months", 3) == "3 ماه"


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
