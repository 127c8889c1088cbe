"""Field types for API schemas: the one place where input is made safe to store.

Every API schema of the core and of the plugins builds its fields from these, so
the same input gives the same answer everywhere and on every database:

* :func:`Id` — a row id (JSON integer 1 … 2\\ :sup:`31`-1, the INTEGER column range);
  :func:`Integer` — any other integer, checked against its column's range.
* :class:`Text` — a string without NUL bytes, lone surrogates or other control
  characters (PostgreSQL refuses NUL, no driver can encode a lone surrogate; a 422
  naming the field instead of a 500), with ``max_length`` checked — never truncated.
* :func:`Money`, :func:`Quantity`, :func:`Percent`, :func:`Number` — decimal strings (a JSON number
  is accepted too) checked against ``Numeric(p, s)``: finite, in range, at most ``s``
  decimals. Output is always a string.
* :class:`UtcDateTime` — times. Output carries the offset (``+00:00``) whatever the
  column holds; input must carry an offset and is stored as naive UTC.
* :func:`Date` — an ISO date between the years 1900 and 2999.
* :func:`Choice` — one of a fixed set of strings.

References to other rows (``customer_id``…) are checked by the service that uses
them (it knows about record rules); a missing row is a 422 on that field.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from core.text import unstorable

from core.db import MAX_ID  # noqa: E402,F401  (INTEGER / SERIAL on PostgreSQL)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def _check_storable(value: str) -> None:
    why = unstorable(value)
    if why:
        raise ma.ValidationError(why)


class Text(fields.String):
    """A string that every database can store: no NUL, no lone surrogate, no control
    character other than tab and line breaks. ``max_length`` (characters) and
    ``min_length`` give a 422 naming the limit; ``strip=True`` trims white space."""

    def __init__(self, *args, max_length: int | None = None, min_length: int | None = None,
                 strip: bool = False, **kwargs):
        extra = kwargs.pop("validate", None)
        extra = list(extra) if isinstance(extra, (list, tuple)) else ([extra] if extra else [])
        checks = [_check_storable]
        if max_length is not None or min_length is not None:
            checks.append(_length(min_length, max_length))
        self.strip = strip
        metadata = dict(kwargs.pop("metadata", {}) or {})
        super().__init__(*args, validate=[*checks, *extra], metadata=metadata, **kwargs)
        # Documented limits let generated clients (and fuzzers) know them.
        if max_length is not None:
            self.metadata.setdefault("maxLength", max_length)
        if min_length is not None:
            self.metadata.setdefault("minLength", min_length)

    def _deserialize(self, value, attr, data, **kwargs):
        out = super()._deserialize(value, attr, data, **kwargs)
        return out.strip() if self.strip else out


def _length(min_length, max_length):
    def check(value: str) -> None:
        if max_length is not None and len(value) > max_length:
            raise ma.ValidationError(_("At most %(n)d characters (this has %(m)d).", n=max_length, m=len(value)))
        if min_length is not None and len(value) < min_length:
            if min_length == 1:
                raise ma.ValidationError(_("This field cannot be empty."))
            raise ma.ValidationError(_("At least %(n)d characters.", n=min_length))

    return check


def Integer(minimum: int = INT_MIN, maximum: int = INT_MAX, *, strict: bool = True, **kw):  # noqa: N802
    """A JSON integer (``"5"`` and ``5.0`` refused) within the column's range.

    In a query-string schema pass ``strict=False``: there every value is text.
    """
    return fields.Integer(strict=strict, validate=validate.Range(minimum, maximum), **kw)


def Id(**kw):  # noqa: N802
    """A row id: a JSON integer from 1 to 2**31-1 (what every database's INTEGER holds)."""
    return Integer(1, MAX_ID, **kw)


class _Number(fields.Decimal):
    """``fields.Decimal`` that checks ``Numeric(p, s)`` before anything quantizes."""

    def __init__(self, places: int, minimum: Decimal, maximum: Decimal, **kw):
        self._places, self._min, self._max = places, minimum, maximum
        metadata = {"type": "string", "format": "decimal", **(kw.pop("metadata", {}) or {})}
        metadata.setdefault("pattern", rf"^-?\d+(\.\d{{1,{places}}})?$")
        super().__init__(as_string=True, allow_nan=False, metadata=metadata, **kw)

    def _validated(self, value):
        number = super()._validated(value)
        if number is None:
            return number
        if not number.is_finite():
            raise self.make_error("special")
        if number < self._min or number > self._max:
            raise ma.ValidationError(_("Between %(a)s and %(b)s.", a=self._min, b=self._max))
        if number != number.quantize(Decimal(1).scaleb(-self._places)):
            raise ma.ValidationError(_("At most %(n)d decimal places.", n=self._places))
        return number


def Number(places: int, minimum: Decimal, maximum: Decimal, **kw):  # noqa: N802
    """A decimal string for a ``Numeric(p, places)`` column, between ``minimum`` and ``maximum``."""
    return _Number(places, Decimal(minimum), Decimal(maximum), **kw)


MAX_MONEY = Decimal("999999999999.99")   # Numeric(14, 2)
MAX_QUANTITY = Decimal("9999999.999")    # Numeric(12, 3)


def Money(minimum: Decimal = Decimal("0"), maximum: Decimal = MAX_MONEY, **kw):  # noqa: N802
    """An amount for a ``Money`` column (Numeric(14, 2)): ``"12.50"``; at most 2 decimals."""
    return _Number(2, minimum, maximum, **kw)


def Quantity(minimum: Decimal = Decimal("0"), maximum: Decimal = MAX_QUANTITY, **kw):  # noqa: N802
    """A quantity (Numeric(12, 3)): at most 3 decimals."""
    return _Number(3, minimum, maximum, **kw)


def Percent(**kw):  # noqa: N802
    """A percentage 0–100 with at most 2 decimals (Numeric(5, 2))."""
    return _Number(2, Decimal("0"), Decimal("100"), **kw)


def Choice(values, **kw):  # noqa: N802
    """One of ``values`` (listed in the OpenAPI document as an enum)."""
    return Text(validate=validate.OneOf(list(values)), **kw)


def _date_range(value: dt.date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ma.ValidationError(_("Between the years %(a)d and %(b)d.", a=EARLIEST.year, b=LATEST.year))


def Date(**kw):  # noqa: N802
    """An ISO 8601 date (``"2024-03-01"``) between 1900 and 2999."""
    extra = kw.pop("validate", None)
    checks = [_date_range, *([extra] if callable(extra) else (extra or []))]
    return fields.Date(validate=checks, **kw)


class UtcDateTime(fields.DateTime):
    """A time. Output: ISO 8601 with its offset, always (``"2024-03-01T08:00:00+00:00"``);
    naive values — how Rapport stores times — are UTC. Input: ISO 8601 *with* an
    offset (a naive time is ambiguous: a 422), returned as naive UTC, years 1900–2999."""

    default_error_messages = {"naive": _l("Give the time with its UTC offset, e.g. 2024-03-01T10:00:00+02:00.")}

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            raise self.make_error("naive")
        try:
            utc = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
        except OverflowError:
            utc = None
        if utc is None or not EARLIEST.year <= utc.year <= LATEST.year:
            raise ma.ValidationError(_("Between the years %(a)d and %(b)d.", a=EARLIEST.year, b=LATEST.year))
        return utc


class Page(ma.Schema):
    """The answer of a keyset-paged list: ``items`` and ``next_cursor``. Make one per
    item schema with :func:`page_of`."""

    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass back as cursor; null on the last page."})


_pages: dict[type, type] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """``{"items": [item_schema...], "next_cursor": ...}`` (one class per item schema)."""
    if item_schema not in _pages:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _pages[item_schema] = type(name, (Page,), {"items": fields.List(fields.Nested(item_schema), required=True)})
    return _pages[item_schema]
