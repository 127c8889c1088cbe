"""A customer's collections (emails, phones, tags, addresses, needs, consents) in one statement (issue 17).

Lazy or ``selectinload`` loading costs one statement per collection: six for a customer's
page, seven per page of the API list. :func:`related` reads all of them for any set of
customers as one ``UNION ALL`` of small indexed lookups by customer id; each branch fills
the same generic columns (a kind letter, an order value, six texts, a number, a time, a
flag). The first branch casts its NULL columns to the model's types, so the values come
back exactly as the ORM gives them (datetimes parsed on SQLite, booleans as ``bool``), and
PostgreSQL, which types a chain of unions pair by pair from the left, never settles a
column as text before meeting a later branch's integer or timestamp.

Two users: the API list turns the rows into JSON (:mod:`core.api.customer_rows`); the
customer page fills the ORM collections from them (:func:`preload`), so the template,
the duplicate finder and plugins' tabs read ``customer.emails`` without a statement.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from core.customers.models import Address, Consent, Customer, CustomerEmail, CustomerPhone, Need, Tag, customer_tags
from core.db import db

ADDRESS_FIELDS = ("label", "street", "city", "postcode", "region", "country")
LABELS = ("ref", "what", "pos", "t1", "t2", "t3", "t4", "t5", "t6", "number", "at", "flag")


def _branch(ref, what: str, pos, texts=(), number=None, when=None, flag=None, *, typed: bool = False):
    texts = list(texts) + [None] * (len(ADDRESS_FIELDS) - len(texts))

    def col(value, type_):
        if value is not None:
            return value
        return sa.cast(sa.null(), type_) if typed else sa.null()

    columns = [ref, sa.literal_column(f"'{what}'"), pos, *[col(t, sa.String()) for t in texts],
               col(number, Need.priority.type), col(when, Need.created_at.type), col(flag, Consent.granted.type)]
    return sa.select(*[c.label(n) for c, n in zip(columns, LABELS)])


def related(ids, company_ids=()) -> sa.CompoundSelect:
    """One statement reading the collections of customers ``ids`` (and the names of ``company_ids``).

    Rows: ``ref`` (customer id), ``what`` (e email, p phone, t tag, a address, n need,
    k consent, c company), ``pos`` (the row's id; a tag's rank by name), texts ``t1``…``t6``,
    ``number`` (a need's priority, a tag's id), ``at``, ``flag``.
    """
    ids = list(ids)
    parts = [
        _branch(CustomerEmail.customer_id, "e", CustomerEmail.id, [CustomerEmail.email, CustomerEmail.label],
                typed=True).where(CustomerEmail.customer_id.in_(ids)),
        _branch(CustomerPhone.customer_id, "p", CustomerPhone.id, [CustomerPhone.number, CustomerPhone.label])
        .where(CustomerPhone.customer_id.in_(ids)),
        # Tags: ordered by name in SQL (the database's collation, as Customer.tags' order_by),
        # the tag's id in ``number``.
        _branch(customer_tags.c.customer_id, "t",
                sa.func.row_number().over(partition_by=customer_tags.c.customer_id, order_by=Tag.name),
                [Tag.name], number=Tag.id)
        .join(Tag, Tag.id == customer_tags.c.tag_id).where(customer_tags.c.customer_id.in_(ids)),
        _branch(Address.customer_id, "a", Address.id, [getattr(Address, f) for f in ADDRESS_FIELDS])
        .where(Address.customer_id.in_(ids)),
        _branch(Need.customer_id, "n", Need.id, [Need.description, Need.source], number=Need.priority,
                when=Need.created_at).where(Need.customer_id.in_(ids)),
        _branch(Consent.customer_id, "k", Consent.customer_id, [Consent.channel], when=Consent.changed_at,
                flag=Consent.granted).where(Consent.customer_id.in_(ids)),
    ]
    if company_ids:
        parts.append(_branch(Customer.id, "c", Customer.id, [Customer.name]).where(Customer.id.in_(list(company_ids))))
    return sa.union_all(*parts)


# The relationships' own order (Customer.emails … order_by), applied to the rows of one kind.
ORDER = {"e": lambda r: r.pos, "p": lambda r: r.pos, "a": lambda r: r.pos, "t": lambda r: r.pos,
         "n": lambda r: (r.number, r.pos), "k": lambda r: r.t1, "c": lambda r: r.pos}


def grouped(ids, company_ids=()) -> dict[str, dict[int, list]]:
    """Run :func:`related`: ``{what: {customer id: [rows in the relationship's order]}}``."""
    found: dict[str, dict[int, list]] = {k: {} for k in ORDER}
    for r in db.session.execute(related(ids, company_ids)).all():
        found[r.what].setdefault(r.ref, []).append(r)
    for kind, by_ref in found.items():
        for rows in by_ref.values():
            rows.sort(key=ORDER[kind])
    return found


def _persistent(model, **values):
    """The session's ``model`` instance with these column values, as if loaded by a query
    (no statement): the one already in the session if any, else a new one added clean."""
    obj = model(**values)
    existing = db.session.identity_map.get(sa.inspect(model).identity_key_from_instance(obj))
    if existing is not None:
        return existing
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def preload(customer: Customer) -> None:
    """Fill ``customer``'s six collections from one statement, as committed (unchanged) state.

    Nothing is written: the objects enter the session as if a query had loaded them, so
    an edit of one later on is flushed like any loaded row's.
    """
    state = sa.inspect(customer)
    names = ("emails", "phones", "tags", "addresses", "needs", "consents")
    if all(name in state.dict for name in names):
        return
    found = grouped([customer.id])
    cid = customer.id

    def rows(kind):
        return found[kind].get(cid, [])

    collections = {
        "emails": [_persistent(CustomerEmail, id=r.pos, customer_id=cid, email=r.t1, label=r.t2) for r in rows("e")],
        "phones": [_persistent(CustomerPhone, id=r.pos, customer_id=cid, number=r.t1, label=r.t2) for r in rows("p")],
        "tags": [_persistent(Tag, id=r.number, name=r.t1) for r in rows("t")],
        "addresses": [_persistent(Address, id=r.pos, customer_id=cid,
                                  **dict(zip(ADDRESS_FIELDS, (r.t1, r.t2, r.t3, r.t4, r.t5, r.t6)))) for r in rows("a")],
        "needs": [_persistent(Need, id=r.pos, customer_id=cid, description=r.t1, source=r.t2, priority=r.number,
                              created_at=r.at) for r in rows("n")],
        "consents": [_persistent(Consent, customer_id=cid, channel=r.t1, granted=r.flag, changed_at=r.at)
                     for r in rows("k")],
    }
    for name, items in collections.items():
        if name in state.dict:
            continue  # already loaded (and perhaps changed): keep what the session has
        set_committed_value(customer, name, items)
        if name != "tags":
            for item in items:
                if "customer" not in sa.inspect(item).dict:
                    set_committed_value(item, "customer", customer)
