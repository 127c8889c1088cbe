"""Keyset (cursor) pagination: fast at any depth, no ``COUNT(*)``, no ``OFFSET``.

A cursor encodes the sort key of the last row shown. The next page asks for rows
strictly after it in the same order, which an index on ``(sort_key, id)`` answers
directly whether the list has a hundred rows or a million.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Sequence

import sqlalchemy as sa


class BadCursor(ValueError):
    pass


def encode_cursor(values: Sequence[Any]) -> str:
    # Dates as ISO text, amounts (Decimal) as exact decimal text: JSON has neither.
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Decimal) else v
                      for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("invalid cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise BadCursor("invalid cursor")
    return values


def _check_types(columns, values) -> None:
    """A cursor is user input: an integer column only takes an int in the INTEGER range
    (PostgreSQL fails on ``"x"`` or 2**40), and no column takes a list, a dict or null."""
    from core.db import MAX_ID

    for column, value in zip(columns, values):
        if value is None or isinstance(value, (list, dict, bool)):
            raise BadCursor("invalid cursor")
        if isinstance(getattr(column, "type", None), sa.Integer) and (
                type(value) is not int or not -MAX_ID - 1 <= value <= MAX_ID):
            raise BadCursor("invalid cursor")


def _id(value):
    from core.db import MAX_ID

    if type(value) is not int or not 0 <= value <= MAX_ID:
        raise TypeError
    return value


def _int(value):
    if type(value) is not int:
        raise TypeError
    return value


def _decimal(value):
    # An amount travels as decimal text ("1250.50"); a float would lose cents.
    if not isinstance(value, str):
        raise TypeError
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite():
        raise ValueError(value)
    return amount


def _text(value):
    if not isinstance(value, str):
        raise TypeError
    return value


def _iso(parse):
    def read(value):
        if not isinstance(value, str):
            raise TypeError
        return parse(value)
    return read


#: What each column kind of a cursor decodes with: a row id, a whole number (a count, days), an
#: amount, a text key, a date, a time.
_READERS = {"id": _id, "int": _int, "decimal": _decimal, "text": _text, "date": _iso(date.fromisoformat), "datetime": _iso(datetime.fromisoformat)}


def cursor_of(*kinds: str):
    """The ``convert`` for :func:`keyset_page` of a list ordered by columns of these kinds
    (``"id"``, ``"int"``, ``"decimal"``, ``"text"``, ``"date"``, ``"datetime"``), e.g. ``cursor_of("datetime", "id")``.

    A cursor is user input: each value is checked and parsed back into its column's type,
    and anything else (a string for an id, a negative id, a malformed date) raises
    :class:`BadCursor`, which a page answers with 400 and the API with 422. One converter
    for every list, so no list forgets a check."""
    readers = [_READERS[k] for k in kinds]

    def convert(values: list) -> list:
        try:
            return [read(v) for read, v in zip(readers, values, strict=True)]
        except (TypeError, ValueError):
            raise BadCursor("invalid cursor") from None

    return convert


@dataclass
class Page:
    items: list
    next_cursor: str | None


def keyset_page(session, stmt, columns, *, cursor: str | None, limit: int, descending: bool = False,
                 key=None, convert=None, scalars: bool = True) -> Page:
    """Run ``stmt`` ordered by ``columns`` (last one unique, e.g. ``id``), one page long.

    ``key(row)`` returns the row's values for ``columns`` (default: attributes named
    like the columns); ``convert(values)`` turns decoded JSON back into column types.
    The items are the first column of each row (an ORM object), or with ``scalars=False``
    the rows themselves (a list page reading only the columns it shows).
    """
    if cursor:
        values = decode_cursor(cursor, len(columns))
        if convert:
            values = convert(values)
        _check_types(columns, values)
        tuple_cols = sa.tuple_(*columns)
        stmt = stmt.where(tuple_cols < sa.tuple_(*values) if descending else tuple_cols > sa.tuple_(*values))
    order = [c.desc() for c in columns] if descending else list(columns)
    result = session.execute(stmt.order_by(*order).limit(limit + 1))
    rows = (result.scalars() if scalars else result).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        vals = key(last) if key else [getattr(last, c.key) for c in columns]
        next_cursor = encode_cursor(vals)
    return Page(rows, next_cursor)
