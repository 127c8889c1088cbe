"""Creating many customers at once: the bulk path imports use (issues 8 and 17).

:func:`create_customers` writes already validated customers (the output of
``validate_customer_data``) with one ``executemany`` per table instead of the ORM's
unit of work: a million customers in about a minute instead of a quarter of an hour.
Wrap the calls of one transaction in :func:`bulk_search_index`: on SQLite the FTS5
trigram index (``core_customer_fts``) is normally kept by a per-row trigger, which
costs most of a bulk insert (72 of 91 s per million rows); inside the block the
trigger is dropped, and the index gets the new rows in one ``INSERT … SELECT`` at the
end, then the trigger is back — all in the caller's transaction, so a rollback undoes
it all and no other writer (SQLite has one at a time) ever sees the trigger missing.
PostgreSQL's ``pg_trgm`` GIN index needs nothing of this.

What the ORM path does that this one does not, on purpose: no ``customer_created``
event per customer (callers announce ``customers_imported`` per batch). Each new customer
gets its ``create`` entry in the audit log, like the ORM path writes it, with one
``executemany`` per batch (consents are not listed in it).
"""
from __future__ import annotations

import json
from contextlib import contextmanager

import sqlalchemy as sa

from core.customers.models import Address, Consent, Customer, CustomerEmail, CustomerPhone, Need, Tag, customer_tags
from core.customers.search import FTS_INSERT_TRIGGER, FTS_TABLE
from core.db import db, utcnow
from core.text import fold

_CUSTOMER_COLUMNS = ("kind", "name", "company_id", "owner_id", "preferred_language", "preferred_channel", "gender",
                     "birth_date", "income_band", "payment_method", "purchase_purpose", "notes", "external_ref",
                     "tax_number")


@contextmanager
def bulk_search_index(conn=None):
    """Rebuild the search index once for the customers created inside the block (SQLite).

    ``conn``: the connection whose transaction inserts the customers (default: the session's);
    the bench generator passes its own, writing with Core ``insert`` like :func:`create_customers`.
    """
    conn = conn if conn is not None else db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    # pysqlite opens the transaction at the first data statement, not at DDL: open it
    # first, so dropping the trigger is part of it (and is undone by a rollback).
    conn.execute(sa.update(Customer.__table__).where(sa.false()).values(kind=Customer.__table__.c.kind))
    before = conn.execute(sa.select(sa.func.max(Customer.id))).scalar() or 0
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai")
    try:
        yield
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}(rowid, search_key) "
                             "SELECT id, search_key FROM core_customer WHERE id > ?", (before,))
    finally:
        conn.exec_driver_sql(FTS_INSERT_TRIGGER)


def search_text(name: str, emails: list[str], phones: list[str], company_name: str | None = None, *,
                folded_name: str | None = None) -> str:
    """What ``refresh_keys`` computes, from plain values: ``fold`` of them joined by spaces.

    Folded part by part (the same string: ``fold`` works character by character and
    collapses spaces) so a caller that has ``fold(name)`` already passes it as
    ``folded_name`` instead of folding the name twice.
    """
    parts = [folded_name if folded_name is not None else fold(name)]
    parts.extend(fold(p) for p in (*emails, *phones, company_name or "") if p)
    return " ".join(p for p in parts if p)


def create_customers(rows: list[dict], *, tag_cache: dict | None = None) -> list[int]:
    """Insert validated customers (``validate_customer_data`` output); returns their ids in order.

    Runs in the caller's transaction; announces nothing (see the module doc).
    """
    if not rows:
        return []
    conn = db.session.connection()
    now = utcnow()
    table = Customer.__table__
    params = []
    for r in rows:
        p = {c: r.get(c) for c in _CUSTOMER_COLUMNS}
        p["kind"] = p["kind"] or "person"
        p["notes"] = p["notes"] or ""
        folded = fold(r["name"])
        p["name_key"] = folded[:200]
        p["search_key"] = search_text(r["name"], r.get("emails") or [], r.get("phones") or [], folded_name=folded)
        p["created_at"] = p["updated_at"] = now
        p["version"] = 1
        params.append(p)
    from core.transfer.ids import reserve_ids

    ids = reserve_ids(table, len(params))
    for cid, p in zip(ids, params):
        p["id"] = cid
    conn.execute(sa.insert(table), params)
    emails, phones, addresses, needs, consents, tags = [], [], [], [], [], []
    for cid, r in zip(ids, rows):
        emails.extend((cid, e, "") for e in r.get("emails") or ())
        phones.extend((cid, n, "") for n in r.get("phones") or ())
        addresses.extend((cid, *(a.get(k, "") for k in _ADDRESS_COLUMNS)) for a in r.get("addresses") or ())
        needs.extend({"customer_id": cid, "created_at": now, **n} for n in r.get("needs") or ())
        consents.extend({"customer_id": cid, "channel": ch, "granted": g, "changed_at": now}
                        for ch, g in (r.get("consents") or {}).items())
        tags.extend((cid, t) for t in r.get("tags") or ())
    _insert_plain(conn, CustomerEmail.__table__, ("customer_id", "email", "label"), emails)
    _insert_plain(conn, CustomerPhone.__table__, ("customer_id", "number", "label"), phones)
    _insert_plain(conn, Address.__table__, ("customer_id", *_ADDRESS_COLUMNS), addresses)
    for model, values in ((Need, needs), (Consent, consents)):
        if values:
            conn.execute(sa.insert(model.__table__), values)
    if tags:
        tag_ids = tag_ids_for({t for _, t in tags}, tag_cache if tag_cache is not None else {})
        conn.execute(sa.insert(customer_tags), [{"customer_id": c, "tag_id": tag_ids[t]} for c, t in tags])
    _audit_created(conn, ids, params, rows, now)
    return ids


