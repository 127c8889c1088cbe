"""Reading cell text as values, in the conventions of the file's language.

Dates and numbers go through the l10n helpers (``core.l10n``: the same parsing as every
form), under the language the user said the file is written in: ``1.234,50`` is one
thousand two hundred and thirty-four and a half in a Greek or Lithuanian file,
``03/04/2026`` is the 3rd of April in a Greek file and March 4th in an English one;
ISO dates (``2026-04-03``) and Persian digits are read in every language. A list cell
(``a@x.gr; b@y.gr``) splits on semicolons and commas.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import force_locale

_LIST = re.compile(r"\s*[;,]\s*")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


class CellError(ValueError):
    """A cell that cannot be read as what its column holds; the message is for the user."""


def split_list(text: str) -> list[str]:
    return [v for v in _LIST.split(text or "") if v]


def parse_date(text: str, language: str) -> date | None:
    """``text`` as a date written in ``language`` (ISO in any language); ``None`` when blank."""
    text = (text or "").strip()
    if not text:
        return None
    if _ISO_DATE.match(text):  # also what an Excel date cell reads as
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    from core.l10n import ParseError
    from core.l10n import parse_date as l10n_parse_date

    with force_locale(language):
        try:
            return l10n_parse_date(text)
        except ParseError as exc:
            raise CellError(str(exc)) from None


def parse_decimal(text: str, language: str) -> Decimal | None:
    """``text`` as a number written in ``language`` (``1.234,50``, ``1 234,50``, ``۱۲۳``)."""
    text = (text or "").strip()
    if not text:
        return None
    from core.l10n import ParseError
    from core.l10n import parse_decimal as l10n_parse_decimal

    with force_locale(language):
        try:
            return l10n_parse_decimal(text)
        except ParseError as exc:
            raise CellError(str(exc)) from None
