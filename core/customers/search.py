"""Finding customers by a piece of their name, email or phone, in any script.

``search_key`` holds the folded text (see :func:`core.text.fold`); a search is a
substring match on it. To stay fast at a million customers the match is served by
an index of trigrams: PostgreSQL's ``pg_trgm`` GIN index answers ``LIKE '%term%'``
directly, and on SQLite an FTS5 table with the trigram tokenizer
(``core_customer_fts``, kept in step by triggers) answers a phrase query.

Terms of one or two characters have no trigram; a substring search for them would scan
the whole table (193 ms at a million customers, issue 17) to find names that merely
contain two common letters. They match the *beginning of the name* instead, which the
name index answers as a range, already in list order: ``name_key`` (``ix_core_customer_
name_key_id``) on SQLite, ``name_key COLLATE "C"`` (``ix_core_customer_name_prefix``,
migration core_0020) on PostgreSQL, whose default collation does not keep a prefix's
names together. ``ab`` finds "Abbott" and "Ábel", not "Nabil".

Phones are stored in E.164 (``+306912344691``), but people type them as they read
them: ``691 234 4691``, ``+30 691 234 4691``, ``(0030) 691-234-4691``. A term that
looks like a phone number is reduced to the digits of its national number, which
are a substring of the stored E.164 form whatever prefix was typed.
"""
from __future__ import annotations

import re

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from core.customers.models import Customer
from core.db import db
from core.text import like_pattern

FTS_TABLE = "core_customer_fts"
# The trigger that indexes a new customer (as migration core_0002 creates it); the bulk
# path (core.customers.bulk) drops it for one transaction and recreates it from here.
FTS_INSERT_TRIGGER = (
    f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON core_customer BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_key) VALUES (new.id, new.search_key); END"
)
# Digits with the separators people put in phone numbers, at least five digits in all.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_MIN_PHONE_DIGITS = 5


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def phone_digits(term: str) -> str | None:
    """The digits to look for when ``term`` is a phone number as typed, else ``None``.

    A number that parses (with the business's default region) gives its national
    significant number, so ``+30 691 234 4691``, ``0030 6912344691`` and
    ``691 234 4691`` all look for ``6912344691``; a fragment that does not parse gives
    its digits (``234 46`` looks for ``23446``).
    """
    term = term.strip()
    if not _PHONE_LIKE.match(term):
        return None
    digits = re.sub(r"\D", "", term)
    if len(digits) < _MIN_PHONE_DIGITS:
        return None
    candidate = "+" + digits[2:] if term.startswith("00") else term
    try:
        number = phonenumbers.parse(candidate, current_app.config.get("PHONE_DEFAULT_REGION", "GR"))
        if phonenumbers.is_possible_number(number):
            return str(number.national_number)
    except phonenumbers.NumberParseException:
        pass
    return digits[2:] if term.startswith("00") else digits


# The highest code point: every string that starts with a prefix sorts below prefix + this,
# in binary (SQLite) and "C" (PostgreSQL) order alike.
_AFTER_ALL = "\U0010ffff"
PREFIX_MAX = 2  # terms up to this long match the beginning of the name


def _is_prefix_term(term: str) -> bool:
    return 0 < len(term) <= PREFIX_MAX


def _name_in_byte_order():
    """``name_key`` compared code point by code point, as the prefix index stores it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Customer.name_key.collate("C")
    return Customer.name_key


def search_term(folded: str) -> str:
    """What to look for in ``search_key``: phone digits when the term is a phone number."""
    return phone_digits(folded) or folded


def where_matches(stmt, folded: str):
    """Restrict ``stmt`` (a select of Customer) to customers whose text contains ``folded``."""
    folded = search_term(folded)
    if _is_prefix_term(folded):
        name = _name_in_byte_order()
        return stmt.where(name >= folded, name < folded + _AFTER_ALL)
    like = Customer.search_key.like(like_pattern(folded), escape="\\")
    if db.session.get_bind().dialect.name == "sqlite" and len(folded) >= 3:
        fts = sa.select(sa.literal_column("rowid")).select_from(sa.table(FTS_TABLE)).where(
            sa.text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=_fts_phrase(folded)))
        return stmt.where(Customer.id.in_(fts))
    return stmt.where(like)


def sort_key(folded: str = ""):
    """The name to order by for a search of ``folded`` ("" for none): the name column; for a
    substring search an expression, so the database sorts the (few) matches instead of walking
    the whole name index testing each row; for a prefix the prefix index's own order."""
    if not folded:
        return Customer.name_key
    if _is_prefix_term(search_term(folded)):
        return _name_in_byte_order()
    return Customer.name_key.concat("")


DETAIL_LOADS = (selectinload(Customer.company), selectinload(Customer.emails), selectinload(Customer.phones),
                selectinload(Customer.addresses))


def describe(customer: Customer) -> str:
    """What tells two customers of the same name apart: company, city, email (or phone).

    Callers load the rows with ``DETAIL_LOADS`` so a list of results costs four queries.
    """
    parts = []
    if customer.company is not None:
        parts.append(customer.company.name)
    city = next((a.city for a in customer.addresses if a.city), "")
    if city:
        parts.append(city)
    if customer.emails:
        parts.append(customer.emails[0].email)
    elif customer.phones:
        parts.append(customer.phones[0].number)
    return " · ".join(parts)


def find_customers(folded: str, *, limit: int, kind: str | None = None) -> list[Customer]:
    """Customers the current user may see whose text contains ``folded``, best first."""
    from core.security import scoped

    stmt = scoped(sa.select(Customer), Customer)
    if kind:
        stmt = stmt.where(Customer.kind == kind)
    if folded:
        stmt = where_matches(stmt, folded).order_by(sort_key(folded), Customer.id)
    else:
        stmt = stmt.order_by(Customer.name_key, Customer.id)
    return list(db.session.execute(stmt.options(*DETAIL_LOADS).limit(limit)).scalars())


# -- the pickers' lookups (``customer``, ``company``, ``contact``) ----------------------------

_REFERENCE = re.compile(r"^#?(\d{1,9})$")


def _item(customer: Customer):
    from core.contrib import LookupItem

    return LookupItem(customer.id, customer.name, describe(customer), (("kind", customer.kind),))


def lookup_customers(term: str, limit: int, params: dict, *, kind: str | None = None) -> list:
    """Customers for a picker: by name, email, phone (as typed) or number (``#12``)."""
    from core.security import scoped

    found = find_customers(term, limit=limit, kind=kind)
    ref = _REFERENCE.match(term or "")
    if ref and all(c.id != int(ref.group(1)) for c in found):
        stmt = scoped(sa.select(Customer), Customer).where(Customer.id == int(ref.group(1)))
        if kind:
            stmt = stmt.where(Customer.kind == kind)
        exact = db.session.execute(stmt.options(*DETAIL_LOADS)).scalar()
        if exact is not None:
            found = [exact, *found][:limit]
    return [_item(c) for c in found]


def lookup_label(customer_id: int, *, kind: str | None = None):
    """The picker item of one customer the user may see, else ``None``."""
    from core.security import scoped

    stmt = scoped(sa.select(Customer), Customer).where(Customer.id == customer_id)
    if kind:
        stmt = stmt.where(Customer.kind == kind)
    customer = db.session.execute(stmt.options(*DETAIL_LOADS)).scalar()
    return _item(customer) if customer else None