_ADDRESS_COLUMNS = ("label", "street", "city", "postcode", "region", "country")  # validate_customer_data's keys


def _insert_plain(conn, table, columns: tuple[str, ...], values: list[tuple]) -> None:
    """``executemany`` of text and integer columns straight to the driver: SQLAlchemy's
    per-row parameter processing cost more than SQLite's own work for these narrow tables
    (the profile of a 20,000-customer import), and these values need no conversion."""
    if not values:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
                         values)


_AUDITED = ("kind", "name", "company_id", "owner_id", "preferred_language", "preferred_channel", "gender", "birth_date",
            "income_band", "payment_method", "purchase_purpose", "notes", "external_ref", "tax_number")


_AUDIT_COLUMNS = ("at", "user_id", "actor", "origin", "remote_addr", "action", "record_type", "record_id",
                  "record_label", "customer_id", "changes", "detail")


def _audit_created(conn, ids, params, rows, now) -> None:
    """A ``create`` audit entry per customer, as the ORM path writes them, in one ``executemany``.

    The JSON columns are serialised here, once per entry, with the engine's own serialiser,
    and the rows go to the driver as tuples (:func:`_insert_plain`): SQLAlchemy's JSON and
    DateTime processing per row was most of this function's cost, itself about half of the
    import's save pass. The stored text is what the ORM writes (tests/test_customers_bulk_audit.py).
    """
    from core.audit.context import current_context
    from core.audit.models import CREATE, AuditEntry
    from core.audit.recorder import _enabled, plain  # the recorder's own switch (AUDIT_ENABLED)

    if not _enabled():
        return
    ctx = current_context()
    dialect = conn.dialect
    dumps = getattr(dialect, "_json_serializer", None) or json.dumps
    at_type = AuditEntry.__table__.c.at.type.dialect_impl(dialect)
    to_driver = at_type.bind_processor(dialect)
    at = to_driver(now) if to_driver else now
    detail = dumps(plain(ctx.detail) if ctx.detail else None)
    head = (at, ctx.user_id, ctx.actor, ctx.origin, ctx.remote_addr, CREATE, "customer")
    line_of = Address.line_of
    entries = []
    for cid, p, r in zip(ids, params, rows):
        changes = {k: [None, plain(v)] for k in _AUDITED if (v := p.get(k)) is not None and v != ""}
        for field, values in (("emails", r.get("emails")), ("phones", r.get("phones")), ("tags", r.get("tags"))):
            if values:
                changes[field] = [None, list(values)]
        if addresses := r.get("addresses"):
            changes["addresses"] = [None, [line_of(a) for a in addresses]]
        if needs := r.get("needs"):
            changes["needs"] = [None, [n["description"] for n in needs]]
        entries.append((*head, str(cid), p["name"][:200], cid, dumps(changes), detail))
    _insert_plain(conn, AuditEntry.__table__, _AUDIT_COLUMNS, entries)


def tag_ids_for(names: set[str], cache: dict) -> dict[str, int]:
    """Ids of the tags named, creating the missing ones (``cache`` carries them across batches)."""
    missing = [n for n in names if n not in cache]
    if missing:
        conn = db.session.connection()
        for tid, name in conn.execute(sa.select(Tag.id, Tag.name).where(Tag.name.in_(missing))):
            cache[name] = tid
        for name in missing:
            if name not in cache:
                cache[name] = conn.execute(sa.insert(Tag.__table__).returning(Tag.id), {"name": name}).scalar()
    return {n: cache[n] for n in names}
