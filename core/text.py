"""Text normalisation for search and duplicate detection, in every script.

``fold`` removes case and accents the same way for Greek, Lithuanian, Persian,
Hebrew and Latin text: NFKD decomposition, combining marks dropped, casefold.
"παπαδοπουλος" and "Παπαδόπουλος" fold to the same string; so do "sarunas" and
"Šarūnas", "ZOË" and "Zoë". The result is stored in indexed columns and queries are
folded the same way, so search is a plain ``LIKE`` on both SQLite and PostgreSQL.
"""
from __future__ import annotations

import functools
import re
import sys
import unicodedata

_SPACES = re.compile(r"\s+")
# Arabic-script letters that users type interchangeably (Arabic vs Persian forms).
_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه", "ۀ": "ه", "\u200c": " "})
# Greek final sigma folds to sigma under casefold already; nothing else needed.


def fold(text: str | None) -> str:
    """Lower-case, accent-free, whitespace-collapsed form of ``text``.

    Hot (every imported customer is folded for its name and search keys), so ASCII text
    takes a short cut with the same result, and combining marks go in one regular
    expression instead of a test per character (tests/test_text_fold.py checks both
    against the plain definition for every code point).
    """
    if not text:
        return ""
    if text.isascii():  # nothing to decompose, translate or strip
        return _SPACES.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text.translate(_PERSIAN))
    return _SPACES.sub(" ", _combining_marks().sub("", decomposed).casefold()).strip()


@functools.cache
def _combining_marks() -> re.Pattern:
    """Every character with a non-zero combining class (``unicodedata.combining``) as one
    character class; built on first use (a scan of all code points, about 0.1 s)."""
    ranges: list[list[int]] = []
    for cp in range(sys.maxunicode + 1):
        if unicodedata.combining(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return re.compile("[" + "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                                    for a, b in ranges) + "]")


def like_pattern(term: str) -> str:
    """A ``LIKE`` pattern matching ``term`` anywhere, with wildcards escaped (``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Characters no column should hold: NUL (PostgreSQL refuses it), the other C0 controls
# except tab and line breaks, DEL, and lone UTF-16 surrogates (no encoder accepts them).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored (a translated message), or ``None`` when it can.

    The same check for the API (``core.api.fields.Text``) and for web forms
    (``core.web.guard``), so SQLite and PostgreSQL answer alike.
    """
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    from flask_babel import gettext as _

    char = match.group()
    if char == "\x00":
        return _("Contains a NUL character, which cannot be stored.")
    if "\ud800" <= char <= "\udfff":
        return _("Contains a broken character (a lone UTF-16 surrogate), which cannot be stored.")
    return _("Contains a control character (U+%(code)04X), which cannot be stored.", code=ord(char))
