"""WTForms fields that read and show values in the reader's conventions.

``DecimalField``, ``IntegerField``, ``DateField``, ``DateTimeField`` and ``TimeField`` render a text input holding the
value as the reader writes it (``1.250,50``, ``۱۲``, ``5/3/2026``, ``۱۴۰۴/۱۲/۱۴ ۱۴:۳۰``), parse
what comes back with :mod:`core.l10n` and put a ``Decimal``, ``int``, ``date`` or naive-UTC
``datetime`` in ``field.data``. Unreadable input is a field error in the reader's
language and the typed text is shown again. Use them for every number or date a
person types; the API keeps ISO dates and dot decimals (marshmallow schemas).
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from core.l10n.dates import (
    date_example, input_clock, input_date, input_datetime, parse_clock, parse_date, parse_datetime, weekdays,
)
from core.l10n.numbers import ParseError, format_number, native_digits, parse_decimal
from core.web.choices import select_choices


class _LocalField(StringField):
    """A text input whose ``data`` is parsed; ``raw`` keeps what was typed."""

    input_mode: str | None = None

    def _format(self, value) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _parse(self, text):  # pragma: no cover - overridden
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not valuelist:
            return
        try:
            self.data = self._parse(valuelist[0])
        except ParseError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self._format(self.data) if self.data not in (None, "") else ""

    def __call__(self, **kwargs):
        if self.input_mode:
            kwargs.setdefault("inputmode", self.input_mode)
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(**kwargs)


class DecimalField(_LocalField):
    """A number in the reader's conventions; ``places`` fixes the decimals shown (money: 2)."""

    input_mode = "decimal"

    def __init__(self, label=None, validators=None, places: int | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places = places

    def _format(self, value) -> str:
        return format_number(Decimal(str(value)), self.places)

    def _parse(self, text):
        return parse_decimal(text)


class IntegerField(_LocalField):
    """A whole number in the reader's digits and grouping (``۱۲``, ``10.000``).

    WTForms' own ``IntegerField`` renders ``type="number"``, which a browser shows with Latin
    digits and empties when a Persian keyboard types ``۱۲``; this one is a text input with the
    numeric keypad on phones."""

    input_mode = "numeric"

    def _format(self, value) -> str:
        return format_number(int(value), 0)

    def _parse(self, text):
        number = parse_decimal(text)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ParseError(_("Enter a whole number."))
        return int(number)


class DateField(_LocalField):
    """A date in the reader's short form and calendar (``5/3/2026``, ``۱۴۰۴/۱۲/۱۴``).

    The input is left to right in every language, so day, month, year and time keep the order
    they are typed in on a right-to-left page.
    """

    def _format(self, value) -> str:
        return input_date(value)

    def _parse(self, text):
        return parse_date(text)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", date_example())
        kwargs.setdefault("dir", "ltr")
        return super().__call__(**kwargs)


class DateTimeField(_LocalField):
    """A date and time typed in the reader's time zone; ``data`` is naive UTC."""

    def _format(self, value) -> str:
        return input_datetime(value)

    def _parse(self, text):
        return parse_datetime(text)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", f"{date_example()} {native_digits('14:30')}")
        kwargs.setdefault("dir", "ltr")
        return super().__call__(**kwargs)


class TimeField(_LocalField):
    """A wall-clock time of day (``09:00``, ``۰۹:۰۰``) with no date and no zone: opening hours,
    a working day's start. ``data`` is a ``datetime.time``. ``<input type=time>`` is not used:
    browsers show it in their own language, not the page's, and refuse Persian digits."""

    def _format(self, value) -> str:
        return input_clock(value)

    def _parse(self, text):
        return parse_clock(text)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", native_digits("09:00"))
        kwargs.setdefault("dir", "ltr")
        kwargs.setdefault("size", 6)
        return super().__call__(**kwargs)


class WeekdaysField(SelectMultipleField):
    """Days of the week as checkboxes named in the reader's language, in the order their week
    runs; ``data`` is the list of ISO weekday numbers ticked (Monday = 1 … Sunday = 7)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(label, validators, choices=lambda: select_choices(weekdays()), **kwargs)
