"""The core's exporter of customers: the list as the user filtered it, streamed.

Headers are the import's field labels, so an exported file imports back without mapping.

**CSV and Excel: one statement per 2,000 customers, rows as tuples (issue 8's 50,000 rows/s).**
Each keyset page of the list is read by a single ``SELECT`` whose row *is* the exported row:
the customer's own columns with ``''`` for a missing value, the emails and phones joined by
``"; "`` (in id order) and the tags by ``", "`` (by name) in SQL, the first address (lowest id)
by a join, the birth date as ``YYYY-MM-DD`` text. Python only slices off the keyset columns;
:func:`core.transfer.writers.csv_stream` then neutralises the few cells that start like a
formula. Reading the same columns as objects, five queries per batch with their 2,000
parameters each, and building each row in Python cost about three times as much CPU
(bench/README.md, "Imports and exports").

The joining is per database because SQLite (3.40 here) has no ``ORDER BY`` inside
``group_concat``: there it aggregates an ordered sub-select (a co-routine, read in order);
PostgreSQL orders inside ``string_agg``. tests/test_transfer_export_rows.py checks the output
byte for byte against the plain reading of the ORM objects, on both databases.

**vCard** needs the lists themselves, so it reads each batch's ids and then the collections
(five queries per batch); vobject's serialising dominates that format anyway.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import aggregate_order_by
from werkzeug.datastructures import MultiDict

from core.contrib import Exporter
from core.customers.models import COMPANY, Address, Customer, CustomerEmail, CustomerPhone, Tag, customer_tags
from core.db import db
from core.transfer.customers import ADDRESS_FIELDS, FIELD_LABELS, OWN_UID

EXPORT_BATCH = 2000
EXPORT_COLUMNS = ("external_ref", "name", "kind", "emails", "phones", "tax_number", *ADDRESS_FIELDS, "birth_date",
                  "preferred_language", "tags", "notes")


def _statement(user, args, *columns):
    """The list page's filtered select of ``columns``, as ``user`` sees it (``None``: the CLI, everything)."""
    from core.customers.views import list_filters
    from core.security import scoped_for

    return list_filters(scoped_for(sa.select(*columns), Customer, user), args or MultiDict(), user)


def _keyset(base, width: int):
    """Pages of ``base`` (a select whose last two columns are name_key and id) in the list's order,
    as plain rows (read on the session's connection: no ORM result processing)."""
    conn = db.session.connection()
    last = None
    while True:
        stmt = base.order_by(Customer.name_key, Customer.id).limit(EXPORT_BATCH)
        if last is not None:
            stmt = stmt.where(sa.tuple_(Customer.name_key, Customer.id) > last)
        page = conn.execute(stmt).all()
        if not page:
            return
        yield page
        last = tuple(page[-1][width:])


# -- CSV and Excel: the exported row in SQL ----------------------------------------------------


def _joined(value, separator: str, order, source, where, dialect: str):
    """``value`` of ``source`` rows matching ``where``, in ``order``, joined by ``separator``
    (``''`` when there is none), as a scalar subquery correlated with the customer."""
    if dialect == "postgresql":
        agg = sa.func.string_agg(value, aggregate_order_by(sa.literal(separator), *order))
        inner = sa.select(agg).select_from(source).where(where)
    else:  # SQLite: group_concat over an ordered sub-select keeps its order
        ordered = sa.select(value.label("v")).select_from(source).where(where).order_by(*order)
        ordered = ordered.correlate(Customer).subquery()
        inner = sa.select(sa.func.group_concat(ordered.c.v, separator))
    return sa.func.coalesce(inner.correlate(Customer).scalar_subquery(), "")


def _blank(column):
    return sa.func.coalesce(column, "")


