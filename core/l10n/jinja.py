"""Jinja filters and globals: every template formats through :mod:`core.l10n`.

Filters: ``number`` (``places=``), ``quantity``, ``money(currency)``, ``percent``,
``date`` / ``datetime`` / ``time`` (``style=``), ``month``, ``quarter``, ``ref``.
Flask-Babel's own ``dateformat``, ``datetimeformat`` and ``timeformat`` filters are
pointed at the same functions, so older templates follow the reader's calendar and
time zone too. Globals: ``arrow()`` (``→``, or ``←`` on right-to-left pages),
``l10n_text(kind, params, fallback)``.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from core.l10n import dates, numbers, texts


def ref(value) -> Markup:
    """A reference number (``SR-000402``, ``SO-2026-0077``) that never wraps or reorders in RTL text."""
    if value in (None, ""):
        return Markup("")
    return Markup('<bdi dir="ltr" class="text-nowrap">%s</bdi>') % escape(value)


def money(value, currency=None) -> Markup:
    """Money isolated from the surrounding text (a currency sign must not jump sides in RTL)."""
    if value is None or value == "":
        return Markup("—")
    return Markup('<bdi class="text-nowrap">%s</bdi>') % numbers.format_money(value, currency)


def arrow(forward: bool = True) -> str:
    """``→`` pointing the way the page reads (``←`` in Persian and Hebrew)."""
    from core.i18n import text_direction

    rtl = text_direction() == "rtl"
    return "←" if rtl == forward else "→"


def install(app) -> None:
    env = app.jinja_env
    env.filters.update(
        number=lambda v, places=None: numbers.format_number(v, places),
        quantity=numbers.format_quantity,
        money=money,
        percent=numbers.format_percent,
        and_list=numbers.format_list,
        date=lambda v, style="medium": dates.format_date(v, style),
        datetime=lambda v, style="medium": dates.format_datetime(v, style),
        time=lambda v, style="short": dates.format_time(v, style),
        month=dates.format_month,
        quarter=dates.format_quarter,
        input_date=dates.input_date,
        ref=ref,
        # Flask-Babel's names, so every template follows the reader's calendar and zone.
        dateformat=lambda v, format="medium": dates.format_date(v, format),
        datetimeformat=lambda v, format="medium": dates.format_datetime(v, format),
        timeformat=lambda v, format="short": dates.format_time(v, format),
        currencyformat=lambda v, currency=None, *args, **kwargs: numbers.format_money(v, currency),
        decimalformat=lambda v, *args, **kwargs: numbers.format_number(v),
        numberformat=lambda v, *args, **kwargs: numbers.format_number(v),
    )
    from core.db import utcnow

    env.globals.update(arrow=arrow, l10n_text=texts.render_text, utcnow=utcnow)
