"""Localisation: numbers, money, percentages, dates, calendars, time zones and stored texts.

One set of helpers on Babel's CLDR data, used by every template, chart, printable page
and form, so that a value reads the same everywhere for a given person. Import from
here::

    from core.l10n import format_money, format_date, parse_decimal, DecimalField

Who the reader is (language, time zone, calendar) is decided in :mod:`core.l10n.context`.
See docs/architecture.md ("Numbers, dates and languages") for the rules.
"""
from core.l10n.context import (
    CALENDARS, GREGORIAN, HEBREW, PERSIAN, addressee_conventions, business_timezone, calendar, language, locale, timezone, timezone_choices,
    valid_timezone,
)
from core.l10n.dates import (
    date_example, format_date, format_datetime, format_month, format_quarter, format_time, format_weekday,
    input_clock, input_date, input_datetime, local_today, parse_clock, parse_date, parse_datetime, to_local, to_utc,
    weekdays,
)
from core.l10n.numbers import (
    ParseError, format_list, format_money, format_number, format_percent, format_quantity, latin_digits, native_digits,
    number_example, number_signs, parse_decimal,
)
from core.l10n.texts import english, render_text

__all__ = [
    "CALENDARS", "GREGORIAN", "HEBREW", "PERSIAN", "addressee_conventions", "business_timezone", "calendar", "language", "locale", "timezone",
    "timezone_choices", "valid_timezone",
    "date_example", "format_date", "format_datetime", "format_month", "format_quarter", "format_time",
    "format_weekday", "input_clock", "input_date", "input_datetime", "local_today", "parse_clock", "parse_date",
    "parse_datetime", "to_local", "to_utc", "weekdays",
    "ParseError", "format_list", "format_money", "format_number", "format_percent", "format_quantity", "latin_digits",
    "native_digits", "number_example", "number_signs", "parse_decimal",
    "english", "render_text", "N_",
    "DecimalField", "DateField", "DateTimeField",
]


def N_(message: str) -> str:
    """Mark a string for the catalogs without translating it yet (``_()`` it where it is used).

    Babel does not extract an ``N_()`` nested inside ``_()``: keep marked lists in constants.
    """
    return message


def __getattr__(name):  # the WTForms fields load WTForms only when a form needs them
    if name in ("DecimalField", "DateField", "DateTimeField"):
        from core.l10n import fields

        return getattr(fields, name)
    raise AttributeError(name)
