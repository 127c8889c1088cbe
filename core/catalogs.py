"""Checks that a package's translation catalogs are complete (the core's and every plugin's).

Rapport speaks English, Greek, Lithuanian, Persian and Hebrew; a plugin that misses one
of them shows English in the middle of a Greek page. :func:`catalog_problems` lists
everything wrong with a package's catalogs — a missing language, a string in the code
or templates that is not in the catalog, an untranslated or fuzzy entry, the wrong
number of plural forms, a dropped ``%(name)s`` placeholder, Arabic ي/ك in Persian — and
the core's test suite runs it for the core and for every installed plugin, so the next
plugin cannot forget. A plugin's own tests can call it too::

    from core.catalogs import catalog_problems
    assert catalog_problems(Path(rapport_hello.__file__).parent) == []

Strings are found as ``make messages`` finds them: ``_``, ``gettext``, ``ngettext``,
``_l``/``lazy_gettext``, ``N_`` (marked, translated later), ``lazy_ngettext``, ``pgettext``/``npgettext``/``lazy_pgettext``
(with their context), in ``**.py`` and ``templates/**.html``.
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

LANGUAGES = ("el", "lt", "fa", "he")
METHOD_MAP = [("**/tests/**.py", "ignore"), ("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
            "lazy_pgettext": ((1, "c"), 2)}
OPTIONS = {"extensions": "jinja2.ext.i18n"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
ARABIC_LETTERS = re.compile("[\u064a\u0643]")  # ي ك: Persian writes ی ک


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def source_messages(package: Path) -> set[tuple[str | None, str]]:
    """``(context, msgid)`` of every translatable string in a package's code and templates."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(package), METHOD_MAP, options_map={"**.html": OPTIONS}, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.add((context, msgid))
    return found


def read_catalog(package: Path, lang: str) -> Catalog | None:
    path = package / "translations" / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose ``%(name)s`` placeholders differ from the English text's."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in _ids(message)))
        for text in _strings(message):
            if text and set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {_ids(message)[0]!r} -> {text!r}")
    return problems


def catalog_problems(package: Path, languages=LANGUAGES) -> list[str]:
    """Everything wrong with ``package``'s catalogs, as sentences (empty when all is well)."""
    package = Path(package)
    source = source_messages(package)
    problems = []
    for lang in languages:
        catalog = read_catalog(package, lang)
        if catalog is None:
            if source:
                problems.append(f"{package.name}: no {lang} catalog (run `make messages`, then translate)")
            continue
        known = {(m.context, _ids(m)[0]) for m in catalog if m.id and all(_strings(m)) and not m.fuzzy}
        for context, msgid in sorted(source - known, key=str):
            where = f" (context {context!r})" if context else ""
            problems.append(f"{package.name}/{lang}: untranslated or missing{where}: {msgid!r}")
        for m in catalog:
            if not m.id:
                continue
            if m.fuzzy:
                problems.append(f"{package.name}/{lang}: fuzzy: {_ids(m)[0]!r}")
            if isinstance(m.id, (tuple, list)) and len(_strings(m)) != catalog.num_plurals:
                problems.append(f"{package.name}/{lang}: {catalog.num_plurals} plural forms needed: {m.id[0]!r}")
            if lang == "fa" and any(ARABIC_LETTERS.search(s or "") for s in _strings(m)):
                problems.append(f"{package.name}/fa: Arabic ي or ك instead of Persian ی or ک: {_ids(m)[0]!r}")
        problems += [f"{package.name}/{lang}: {p}" for p in placeholder_problems(catalog)]
    return problems


def conflict_problems(packages: dict[str, Path], languages=LANGUAGES) -> list[str]:
    """The same English text translated differently by two packages.

    Every package's catalog is merged into one gettext domain, the core's last, so
    when a plugin and the core (or two plugins) both translate ``"Service"`` only one
    translation is shown — the plugin's is silently lost. A word that means something
    else in the plugin needs a context (``pgettext("menu", "Service")``); a word that
    means the same should read the same.
    """
    problems = []
    for lang in languages:
        seen: dict[tuple, tuple[str, object]] = {}
        for name in sorted(packages, key=lambda n: (n != "core", n)):
            catalog = read_catalog(Path(packages[name]), lang)
            for m in catalog or ():
                if not m.id or m.fuzzy or not all(_strings(m)):
                    continue
                key = (m.context, _ids(m)[0])
                if key in seen and seen[key][1] != m.string:
                    other, text = seen[key]
                    problems.append(f"{name}/{lang}: {key[1]!r} is {m.string!r} here but {text!r} in {other}: "
                                    "use the same words, or a pgettext context if the meaning differs")
                seen.setdefault(key, (name, m.string))
    return problems
