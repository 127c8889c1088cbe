"""Whose conventions apply: the reader's language, time zone and calendar.

Every formatter and parser in :mod:`core.l10n` asks these functions, so a page, a
chart, a printable quotation and a form all follow the same person's settings:

* **language** (a Babel ``Locale``): Flask-Babel's choice for the request (the user's
  profile, else the session, else the browser), the business language outside a request;
* **time zone**: the user's own (profile page), else the business time zone
  (``RAPPORT_TIMEZONE``, default ``Europe/Athens``). Times are stored as naive UTC and
  converted only at the edges (shown and typed);
* **calendar**: the user's choice (``gregorian`` or ``persian``, the Solar Hijri
  calendar), else the language's usual calendar (Solar Hijri for Persian).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l

GREGORIAN, PERSIAN, HEBREW = "gregorian", "persian", "hebrew"
# Hebrew is shown beside the Gregorian date (what Israeli businesses type and file by), not instead.
CALENDARS = {GREGORIAN: _l("Gregorian"), PERSIAN: _l("Solar Hijri (Persian)"),
             HEBREW: _l("Gregorian with the Hebrew date")}
# The calendar a language uses when the user has not chosen one.
DEFAULT_CALENDAR = {"fa": PERSIAN}
DEFAULT_TIMEZONE = "Europe/Athens"

# Set while writing for someone other than the logged-in user (a customer's email):
# the business time zone and the addressee's language's calendar, not the staff member's.
# Holds the addressee's language (or True without one).
_addressee: ContextVar[bool | str] = ContextVar("l10n_addressee", default=False)


_ENGLISH = Locale.parse("en")


def locale() -> Locale:
    """The reader's language as a Babel ``Locale``.

    Asked once per number or date formatted (a report formats thousands): the locale Flask-Babel
    has already chosen for this context (``force_locale`` included) is read straight from where it
    keeps it, and ``get_locale`` runs only the first time."""
    if not has_app_context():
        return _ENGLISH
    chosen = getattr(g.get("_flask_babel"), "babel_locale", None)
    if chosen is not None:
        return chosen
    if "babel" in current_app.extensions:
        from flask_babel import get_locale

        loc = get_locale()  # the user's choice in a request, the business language elsewhere
        if loc is not None:
            return loc
    return _ENGLISH


def language() -> str:
    return locale().language


def _user():
    if not has_request_context() or _addressee.get():
        return None
    from flask_login import current_user

    user = current_user._get_current_object()  # one proxy look-up, not three (asked per date formatted)
    return user if user and getattr(user, "is_authenticated", False) else None


def valid_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def business_timezone() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name if valid_timezone(name) else DEFAULT_TIMEZONE)


def timezone() -> ZoneInfo:
    """The reader's time zone: their own, else the business's."""
    user = _user()
    name = getattr(user, "timezone", None) if user else None
    return ZoneInfo(name) if valid_timezone(name) else business_timezone()


def timezone_name() -> str:
    """For Flask-Babel's ``timezone_selector`` (its own format_datetime then agrees with ours)."""
    return timezone().key


def calendar() -> str:
    """``"gregorian"``, ``"persian"`` or ``"hebrew"``: the user's choice, else their language's usual one."""
    user = _user()
    chosen = getattr(user, "calendar", None) if user else None
    if chosen in CALENDARS:
        return chosen
    return DEFAULT_CALENDAR.get(language(), GREGORIAN)


def timezone_label(name: str, loc: Locale | None = None) -> str:
    """An IANA zone as a person reads it, in their language: the city and the zone's own name
    (``Αθήνα — Ώρα Ανατολικής Ευρώπης``, ``תהרן — שעון איראן``), from CLDR through Babel.
    The key (``Europe/Athens``) is what is stored; this is only what is shown."""
    from babel.dates import get_timezone_location, get_timezone_name

    loc = loc or locale()
    try:
        city = get_timezone_location(name, locale=loc, return_city=True)
        zone = get_timezone_name(name, "long", zone_variant="generic", locale=loc)
    except (LookupError, ValueError):
        return name
    return f"{city} — {zone}"


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The IANA zones a person picks from, as ``(key, label)`` in the reader's language
    (:func:`timezone_label`), sorted by label, plus ``UTC``. Only the zones of tzdata's
    ``zone.tab`` (one per region; old aliases such as ``Asia/Calcutta`` would repeat a label);
    ``current``, a stored key not among them, is kept so a form shows what is saved."""
    choices = list(_timezone_choices(str(locale())))
    if current and valid_timezone(current) and current not in {key for key, _label in choices}:
        choices.insert(0, (current, f"{timezone_label(current)} ({current})"))
    return choices


def _canonical_zones() -> list[str]:
    from importlib.resources import files

    try:
        table = files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # no tzdata package: the system's list
        return sorted(n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "posix/", "right/")))
    return [line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=8)
def _timezone_choices(language: str) -> tuple[tuple[str, str], ...]:
    """Cached per language: ~400 zones through CLDR take a noticeable time on every profile page."""
    loc = Locale.parse(language)
    labels = [(name, timezone_label(name, loc)) for name in _canonical_zones()]
    counts: dict[str, int] = {}
    for _name, label in labels:
        counts[label] = counts.get(label, 0) + 1
    choices = [(name, f"{label} ({name})" if counts[label] > 1 else label) for name, label in labels]
    return (("UTC", "UTC"), *sorted(choices, key=lambda c: (c[1].casefold(), c[0])))


@contextmanager
def addressee_conventions(language: str | None):
    """Format for a reader who is not the logged-in user (a customer receiving an email):
    ``language``'s conventions and usual calendar, the business time zone.

    Inside a block for the same language (a campaign rendering a language's customers one
    after the other) it changes nothing and costs nothing: no second ``force_locale``."""
    from flask_babel import force_locale, get_locale

    if language and _addressee.get() == language and str(get_locale()) == language:
        yield
        return
    token = _addressee.set(language or True)
    try:
        if language:
            with force_locale(language):
                yield
        else:
            yield
    finally:
        _addressee.reset(token)
