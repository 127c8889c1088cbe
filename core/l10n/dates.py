"""Dates and times: one style everywhere, in the reader's time zone and calendar.

Shown: ``format_date`` (``5 Μαρ 2026``; ``۱۴ اسفند ۱۴۰۴`` for a Persian reader on the
Solar Hijri calendar), ``format_datetime`` (the date, then the time, in the reader's
zone), ``format_time``, ``format_month`` and ``format_quarter`` (for report periods).

Typed: ``parse_date`` reads the language's short numeric form (``5/3/2026`` in Greek,
``3/5/2026`` in English, ``2026-03-05`` in Lithuanian, ``5.3.2026`` in Hebrew,
``۱۴۰۴/۱۲/۱۴`` in Persian on the Solar Hijri calendar), always also ISO ``2026-03-05``
on the Gregorian calendar; ``parse_datetime`` reads that date and a ``HH:MM`` time in the
reader's zone and returns naive UTC, as the database stores it. ``input_date`` /
``input_datetime`` write a value back in the form ``parse_*`` reads (form fields).

Stored values are naive UTC datetimes (``core.db.utcnow``) and plain dates; a date has
no time zone and is only converted between calendars.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone as dt_timezone

import jdatetime
from babel import dates as babel_dates
from flask_babel import gettext as _

from core.l10n import context
from core.l10n.numbers import ParseError, latin_digits, native_digits

STYLES = ("short", "medium", "long", "full")
EARLIEST, LATEST = date(1000, 1, 1), date(2999, 12, 31)  # sanity only; callers check their own range


# -- time zones -----------------------------------------------------------------------------


def to_local(value: datetime, tz=None) -> datetime:
    """A stored (naive UTC or aware) datetime in the reader's zone (aware)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt_timezone.utc)
    return value.astimezone(tz or context.timezone())


def to_utc(local: datetime, tz=None) -> datetime:
    """A wall-clock time in the reader's zone → naive UTC for storage.

    Raises :class:`ParseError` for a time skipped when the clocks go forward. A time that
    happens twice when they go back is taken as its first occurrence (``fold=0``).
    """
    tz = tz or context.timezone()
    aware = local.replace(tzinfo=tz, fold=0) if local.tzinfo is None else local
    utc = aware.astimezone(dt_timezone.utc)
    if utc.astimezone(tz).replace(tzinfo=None) != aware.replace(tzinfo=None):
        raise ParseError(_("%(time)s does not exist in your time zone (the clocks go forward then).",
                           time=local.strftime("%H:%M")))
    return utc.replace(tzinfo=None)


def local_today() -> date:
    """Today in the reader's zone (not the server's)."""
    return datetime.now(context.timezone()).date()


# -- calendars ------------------------------------------------------------------------------


def _persian(d: date) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=d)


def _persian_text(d: date, style: str) -> str:
    j = _persian(d)
    month = jdatetime.date.j_months_fa[j.month - 1]
    if style == "short":
        text = f"{j.year}/{j.month}/{j.day}"
    elif style == "full":
        text = f"{jdatetime.date.j_weekdays_fa[j.weekday()]} {j.day} {month} {j.year}"
    else:
        text = f"{j.day} {month} {j.year}"
    return native_digits(text)


def _hebrew_text(d: date) -> str:
    """The Hebrew calendar date (``ט״ז אדר תשפ״ו`` in Hebrew, ``16 Adar 5786`` otherwise), by
    **pyluach** (imported here: only readers who chose this calendar need it)."""
    from pyluach.dates import GregorianDate

    h = GregorianDate(d.year, d.month, d.day).to_heb()
    if context.language() == "he":
        return h.hebrew_date_string()
    return native_digits(f"{h.day} {h.month_name()} {h.year}")


def _style(style: str | None) -> str:
    return style if style in STYLES else "medium"


