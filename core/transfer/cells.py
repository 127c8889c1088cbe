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
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

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
    return _local_date(text, language)


# A file repeats its dates and prices (the lines of one order, ten years of days): the same
# text in the same language always reads the same, so each is parsed once per process.
@lru_cache(maxsize=65536)
def _local_date(text: str, language: str) -> date:
    parse, error = _l10n("parse_date")
    with force_locale(language):
        try:
            return parse(text)
        except error as exc:
            raise CellError(str(exc) or _("Not a date: “%(value)s”.", value=text)) from None


def parse_decimal(text: str, language: str) -> Decimal | None:
    """``text`` as a number written in ``language`` (``1.234,50``, ``1 234,50``, ``۱۲۳``)."""
    text = (text or "").strip()
    if not text:
        return None
    return _local_decimal(text, language)


@lru_cache(maxsize=65536)
def _local_decimal(text: str, language: str) -> Decimal:
    parse, error = _l10n("parse_decimal")
    try:  # the language's conventions given directly: no locale switch per number
        return parse(text, _locale(language))
    except error:
        pass
    with force_locale(language):  # the message, in the file's language as before
        try:
            return parse(text)
        except error as exc:
            raise CellError(str(exc) or _("Not a number: “%(value)s”.", value=text)) from None


@lru_cache(maxsize=None)
def _locale(language: str):
    from babel import Locale

    return Locale.parse(language)


@lru_cache(maxsize=None)
def _l10n(name: str):
    """The l10n helper ``name`` and the error it raises (issue 13's ``core.l10n``).

    Until that package is part of the build, Babel's own parsers (which it builds on) in
    the current locale stand in for it.
    """
    try:
        import core.l10n as l10n

        return getattr(l10n, name), l10n.ParseError
    except ModuleNotFoundError as exc:
        if exc.name != "core.l10n":  # the package is there but broken: say so, do not fall back
            raise
        from babel import dates, numbers
        from flask_babel import get_locale

        if name == "parse_date":
            return (lambda text, locale=None: dates.parse_date(text, locale=locale or get_locale())), (
                ValueError, IndexError)
        return (lambda text, locale=None: numbers.parse_decimal(text, locale=locale or get_locale(), strict=True)), (
            numbers.NumberFormatError, ValueError)
