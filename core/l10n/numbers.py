"""Numbers, money and percentages: shown and read in the reader's conventions.

Formatting uses Babel's CLDR data (``1.250,50 €`` in Greek, ``1 250,50 €`` in
Lithuanian, ``€1,250.50`` in English, ``۱٬۲۵۰٫۵۰ €`` in Persian) and never prints a
``Decimal`` in exponent notation (``Decimal("10.00").normalize()`` is ``1E+1``).

Parsing accepts what people type: the language's decimal sign and grouping
(``1.250,50`` in Greek, ``1 250,50`` in Lithuanian), a plain dot decimal, and Persian
(``۱۲۳``) or Arabic-Indic (``١٢٣``) digits. A lone grouping sign followed by exactly
three digits is grouping (``1.250`` is 1250 in Greek), otherwise a lone separator that
is not the language's decimal sign is read as a decimal point (``1.5`` is 1.5 in Greek).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import numbers as babel_numbers
from flask_babel import gettext as _

from core.l10n.context import locale as current_locale

# Languages whose numbers are written with their own digits.
NATIVE_DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹"}
_TO_LATIN = str.maketrans({**{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian (Extended Arabic-Indic)
                           **{chr(0x0660 + i): str(i) for i in range(10)}})  # Arabic-Indic
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’]")


class ParseError(ValueError):
    """Input the reader's conventions cannot read; ``str(error)`` is a message in their language."""


def _loc(locale=None):
    return locale or current_locale()


def native_digits(text: str, locale=None) -> str:
    """Latin digits → the language's own digits (Persian ``۱۲۳``); other languages unchanged."""
    digits = NATIVE_DIGITS.get(_loc(locale).language)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits → ``0-9`` (for parsing what people type)."""
    return text.translate(_TO_LATIN)


def _numbering(loc) -> str:
    return "default" if loc.language in NATIVE_DIGITS else "latn"


def _plain(value) -> Decimal:
    """A Decimal without exponent (``1E+1`` → ``10``) and without trailing zeros."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if not d.is_finite():
        return d
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


@lru_cache(maxsize=16)
def _pattern(places: int | None) -> babel_numbers.NumberPattern:
    """The parsed number pattern (Babel parses a pattern string again on every call)."""
    if places is None:
        return babel_numbers.parse_pattern("#,##0.##########")
    return babel_numbers.parse_pattern("#,##0" + ("." + "0" * places if places else ""))


def format_number(value, places: int | None = None, locale=None) -> str:
    """``1250.5`` → ``1.250,5`` (el). ``places`` fixes the decimals (``places=2`` → ``1.250,50``)."""
    if value is None or value == "":
        return ""
    loc = _loc(locale)
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    if places is None:
        text = babel_numbers.format_decimal(_plain(d), format=_pattern(None), locale=loc,
                                            decimal_quantization=False, numbering_system=_numbering(loc))
    else:
        text = babel_numbers.format_decimal(d, format=_pattern(places), locale=loc, numbering_system=_numbering(loc))
    return native_digits(text, loc)


def format_quantity(value, locale=None) -> str:
    """A quantity as people write it: no trailing zeros, no exponent (``10.000`` → ``10``)."""
    return format_number(value, None, locale)


def format_money(amount, currency: str | None = None, locale=None) -> str:
    """``1250.5, "EUR"`` → ``1.250,50 €`` (el), ``€1,250.50`` (en). Without a currency, two decimals."""
    if amount is None or amount == "":
        return ""
    loc = _loc(locale)
    d = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    if not currency:
        return format_number(d, 2, loc)
    text = babel_numbers.format_currency(d, currency, locale=loc, numbering_system=_numbering(loc))
    return native_digits(text, loc)


