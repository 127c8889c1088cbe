"""Finding the customers and products a file refers to, a batch at a time (for importers).

A file from another system names a customer by *its* number (our ``external_ref``), a
tax number, an email, or — for files exported from Rapport — ``#id``; a product by SKU
or by name. These helpers resolve a batch's references with one query per kind and
keep the answers in the import's cache, so a million lines cost a few thousand
queries.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from core.catalog.models import Product
from core.customers.models import Customer, CustomerEmail, CustomerPhone
from core.customers.service import normalise_phone, normalise_tax_number
from core.db import db
from core.text import fold

_ID = re.compile(r"^#(\d{1,9})$")


def customer_ids(refs: set[str], cache: dict) -> dict[str, int]:
    """``{reference: customer id}`` for the references that name exactly one customer."""
    known = cache.setdefault("customers", {})
    todo = {r for r in refs if r and r not in known}
    if todo:
        found: dict[str, int] = {}
        for ref, cid in db.session.execute(sa.select(Customer.external_ref, Customer.id)
                                           .where(Customer.external_ref.in_(todo)).order_by(Customer.id)):
            found.setdefault(ref, cid)
        rest = todo - set(found)
        taxes = {normalise_tax_number(r): r for r in rest if "@" not in r and not _ID.match(r)}
        if taxes:
            for tax, cid in db.session.execute(sa.select(Customer.tax_number, Customer.id)
                                               .where(Customer.tax_number.in_(list(taxes))).order_by(Customer.id)):
                found.setdefault(taxes[tax], cid)
        emails: dict[str, list[str]] = {}  # one address may come in several spellings (Anna@x, anna@x)
        for r in rest:
            if "@" in r:
                emails.setdefault(r.lower(), []).append(r)
        if emails:
            for email, cid in db.session.execute(sa.select(CustomerEmail.email, CustomerEmail.customer_id)
                                                 .where(CustomerEmail.email.in_(list(emails)))
                                                 .order_by(CustomerEmail.customer_id)):
                for ref in emails[email]:
                    found.setdefault(ref, cid)
        ids = {int(_ID.match(r).group(1)): r for r in rest if _ID.match(r)}
        if ids:
            for (cid,) in db.session.execute(sa.select(Customer.id).where(Customer.id.in_(list(ids)))):
                found.setdefault(ids[cid], cid)
        for ref in todo:
            known[ref] = found.get(ref)
    return {r: known[r] for r in refs if known.get(r)}


def customer_ids_by_phone(refs: set[str], cache: dict) -> tuple[dict[str, int], set[str]]:
    """``({reference: customer id}, {references several customers share})`` for the references
    that read as a phone number (in the default region, any spelling: ``+30 697…``, ``697…``).

    Phones are compared as stored (E.164). A number two customers share (a family's landline)
    names nobody: the caller says so rather than pick one.
    """
    known = cache.setdefault("customer_phones", {})
    todo = {r for r in refs if r and r not in known}
    if todo:
        numbers: dict[str, list[str]] = {}
        for ref in todo:
            try:
                numbers.setdefault(normalise_phone(ref), []).append(ref)
            except ValueError:
                known[ref] = None
        owners: dict[str, set[int]] = {}
        if numbers:
            for number, cid in db.session.execute(sa.select(CustomerPhone.number, CustomerPhone.customer_id)
                                                  .where(CustomerPhone.number.in_(list(numbers)))):
                owners.setdefault(number, set()).add(cid)
        for number, spellings in numbers.items():
            ids = owners.get(number, set())
            for ref in spellings:
                known[ref] = next(iter(ids)) if len(ids) == 1 else (0 if ids else None)  # 0: shared
    return ({r: known[r] for r in refs if known.get(r)}, {r for r in refs if known.get(r) == 0})


def products(skus: set[str], names: set[str], cache: dict) -> tuple[dict[str, Product], dict[str, Product | None]]:
    """``({sku: product}, {folded name: product or None when several share it})``, detached values."""
    by_sku = cache.setdefault("products_sku", {})
    by_name = cache.setdefault("products_name", {})
    todo = {s for s in skus if s and s not in by_sku}
    if todo:
        for p in db.session.execute(sa.select(Product).where(Product.sku.in_(todo))).scalars():
            by_sku[p.sku] = _plain(p)
        for s in todo:
            by_sku.setdefault(s, None)
    keys = {fold(n) for n in names if n} - set(by_name)
    if keys:
        for p in db.session.execute(sa.select(Product).where(Product.name_key.in_(keys))).scalars():
            by_name[p.name_key] = None if p.name_key in by_name else _plain(p)
        for k in keys:
            by_name.setdefault(k, None)
    return ({s: by_sku[s] for s in skus if by_sku.get(s)}, {fold(n): by_name.get(fold(n)) for n in names if n})


class _Product:
    """What an importer needs of a product, outside any session (cached across batches)."""

    __slots__ = ("id", "sku", "name", "kind", "unit_price", "tax_rate", "warranty_months")

    def __init__(self, p: Product):
        from core.catalog.service import default_tax_rate

        self.id, self.sku, self.name, self.kind = p.id, p.sku, p.name, p.kind
        self.unit_price, self.warranty_months = p.unit_price, p.warranty_months
        self.tax_rate = p.tax_rate if p.tax_rate is not None else default_tax_rate()


def _plain(p: Product) -> _Product:
    return _Product(p)