def format_date(value, style: str | None = "medium") -> str:
    """A date (or a stored datetime, taken in the reader's zone) in the reader's calendar.

    An ISO string (how stored texts keep dates) is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = to_local(value).date()
    style = _style(style)
    calendar = context.calendar()  # once: it reads the user through flask-login's proxy
    if calendar == context.PERSIAN:
        return _persian_text(value, style)
    text = native_digits(babel_dates.format_date(value, style, locale=context.locale()))
    if calendar == context.HEBREW and style != "short":
        return f"{text} ({_hebrew_text(value)})"
    return text


def format_time(value, style: str | None = "short") -> str:
    """The time of a stored datetime in the reader's zone (``14:05``, ``2:05 μ.μ.``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return native_digits(babel_dates.format_time(value, "short" if style != "medium" else "medium",
                                                 locale=context.locale()))


def format_datetime(value, style: str | None = "medium") -> str:
    """Date (in ``style``) and time (short) of a stored datetime, in the reader's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and "T" in value:
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return format_date(value, style)
    style = _style(style)
    local = to_local(value)
    pattern = context.locale().datetime_formats.get(style) or "{1} {0}"
    return str(pattern).replace("{1}", format_date(local.date(), style)).replace("{0}", format_time(local))


def format_month(value: date | str) -> str:
    """A Gregorian month as a report label (``Μάρτιος 2026``, ``مارس ۲۰۲۶``).

    Report periods are Gregorian months in the database, so they are named in the
    Gregorian calendar for every reader (a Solar Hijri month straddles two of them).
    ``value`` may also be the ``"YYYY-MM"`` key reports group by in SQL; anything else
    is returned as it is.
    """
    if isinstance(value, str):
        year, _sep, month = value.partition("-")
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            return value
        value = date(int(year), int(month), 1)
    return native_digits(babel_dates.format_date(value, "LLLL y", locale=context.locale()))


def format_quarter(value: date) -> str:
    """A Gregorian quarter as a report label (``1ο τρίμηνο 2026``, ``I ketvirtis 2026``)."""
    return native_digits(babel_dates.format_date(value, "QQQQ y", locale=context.locale()))


def format_weekday(value: date) -> str:
    return babel_dates.format_date(value, "EEEE", locale=context.locale())


def weekdays() -> list[tuple[int, str]]:
    """The days of the week as ``(ISO number, name)`` in the reader's language, starting on the
    day their week starts (Monday in Greek, Saturday in Persian, Sunday in Hebrew): the labels
    of a working-days choice, stored as ISO numbers (Monday = 1 … Sunday = 7)."""
    from babel.core import Locale, get_global

    loc = context.locale()
    names = babel_dates.get_day_names("wide", context="stand-alone", locale=loc)  # 0 = Monday; a label's form
    # "fa" alone has no country, and CLDR's week data is by country: take the language's usual one
    # (fa → Iran, he → Israel), as CLDR's likely subtags say.
    region = loc if loc.territory else Locale.parse(get_global("likely_subtags").get(loc.language, str(loc)))
    first = region.first_week_day
    return [((first + i) % 7 + 1, names[(first + i) % 7]) for i in range(7)]


# -- what people type -----------------------------------------------------------------------


def _field_order() -> str:
    """``"dmy"``, ``"mdy"`` or ``"ymd"`` from the language's short date pattern."""
    if context.calendar() == context.PERSIAN:
        return "ymd"
    pattern = babel_dates.get_date_format("short", locale=context.locale()).pattern
    order = "".join(dict.fromkeys(c.lower() for c in pattern if c.lower() in "dmy"))
    return order if sorted(order) == ["d", "m", "y"] else "ymd"


def _separator() -> str:
    if context.calendar() == context.PERSIAN:
        return "/"
    pattern = babel_dates.get_date_format("short", locale=context.locale()).pattern
    found = re.search(r"[^dMyLG'\s]", pattern)
    return found.group(0) if found else "-"


