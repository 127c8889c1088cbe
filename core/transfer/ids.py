"""Ids for rows inserted in bulk, known before the ``executemany``.

``INSERT … RETURNING`` with one row per parameter set is what the ORM would do, but
SQLAlchemy cannot promise the order of returned ids for a multi-row insert on SQLite, so
asking for it (``sort_by_parameter_order``) falls back to one statement per row — the
slowest part of a bulk import. Reserving the ids first keeps one ``executemany``:

* PostgreSQL: ``nextval`` of the table's sequence, ``n`` times, in one query (unique
  whatever else runs; not necessarily consecutive).
* SQLite: an ``INTEGER PRIMARY KEY`` without AUTOINCREMENT gives a new row ``max(id) + 1``;
  the ids after the current maximum are taken inside the caller's write transaction. A
  writer that committed in between makes the insert fail (a primary-key conflict or
  SQLite's busy-snapshot error), never two rows with one id.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.db import db


def reserve_ids(table: sa.Table, n: int) -> list[int]:
    if n <= 0:
        return []
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        seq = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(conn.execute(sa.select(sa.func.nextval(seq)).select_from(
            sa.func.generate_series(1, n))).scalars())
    start = (conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + n))
