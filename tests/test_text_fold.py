"""``core.text.fold`` takes short cuts for speed (ASCII, one regular expression for the
combining marks); it must give exactly what the plain definition gives, for every code
point and for real names in our five languages."""
from __future__ import annotations

import random
import re
import sys
import unicodedata

from core.text import _PERSIAN, fold

_SPACES = re.compile(r"\s+")


def plain_fold(text: str | None) -> str:
    """The definition: Persian letters unified, NFKD, combining marks dropped, casefold, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PERSIAN))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def test_every_code_point_folds_as_the_definition_says():
    differs = [hex(cp) for cp in range(sys.maxunicode + 1)
               if not 0xD800 <= cp <= 0xDFFF and fold(f"A{chr(cp)}b") != plain_fold(f"A{chr(cp)}b")]
    assert differs == []


NAMES = ["Γιώργος Παπαδόπουλος", "ΐ ΰ Ϊ́", "Šarūnas Žukauskas", "ZOË", "İstanbul", "ﬃ ﬁ ① ㎏", "דָּוִד כֹּהֵן",
         "علي كريمي", "مریم\u200cرضایی", "  Anna\t\nSmith  ", "c2@example.gr", "+306970000033", "Ελένη  \u00a0 Ν.",
         "ﷺ", "e\u0301\u0327", "", "ß ẞ ς Σ"]


def test_names_and_random_mixtures_fold_as_the_definition_says():
    for name in NAMES:
        assert fold(name) == plain_fold(name), name
    rng = random.Random(17)
    alphabet = "".join(NAMES) + "".join(chr(c) for c in range(0x300, 0x370))
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert fold(text) == plain_fold(text), ascii(text)
    assert fold("Παπαδόπουλος") == fold("ΠΑΠΑΔΟΠΟΥΛΟΣ") == "παπαδοπουλοσ"
    assert fold("Šarūnas") == "sarunas" and fold(None) == ""


def test_the_bulk_search_text_is_the_fold_of_the_values_joined(app):  # app: every model mapped
    from core.customers.bulk import search_text

    rng = random.Random(5)
    for _ in range(2000):
        name = rng.choice(NAMES)
        emails = rng.sample(NAMES, rng.randint(0, 2))
        phones = rng.sample(NAMES, rng.randint(0, 2))
        company = rng.choice([None, "", *NAMES])
        expected = plain_fold(" ".join(p for p in (name, *emails, *phones, company or "") if p))
        assert search_text(name, emails, phones, company) == expected
        assert search_text(name, emails, phones, company, folded_name=fold(name)) == expected
