"""Text normalisation for search and duplicate detection, in every script.

``fold`` removes case and accents the same way for Greek, Lithuanian, Persian,
Hebrew and Latin text: NFKD decomposition, combining marks dropped, casefold.
"παπαδοπουλος" and "Παπαδόπουλος" fold to the same string; so do "sarunas" and
"Šarūnas", "ZOË" and "Zoë". The result is stored in indexed columns and queries are
folded the same way, so search is a plain ``LIKE`` on both SQLite and PostgreSQL.
"""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Arabic-script letters that users type interchangeably (Arabic vs Persian forms).
_PERSIAN = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه", "ۀ": "ه", "\u200c": " "})
# Greek final sigma folds to sigma under casefold already; nothing else needed.


def fold(text: str | None) -> str:
    """Lower-case, accent-free, whitespace-collapsed form of ``text``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PERSIAN))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def like_pattern(term: str) -> str:
    """A ``LIKE`` pattern matching ``term`` anywhere, with wildcards escaped (``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
