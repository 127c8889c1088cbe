"""Checking what a form or the API sends, with messages per field (one way for campaigns,
surveys and segments): errors are collected, then raised together as :class:`InputError`."""
from __future__ import annotations

from flask_babel import gettext as _


class InputError(ValueError):
    """The input cannot be saved; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def name(errors: dict, data: dict, field: str = "name") -> str:
    value = (data.get(field) or "").strip()
    if not value or len(value) > 200:
        errors.setdefault(field, []).append(_("A name of 1 to 200 characters is required."))
    return value


def whole_number(errors: dict, data: dict, field: str, low: int, high: int, default=None):
    """``data[field]`` as an int within [low, high]; ``default`` when it is empty.

    Text from a form is read as its reader writes numbers (``core.l10n``: ``۱۲۰`` in Persian,
    ``1.000`` in Greek), as the core's ``IntegerField`` does; the API sends JSON integers."""
    from core.l10n import ParseError, parse_decimal

    value = data.get(field)
    if value in (None, ""):
        return default
    number = None
    if isinstance(value, str):
        try:
            parsed = parse_decimal(value)
        except ParseError:
            parsed = None
        if parsed is None and not value.strip():
            return default
        if parsed is not None and parsed == parsed.to_integral_value():
            number = int(parsed)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    if number is None or not low <= number <= high:
        errors.setdefault(field, []).append(
            _("A whole number from 0 to %(max)d.", max=high) if low == 0
            else _("A whole number from %(low)d to %(high)d.", low=low, high=high))
    return number