def _row_columns(dialect: str):
    """The 15 exported columns in EXPORT_COLUMNS' order as SQL expressions, the alias of the
    first address they read and the expression choosing it."""
    a = sa.orm.aliased(Address)
    blank = _blank
    if dialect == "postgresql":
        birth = blank(sa.func.to_char(Customer.birth_date, "YYYY-MM-DD"))
    else:  # stored as YYYY-MM-DD text: read it as it is
        birth = blank(sa.type_coerce(Customer.birth_date, sa.String))
    columns = [
        blank(Customer.external_ref), Customer.name, Customer.kind,
        _joined(CustomerEmail.email, "; ", (CustomerEmail.id,), CustomerEmail,
                CustomerEmail.customer_id == Customer.id, dialect),
        _joined(CustomerPhone.number, "; ", (CustomerPhone.id,), CustomerPhone,
                CustomerPhone.customer_id == Customer.id, dialect),
        blank(Customer.tax_number),
        *(blank(getattr(a, f)) for f in ADDRESS_FIELDS),
        birth, blank(Customer.preferred_language),
        _joined(Tag.name, ", ", (Tag.name,), customer_tags.join(Tag, Tag.id == customer_tags.c.tag_id),
                customer_tags.c.customer_id == Customer.id, dialect),
        blank(Customer.notes),
    ]
    first_address = (sa.select(sa.func.min(Address.id)).where(Address.customer_id == Customer.id)
                     .correlate(Customer).scalar_subquery())
    return columns, a, first_address


def export_rows(user, args, _fmt=None):
    headers = [str(FIELD_LABELS[c]) for c in EXPORT_COLUMNS]
    width = len(EXPORT_COLUMNS)

    def rows():
        columns, a, first_address = _row_columns(db.session.get_bind().dialect.name)
        base = (_statement(user, args, *columns, Customer.name_key, Customer.id)
                .outerjoin(a, a.id == first_address))
        for page in _keyset(base, width):
            for row in page:
                yield row[:width]

    return headers, rows()


# -- vCard: the lists themselves ---------------------------------------------------------------


def _details(ids: list[int]):
    """Customers of one batch with their emails, phones, first address and tags: five queries."""
    t = Customer.__table__
    rows = {r.id: r for r in db.session.execute(sa.select(t).where(t.c.id.in_(ids)))}
    emails, phones, tags, addresses = {}, {}, {}, {}
    for cid, email in db.session.execute(sa.select(CustomerEmail.customer_id, CustomerEmail.email)
                                         .where(CustomerEmail.customer_id.in_(ids)).order_by(CustomerEmail.id)):
        emails.setdefault(cid, []).append(email)
    for cid, number in db.session.execute(sa.select(CustomerPhone.customer_id, CustomerPhone.number)
                                          .where(CustomerPhone.customer_id.in_(ids)).order_by(CustomerPhone.id)):
        phones.setdefault(cid, []).append(number)
    for cid, name in db.session.execute(sa.select(customer_tags.c.customer_id, Tag.name).join(Tag)
                                        .where(customer_tags.c.customer_id.in_(ids)).order_by(Tag.name)):
        tags.setdefault(cid, []).append(name)
    a = Address.__table__
    for row in db.session.execute(sa.select(a).where(a.c.customer_id.in_(ids)).order_by(a.c.id)):
        addresses.setdefault(row.customer_id, row)
    return rows, emails, phones, tags, addresses


def export_vcards(user, args):
    import vobject

    for page in _keyset(_statement(user, args, Customer.name_key, Customer.id), 0):
        ids = [r.id for r in page]
        customers, emails, phones, tags, addresses = _details(ids)
        for cid in ids:
            c = customers[cid]
            card = vobject.vCard()
            card.add("fn").value = c.name
            if c.kind == COMPANY:
                card.add("n").value = vobject.vcard.Name(family=c.name)
                card.add("org").value = [c.name]
            else:
                given, _sep, family = c.name.rpartition(" ")
                card.add("n").value = vobject.vcard.Name(family=family or c.name, given=given)
            card.add("uid").value = c.external_ref or f"{OWN_UID}{c.id}"
            for e in emails.get(cid, ()):
                card.add("email").value = e
            for p in phones.get(cid, ()):
                card.add("tel").value = p
            a = addresses.get(cid)
            if a is not None:
                card.add("adr").value = vobject.vcard.Address(street=a.street or "", city=a.city or "",
                                                              region=a.region or "", code=a.postcode or "",
                                                              country=a.country or "")
            if c.birth_date:
                card.add("bday").value = c.birth_date.isoformat()
            if tags.get(cid):
                card.add("categories").value = tags[cid]
            if c.notes:
                card.add("note").value = c.notes
            yield card


EXPORTER = Exporter("customers", _l("Customers"), "customers.export", export_rows, formats=("csv", "xlsx", "vcf"),
                    vcards=export_vcards, weight=10)