def format_list(items, locale=None) -> str:
    """Several things in one sentence as the language joins them: ``A, B and C`` (en),
    ``A, B και C`` (el), ``A، B، و C`` (fa), ``A, B וC`` (he) — never a Latin comma in Persian."""
    from babel.lists import format_list as babel_format_list

    items = [str(i) for i in items if i not in (None, "")]
    return babel_format_list(items, style="standard", locale=_loc(locale)) if items else ""


def format_percent(points, locale=None) -> str:
    """Percentage points as the language writes them: ``10`` → ``10%`` (el), ``10 %`` (lt), ``۱۰٪`` (fa).

    ``points`` is the number people type (10 for ten per cent), never a fraction.
    """
    if points is None or points == "":
        return ""
    loc = _loc(locale)
    fraction = _plain(Decimal(str(points))) / 100
    text = babel_numbers.format_percent(fraction, locale=loc, decimal_quantization=False,
                                        numbering_system=_numbering(loc))
    if loc.language in NATIVE_DIGITS:
        text = text.replace("%", "٪")
    return native_digits(text, loc)


@lru_cache(maxsize=64)
def _symbols(loc) -> tuple[str, str]:
    """The locale's decimal and grouping signs (Latin numbering), looked up once per locale."""
    return (babel_numbers.get_decimal_symbol(loc, numbering_system="latn"),
            babel_numbers.get_group_symbol(loc, numbering_system="latn"))


def number_signs(locale=None) -> tuple[str, str]:
    """``(decimal sign, grouping sign)`` the reader types (the quotation editor's script reads numbers with them)."""
    return _symbols(_loc(locale))


def _grouped(text: str) -> bool:
    """``1,250,000``-style integer part: 1-3 digits, then groups of exactly three."""
    return re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*", text) is not None


def number_example(locale=None) -> str:
    return format_number(Decimal("1250.5"), 2, locale)


class _BadNumber(Exception):
    """Raised inside :func:`parse_decimal`, turned into the user's :class:`ParseError` there."""


def parse_decimal(text, locale=None) -> Decimal | None:
    """What the reader typed → ``Decimal`` (``None`` for blank). Raises :class:`ParseError`."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    loc = _loc(locale)
    try:
        return _read_decimal(str(text), loc)
    except _BadNumber:
        # Built only here: the translated message with a formatted example cost twice the
        # parsing itself when it was made for every number (historical order imports).
        raise ParseError(_("Enter a number, such as %(example)s.", example=number_example(loc))) from None


def _read_decimal(text: str, loc) -> Decimal | None:
    s = latin_digits(text).translate(_BIDI_MARKS).strip()
    if not s:
        return None
    decimal_sign, group_sign = _symbols(loc)
    s = s.replace("\u066b", decimal_sign).replace("\u066c", group_sign).replace("\u060c", ",")
    negative = s[:1] in ("-", "\u2212")
    if negative or s[:1] == "+":
        s = s[1:]
    s = _SPACES.sub("", s)
    group_sign = "" if _SPACES.fullmatch(group_sign or " ") else group_sign
    error = _BadNumber
    if not re.fullmatch(r"[0-9.,]+", s) or not re.search(r"\d", s):
        raise error
    separators = set(re.sub(r"\d", "", s))
    if not separators:
        number = s
    elif len(separators) == 2:  # both signs: the rightmost one is the decimal sign
        point = max(s.rfind("."), s.rfind(","))
        whole, fraction = s[:point], s[point + 1:]
        if not fraction.isdigit() or not _grouped(whole) or s[point] in whole:
            raise error
        number = re.sub(r"[.,]", "", whole) + "." + fraction
    else:
        (sign,) = separators
        parts = s.split(sign)
        if sign == decimal_sign or (len(parts) == 2 and not (sign == group_sign and len(parts[1]) == 3)):
            if len(parts) != 2 or not parts[0] and not parts[1] or not (parts[1] or parts[0]).isdigit():
                raise error
            number = (parts[0] or "0") + "." + (parts[1] or "0")
        elif _grouped(s):
            number = s.replace(sign, "")
        else:
            raise error
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise error from None
    return -value if negative else value
