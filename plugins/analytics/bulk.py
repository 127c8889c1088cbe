"""Many rows into one table, in the session's transaction, without the ORM's per-row work.

The snapshot job writes a row per customer (and five recommendations per customer): at a million
customers SQLAlchemy's ``executemany`` spent most of the write phase turning each row's dict into
parameters. Here rows are tuples in a fixed column order and go straight to the driver:

* **PostgreSQL**: ``COPY … FROM STDIN`` (psycopg 3 adapts dates, decimals, floats and NULLs
  itself, and the server parses one stream instead of many ``INSERT`` statements);
* **SQLite**: the DB-API ``executemany`` of the raw connection, with
  each column's own SQLAlchemy bind processor applied first, so what is stored is exactly what
  a Core insert stored (dates as ISO text, numerics as SQLAlchemy binds them).

Both use the connection the session already holds, so the rows belong to the same transaction
as everything else the job writes: a failed run still leaves nothing behind but its unfinished
snapshot.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from core.db import db


def insert_rows(table: sa.Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (tuples of plain Python values, in ``columns``' order); returns how many."""
    conn = db.session.connection()
    dialect = conn.dialect
    raw = conn.connection.driver_connection
    names = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    target = dialect.identifier_preparer.format_table(table)
    count = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    processors = [(i, p) for i, p in enumerate(table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
                                               for c in columns) if p is not None]

    def bound(row):
        nonlocal count
        count += 1
        if not processors:
            return row
        row = list(row)
        for i, process in processors:
            row[i] = process(row[i])
        return row

    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {target} ({names}) VALUES ({', '.join('?' * len(columns))})",
                           map(bound, rows))
    finally:
        cursor.close()
    return count
