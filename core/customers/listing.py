"""The customer list's rows, read as plain columns instead of Customer objects (issue 17).

The list shows a name, a kind, the first email and phone, the company's name, the owner's
name and the tags. Loading whole customers with five eager loads (emails, phones, company,
owner, tags) cost six statements and built an object graph per row; profiling showed half
of the page's time there. Here a page costs two statements, whatever its length:

1. the page itself — only the customer's own columns the list needs, keyset-paged like any
   list (``core.web.pagination.keyset_page`` with ``scalars=False``);
2. what each shown row refers to — emails, phones, tags, company names and owner names of
   *those* rows only, as one ``UNION ALL`` of small indexed lookups.

Joining companies and owners into the first statement would look cheaper but is not: a
search sorts its matches before the limit, so every match (thousands) would be joined,
where the second statement touches only the fifty rows shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from core.auth.models import User
from core.customers.models import Customer, CustomerEmail, CustomerPhone, Tag, customer_tags
from core.db import db

# What the first statement reads of each customer (the keyset needs name_key and id).
COLUMNS = (Customer.id, Customer.kind, Customer.name, Customer.name_key, Customer.company_id, Customer.owner_id)


@dataclass
class ListRow:
    """One line of the customer list (what ``customers/index.html`` shows)."""

    id: int
    kind: str
    name: str
    name_key: str
    company_id: int | None
    owner_id: int | None
    company_name: str | None = None
    owner_name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def primary_email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def primary_phone(self) -> str | None:
        return self.phones[0] if self.phones else None


def slim(stmt):
    """``stmt`` (a filtered select of Customer) reading only :data:`COLUMNS`."""
    return stmt.with_only_columns(*COLUMNS)


def _kind(letter: str):
    return sa.literal_column(f"'{letter}'").label("what")


def fill(rows) -> list[ListRow]:
    """Turn the page's rows into :class:`ListRow`s with what they refer to, in one statement."""
    out = [ListRow(*row) for row in rows]
    if not out:
        return out
    ids = [r.id for r in out]
    company_ids = {r.company_id for r in out if r.company_id}
    owner_ids = {r.owner_id for r in out if r.owner_id}
    owner_name = sa.case((sa.func.coalesce(User.name, "") == "", User.email), else_=User.name)
    parts = [
        sa.select(CustomerEmail.customer_id.label("ref"), _kind("e"), CustomerEmail.email.label("text"),
                  CustomerEmail.id.label("pos")).where(CustomerEmail.customer_id.in_(ids)),
        sa.select(CustomerPhone.customer_id, _kind("p"), CustomerPhone.number, CustomerPhone.id)
        .where(CustomerPhone.customer_id.in_(ids)),
        sa.select(customer_tags.c.customer_id, _kind("t"), Tag.name, Tag.id)
        .join(Tag, Tag.id == customer_tags.c.tag_id).where(customer_tags.c.customer_id.in_(ids)),
    ]
    if company_ids:
        parts.append(sa.select(Customer.id, _kind("c"), Customer.name, Customer.id)
                     .where(Customer.id.in_(company_ids)))
    if owner_ids:
        parts.append(sa.select(User.id, _kind("o"), owner_name, User.id).where(User.id.in_(owner_ids)))
    emails, phones, tags, companies, owners = {}, {}, {}, {}, {}
    target = {"e": emails, "p": phones, "t": tags, "c": companies, "o": owners}
    for ref, what, text, pos in db.session.execute(sa.union_all(*parts)).all():
        target[what].setdefault(ref, []).append((pos, text))
    for r in out:
        r.emails = [text for _pos, text in sorted(emails.get(r.id, ()))]
        r.phones = [text for _pos, text in sorted(phones.get(r.id, ()))]
        r.tags = sorted((text for _pos, text in tags.get(r.id, ())))
        r.company_name = companies[r.company_id][0][1] if r.company_id in companies else None
        r.owner_name = owners[r.owner_id][0][1] if r.owner_id in owners else None
    return out
