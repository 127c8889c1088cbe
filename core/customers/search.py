"""Finding customers by a piece of their name, email or phone, in any script.

``search_key`` holds the folded text (see :func:`core.text.fold`); a search is a
substring match on it. To stay fast at a million customers the match is served by
an index of trigrams: PostgreSQL's ``pg_trgm`` GIN index answers ``LIKE '%term%'``
directly, and on SQLite an FTS5 table with the trigram tokenizer
(``core_customer_fts``, kept in step by triggers) answers a phrase query. Terms of
fewer than three characters have no trigram and fall back to a scan.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.customers.models import Customer
from core.db import db
from core.text import like_pattern

FTS_TABLE = "core_customer_fts"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def where_matches(stmt, folded: str):
    """Restrict ``stmt`` (a select of Customer) to customers whose text contains ``folded``."""
    like = Customer.search_key.like(like_pattern(folded), escape="\\")
    if db.session.get_bind().dialect.name == "sqlite" and len(folded) >= 3:
        fts = sa.select(sa.literal_column("rowid")).select_from(sa.table(FTS_TABLE)).where(
            sa.text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=_fts_phrase(folded)))
        return stmt.where(Customer.id.in_(fts))
    return stmt.where(like)


def sort_key(searching: bool):
    """The name column to order by. While searching, an expression: the database then
    sorts the (few) matches instead of walking the whole name index testing each row."""
    return Customer.name_key.concat("") if searching else Customer.name_key
