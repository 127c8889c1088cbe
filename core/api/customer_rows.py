"""The customers API list (``GET /api/v1/customers``) read as plain rows, not Customer objects (issue 17).

A page of the API list carries every customer's whole document (emails, phones, tags,
addresses, needs, consents, company name). Loading it as ``Customer`` objects with seven
``selectinload``s cost eight statements and an object graph per customer. Here, as for the
staff list (:mod:`core.customers.listing`), a page costs two statements whatever its length:

1. the page itself: the customer's own columns, keyset-paged (``keyset_page(scalars=False)``);
2. everything those customers refer to, as one ``UNION ALL`` of small indexed lookups by
   customer id (:mod:`core.customers.related`, shared with the customer page), with values
   typed exactly as the ORM gives them, so the JSON does not change.

The item endpoints (one customer) still use :func:`core.api.customers.customer_dict` on the
object: one customer is a handful of statements and they need the object for its ``ETag``.
"""
from __future__ import annotations

from core.customers.models import Customer
from core.customers.related import ADDRESS_FIELDS, grouped

# The customer's own columns the document shows, plus name_key for the keyset.
SCALARS = ("id", "kind", "name", "name_key", "company_id", "owner_id", "preferred_language", "preferred_channel",
           "gender", "birth_date", "income_band", "payment_method", "purchase_purpose", "notes", "external_ref",
           "tax_number", "created_at", "updated_at", "erased_at")
COLUMNS = tuple(getattr(Customer, name) for name in SCALARS)


def slim(stmt):
    """``stmt`` (a filtered select of Customer) reading only :data:`COLUMNS`, as rows."""
    return stmt.with_only_columns(*COLUMNS)


def documents(rows) -> list[dict]:
    """The API documents of a page's rows (same keys and order of lists as ``customer_dict``)."""
    rows = list(rows)
    if not rows:
        return []
    found = grouped([r.id for r in rows], {r.company_id for r in rows if r.company_id})
    out = []
    for row in rows:
        def of(kind, _id=row.id):
            return found[kind].get(_id, [])

        consents = of("k")
        company = found["c"].get(row.company_id) if row.company_id else None
        doc = {name: getattr(row, name) for name in SCALARS if name != "name_key"}
        doc.update({
            "notes": row.notes or "",
            "company_name": company[0].t1 if company else None,
            "emails": [r.t1 for r in of("e")],
            "phones": [r.t1 for r in of("p")],
            "tags": [r.t1 for r in of("t")],
            "addresses": [dict(zip(ADDRESS_FIELDS, (r.t1, r.t2, r.t3, r.t4, r.t5, r.t6))) for r in of("a")],
            "needs": [{"description": r.t1, "priority": r.number, "source": r.t2, "created_at": r.at} for r in of("n")],
            "consents": {r.t1: r.flag for r in consents},
            "consents_changed_at": {r.t1: r.at for r in consents},
        })
        out.append(doc)
    return out
