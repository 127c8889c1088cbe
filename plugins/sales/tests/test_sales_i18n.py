"""The Hebrew catalog is complete, keeps every placeholder, and RTL pages render."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

HERE = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _catalog(lang):
    with open(HERE / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_hebrew_catalog_is_complete_and_keeps_placeholders():
    template = {m.id for m in read_po(open(HERE / "translations" / "messages.pot", "rb")) if m.id}
    catalog = _catalog("he")
    translated = {m.id: m.string for m in catalog if m.id}
    assert template <= set(translated), sorted(template - set(translated))
    for msgid, msgstr in translated.items():
        assert msgstr and all(msgstr), f"untranslated: {msgid!r}"
        for one_id, one_str in zip(*(x if isinstance(x, tuple) else (x,) for x in (msgid, msgstr))):  # plurals
            assert sorted(PLACEHOLDER.findall(one_id)) == sorted(PLACEHOLDER.findall(one_str)), msgid


def test_every_template_string_is_in_the_template_catalog():
    """A string added to a template without re-extracting would stay English forever."""
    known = {m.id for m in read_po(open(HERE / "translations" / "messages.pot", "rb")) if m.id}
    found = set()
    for path in (HERE / "templates").rglob("*.html"):
        found |= set(re.findall(r'(?<!\w)_\("((?:[^"\\]|\\.)*)"', path.read_text()))
    for path in HERE.glob("*.py"):
        found |= set(re.findall(r'(?<!\w)_l?\("((?:[^"\\]|\\.)*)"', path.read_text()))
    missing = sorted(s for s in found if s not in known)
    assert not missing, f"run pybabel extract/update for: {missing}"


@pytest.mark.plugins("sales")
def test_hebrew_pages_are_right_to_left(app, client, login):
    login()
    client.post("/language", data={"lang": "he", "next": "/sales/"})
    page = client.get("/sales/").get_data(as_text=True)
    assert 'dir="rtl"' in page
    if (HERE / "translations" / "he" / "LC_MESSAGES" / "messages.mo").exists():  # compiled by `make install`
        assert "צנרת" in page and "מכירות" in page
