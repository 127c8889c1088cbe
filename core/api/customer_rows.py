"""The customers API list (``GET /api/v1/customers``) read as plain rows, not Customer objects (issue 17).

A page of the API list carries every customer's whole document (emails, phones, tags,
addresses, needs, consents, company name). Loading it as ``Customer`` objects with seven
``selectinload``s cost eight statements and an object graph per customer. Here, as for the
staff list (:mod:`core.customers.listing`), a page costs two statements whatever its length:

1. the page itself: the customer's own columns, keyset-paged (``keyset_page(scalars=False)``);
2. everything those customers refer to, as one ``UNION ALL`` of small indexed lookups by
   customer id. Each branch fills the same generic columns (a kind letter, an order value,
   six texts, a number, a time, a flag); the first branch types them with the model's own
   column types, so the values come back exactly as the ORM would give them (datetimes
   parsed on SQLite, booleans as ``bool``) and the JSON does not change.

The item endpoints (one customer) still use :func:`core.api.customers.customer_dict` on the
object: one customer is a handful of statements and they need the object for its ``ETag``.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.customers.models import Address, Consent, Customer, CustomerEmail, CustomerPhone, Need, Tag, customer_tags
from core.db import db

ADDRESS_FIELDS = ("label", "street", "city", "postcode", "region", "country")

# The customer's own columns the document shows, plus name_key for the keyset.
SCALARS = ("id", "kind", "name", "name_key", "company_id", "owner_id", "preferred_language", "preferred_channel",
           "gender", "birth_date", "income_band", "payment_method", "purchase_purpose", "notes", "external_ref",
           "tax_number", "created_at", "updated_at", "erased_at")
COLUMNS = tuple(getattr(Customer, name) for name in SCALARS)


def slim(stmt):
    """``stmt`` (a filtered select of Customer) reading only :data:`COLUMNS`, as rows."""
    return stmt.with_only_columns(*COLUMNS)


def _branch(ref, what: str, pos, texts=(), number=None, when=None, flag=None, *, typed: bool = False):
    """One ``UNION ALL`` branch: ref, what, pos, t1..t6, number, when, flag (missing ones NULL).

    The first branch (``typed``) casts its NULL columns to the model's types: the union's
    result columns are then processed like the ORM's (a time parsed, a flag a bool), and
    PostgreSQL, which types a chain of unions pair by pair from the left, never settles a
    column as text before meeting the integer or timestamp of a later branch.
    """
    texts = list(texts) + [None] * (len(ADDRESS_FIELDS) - len(texts))

    def col(value, type_):
        if value is not None:
            return value
        return sa.cast(sa.null(), type_) if typed else sa.null()

    return [ref, sa.literal_column(f"'{what}'"), pos, *[col(t, sa.String()) for t in texts],
            col(number, Need.priority.type), col(when, Need.created_at.type), col(flag, Consent.granted.type)]


def _related(ids: list[int], company_ids: set[int]):
    """The one statement reading what the shown customers refer to."""
    labels = ("ref", "what", "pos", "t1", "t2", "t3", "t4", "t5", "t6", "number", "at", "flag")

    def select(columns):
        return sa.select(*[c.label(n) for c, n in zip(columns, labels)])

    parts = [
        select(_branch(CustomerEmail.customer_id, "e", CustomerEmail.id, [CustomerEmail.email], typed=True))
        .where(CustomerEmail.customer_id.in_(ids)),
        select(_branch(CustomerPhone.customer_id, "p", CustomerPhone.id, [CustomerPhone.number]))
        .where(CustomerPhone.customer_id.in_(ids)),
        select(_branch(customer_tags.c.customer_id, "t", Tag.id, [Tag.name]))
        .join(Tag, Tag.id == customer_tags.c.tag_id).where(customer_tags.c.customer_id.in_(ids)),
        select(_branch(Address.customer_id, "a", Address.id, [getattr(Address, f) for f in ADDRESS_FIELDS]))
        .where(Address.customer_id.in_(ids)),
        select(_branch(Need.customer_id, "n", Need.id, [Need.description, Need.source], number=Need.priority,
                       when=Need.created_at)).where(Need.customer_id.in_(ids)),
        select(_branch(Consent.customer_id, "k", Consent.customer_id, [Consent.channel], when=Consent.changed_at,
                       flag=Consent.granted)).where(Consent.customer_id.in_(ids)),
    ]
    if company_ids:
        parts.append(select(_branch(Customer.id, "c", Customer.id, [Customer.name])).where(Customer.id.in_(company_ids)))
    return sa.union_all(*parts)


def documents(rows) -> list[dict]:
    """The API documents of a page's rows (same keys and order of lists as ``customer_dict``)."""
    rows = list(rows)
    if not rows:
        return []
    ids = [r.id for r in rows]
    company_ids = {r.company_id for r in rows if r.company_id}
    found: dict[str, dict[int, list]] = {k: {} for k in "eptankc"}
    for r in db.session.execute(_related(ids, company_ids)).all():
        found[r.what].setdefault(r.ref, []).append(r)
    out = []
    for row in rows:
        def of(kind, key, _id=row.id):
            return sorted(found[kind].get(_id, ()), key=key)

        by_pos = lambda r: r.pos  # noqa: E731 — the relationships' order_by: id
        consents = of("k", lambda r: r.t1)  # order_by channel
        company = found["c"].get(row.company_id) if row.company_id else None
        doc = {name: getattr(row, name) for name in SCALARS if name != "name_key"}
        doc.update({
            "notes": row.notes or "",
            "company_name": company[0].t1 if company else None,
            "emails": [r.t1 for r in of("e", by_pos)],
            "phones": [r.t1 for r in of("p", by_pos)],
            "tags": [r.t1 for r in of("t", lambda r: r.t1)],  # order_by Tag.name
            "addresses": [dict(zip(ADDRESS_FIELDS, (r.t1, r.t2, r.t3, r.t4, r.t5, r.t6))) for r in of("a", by_pos)],
            "needs": [{"description": r.t1, "priority": r.number, "source": r.t2, "created_at": r.at}
                      for r in of("n", lambda r: (r.number, r.pos))],
            "consents": {r.t1: r.flag for r in consents},
            "consents_changed_at": {r.t1: r.at for r in consents},
        })
        out.append(doc)
    return out