def input_date(value: date | None) -> str:
    """A date as the reader types it (four-digit year): the value of a date field."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    if context.calendar() == context.PERSIAN:
        j = _persian(value)
        y, m, d = j.year, j.month, j.day
    else:
        y, m, d = value.year, value.month, value.day
    parts = {"y": f"{y:04d}", "m": f"{m}", "d": f"{d}"}
    order = _field_order()
    if order == "ymd" and _separator() == "-":
        parts.update(m=f"{m:02d}", d=f"{d:02d}")
    return native_digits(_separator().join(parts[k] for k in order))


def input_datetime(value: datetime | None) -> str:
    """A stored datetime as the reader types it: their date form and ``HH:MM``, in their zone."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{input_date(local.date())} {native_digits(local.strftime('%H:%M'))}"


def input_clock(value: time | None) -> str:
    """A wall-clock time (opening hours: no date, no zone) as the reader types it: ``09:00``, ``۰۹:۰۰``."""
    return "" if value is None else native_digits(value.strftime("%H:%M"))


def parse_clock(text) -> time | None:
    """``9:00``, ``09.00``, ``۰۹:۰۰`` → a ``time`` (``None`` for blank). Raises :class:`ParseError`."""
    if text is None or isinstance(text, time):
        return text
    s = latin_digits(str(text)).strip().strip("\u200e\u200f")
    if not s:
        return None
    found = re.fullmatch(r"(\d{1,2})[:.\u066b](\d{2})", s)
    if not found:
        raise ParseError(_("Enter a time such as %(example)s.", example=native_digits("09:30")))
    hours, minutes = int(found.group(1)), int(found.group(2))
    if hours > 23 or minutes > 59:
        raise ParseError(_("Enter a time between 00:00 and 23:59."))
    return time(hours, minutes)


def date_example() -> str:
    """A date in the form the reader types (placeholders and error messages)."""
    sample = date(2026, 12, 31) if context.calendar() != context.PERSIAN else \
        jdatetime.date(1405, 12, 29).togregorian()
    return input_date(sample)


def _bad_date() -> ParseError:
    return ParseError(_("Enter a date such as %(example)s.", example=date_example()))


def parse_date(text) -> date | None:
    """What the reader typed → a Gregorian ``date`` (``None`` for blank). Raises :class:`ParseError`."""
    if text is None or isinstance(text, date):
        return text.date() if isinstance(text, datetime) else text
    s = latin_digits(str(text)).strip()
    if not s:
        return None
    groups = re.findall(r"\d+", s)
    if len(groups) != 3 or re.search(r"[^\d\s/.\-\u060c,\u200e\u200f]", s):
        raise _bad_date()
    persian = context.calendar() == context.PERSIAN
    if len(groups[0]) == 4:  # ISO-like year first, in any language
        order = "ymd"
    else:
        order = _field_order()
    values = dict(zip(order, map(int, groups)))
    year = values["y"]
    if len(groups[order.index("y")]) <= 2:
        year += 1400 if persian else 2000
    try:
        if persian and year < 1700:  # a Solar Hijri year (1404 is 2025/26)
            result = jdatetime.date(year, values["m"], values["d"]).togregorian()
        else:
            result = date(year, values["m"], values["d"])
    except ValueError as exc:
        raise _bad_date() from exc
    if not EARLIEST <= result <= LATEST:
        raise ParseError(_("That date is out of range."))
    return result


def parse_datetime(text) -> datetime | None:
    """A date and ``HH:MM`` typed in the reader's zone → naive UTC. Raises :class:`ParseError`."""
    if text is None or isinstance(text, datetime):
        return text
    s = latin_digits(str(text)).strip()
    if not s:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?", s):  # what <input type=datetime-local> sends
        day_text, clock = s.split("T")
    else:
        found = re.fullmatch(r"(.+?)[\s,\u060c]+(\d{1,2})[:.](\d{2})", s)
        if not found:
            example = date_example() + " " + native_digits("14:30")
            raise ParseError(_("Enter a date and time such as %(example)s.", example=example))
        day_text, clock = found.group(1), f"{found.group(2)}:{found.group(3)}"
    day = parse_date(day_text)
    hours, minutes = (int(p) for p in clock.split(":")[:2])
    if hours > 23 or minutes > 59:
        raise ParseError(_("Enter a time between 00:00 and 23:59."))
    return to_utc(datetime.combine(day, time(hours, minutes)))
