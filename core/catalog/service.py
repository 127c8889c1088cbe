"""Creating, changing and finding catalog products and services.

The web forms and the REST API both go through :func:`validate_product_data`, so a
price, a SKU or a currency is judged by one set of rules wherever it comes from.
Validation happens before anything changes; :class:`ProductInputError` carries one
message list per field, and the caller shows them (form errors or a 422).

SKUs are stripped and upper-cased before they are stored, so "ab-1" and "AB-1" are
the same article and the unique index cannot be sidestepped by a change of case.
``name_key`` (the folded name) orders the list and forms the keyset cursor.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.numbers import list_currencies
from flask import current_app
from flask_babel import gettext as _

from core.catalog.models import PRODUCT, SERVICE, Product
from core.db import db
from core.text import fold, unstorable, like_pattern

KINDS = (PRODUCT, SERVICE)
LIMITS = {"sku": 64, "name": 200, "description": 5000}
MAX_WARRANTY_MONTHS = 600
# Numeric(14, 2): twelve digits before the decimal point.
MAX_PRICE = Decimal("999999999999.99")
SKU_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
# Largest id any supported database stores in an INTEGER column (PostgreSQL's int4).
from core.db import MAX_ID  # noqa: E402  (re-exported: catalog views use it)
FIELDS = ("sku", "name", "description", "kind", "unit_price", "unit_cost", "currency", "active", "warranty_months",
          "tax_rate")
MAX_TAX_RATE = Decimal("100")


class ProductInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def default_currency() -> str:
    return current_app.config.get("DEFAULT_CURRENCY", "EUR")


def default_tax_rate() -> Decimal:
    """The business's default tax rate in percent (``RAPPORT_TAX_RATE``, e.g. 24)."""
    try:
        rate = Decimal(str(current_app.config.get("DEFAULT_TAX_RATE") or "0"))
    except InvalidOperation:
        return Decimal("0")
    return rate if rate.is_finite() and 0 <= rate <= MAX_TAX_RATE else Decimal("0")


def parse_tax_rate(value) -> Decimal | None:
    """A percentage from 0 to 100 with at most two decimals; empty means "the default"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("A percentage between 0 and 100, such as 24."))
    try:
        rate = Decimal(str(value).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise ValueError(_("A percentage between 0 and 100, such as 24.")) from None
    if not rate.is_finite() or not 0 <= rate <= MAX_TAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise ValueError(_("A percentage between 0 and 100, such as 24."))
    return rate.quantize(Decimal("0.01"))


def _parse_price(value) -> Decimal:
    """A non-negative amount with at most two decimals (floats via ``str`` so 0.1 stays 0.1)."""
    if isinstance(value, bool):
        raise ValueError(_("Enter an amount such as 12.50."))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, float)):
        amount = Decimal(str(value))
    else:
        text = (value or "").strip().replace(" ", "")
        if not text:
            raise ValueError(_("A price is required (0 for free)."))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("Enter an amount such as 12.50.")) from None
    if not amount.is_finite():
        raise ValueError(_("Enter an amount such as 12.50."))
    if amount < 0:
        raise ValueError(_("The price cannot be negative."))
    if amount > MAX_PRICE:  # before quantize(), which fails on huge exponents
        raise ValueError(_("The price is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("At most two decimal places."))
    return amount.quantize(Decimal("0.01"))


def _parse_months(value) -> int:
    if isinstance(value, bool):
        raise ValueError(_("A whole number of months."))
    if isinstance(value, str):
        value = value.strip() or "0"
        if not re.fullmatch(r"\d+", value):
            raise ValueError(_("A whole number of months."))
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(_("A whole number of months."))
    if not 0 <= value <= MAX_WARRANTY_MONTHS:
        raise ValueError(_("Between 0 and %(n)d months.", n=MAX_WARRANTY_MONTHS))
    return value


def validate_product_data(data: dict, *, current: Product | None = None) -> dict:
    """Check and normalise ``data`` (partial when ``current`` is given); raise ProductInputError.

    Checks the SKU's uniqueness too, so a duplicate is reported next to the field
    rather than surfacing later as a database error.
    """
    errors: dict[str, list[str]] = {}
    out: dict = {}
    creating = current is None

    def err(field, msg):
        errors.setdefault(field, []).append(msg)

    for field in ("sku", "name", "description"):
        why = unstorable(data[field]) if isinstance(data.get(field), str) else None
        if why:
            err(field, why)

    unknown = set(data) - set(FIELDS)
    for field in sorted(unknown):
        err(field, _("Unknown field."))

    if "sku" in data or creating:
        sku = data.get("sku")
        sku = sku.strip().upper() if isinstance(sku, str) else sku
        if not sku or not isinstance(sku, str):
            err("sku", _("A SKU is required."))
        elif len(sku) > LIMITS["sku"]:
            err("sku", _("At most %(n)d characters.", n=LIMITS["sku"]))
        elif not SKU_RE.match(sku):
            err("sku", _("Use letters, digits and . _ / - only (no spaces)."))
        else:
            clash = db.session.execute(
                sa.select(Product.id).where(Product.sku == sku, Product.id != (current.id if current else -1))
            ).first()
            if clash:
                err("sku", _("Another product already has the SKU “%(sku)s”.", sku=sku))
        out["sku"] = sku
    if "name" in data or creating:
        name = data.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            err("name", _("A name is required."))
        elif len(name) > LIMITS["name"]:
            err("name", _("At most %(n)d characters.", n=LIMITS["name"]))
        out["name"] = name
    if "description" in data:
        desc = data["description"]
        desc = desc.strip() if isinstance(desc, str) else ""
        if len(desc) > LIMITS["description"]:
            err("description", _("At most %(n)d characters.", n=LIMITS["description"]))
        out["description"] = desc
    if "kind" in data or creating:
        kind = data.get("kind") or PRODUCT
        if kind not in KINDS:
            err("kind", _("Either product or service."))
        out["kind"] = kind
    if "unit_price" in data or creating:
        try:
            out["unit_price"] = _parse_price(data.get("unit_price"))
        except ValueError as exc:
            err("unit_price", str(exc))
    if "unit_cost" in data:
        cost = data.get("unit_cost")
        if cost is None or (isinstance(cost, str) and not cost.strip()):
            out["unit_cost"] = None  # unknown
        else:
            try:
                out["unit_cost"] = _parse_price(cost)
            except ValueError as exc:
                err("unit_cost", str(exc))
    if "currency" in data or creating:
        cur = data.get("currency") or (default_currency() if creating else "")
        cur = cur.strip().upper() if isinstance(cur, str) else ""
        if not re.fullmatch(r"[A-Z]{3}", cur) or cur not in list_currencies():
            err("currency", _("A three-letter ISO 4217 currency code such as EUR."))
        out["currency"] = cur
    if "warranty_months" in data:
        try:
            out["warranty_months"] = _parse_months(data["warranty_months"])
        except ValueError as exc:
            err("warranty_months", str(exc))
    if "tax_rate" in data:
        try:
            out["tax_rate"] = parse_tax_rate(data["tax_rate"])
        except ValueError as exc:
            err("tax_rate", str(exc))
    if "active" in data:
        if not isinstance(data["active"], bool):
            err("active", _("Either true or false."))
        out["active"] = data["active"]
    if errors:
        raise ProductInputError(errors)
    return out


def apply_product_data(product: Product, clean: dict) -> dict:
    """Apply validated data; returns ``{field: (old, new)}`` for what changed."""
    changes = {}
    for field, value in clean.items():
        if getattr(product, field) != value:
            changes[field] = (getattr(product, field), value)
            setattr(product, field, value)
    product.name_key = fold(product.name)[:200]
    return changes


def create_product(data: dict) -> Product:
    """Validate and add a product (the caller commits with :func:`commit_product`)."""
    clean = validate_product_data(data)
    product = Product(sku=clean["sku"], name=clean["name"])
    apply_product_data(product, clean)
    db.session.add(product)
    return product


def update_product(product: Product, data: dict) -> dict:
    clean = validate_product_data(data, current=product)
    return apply_product_data(product, clean)


def set_active(product: Product, active: bool) -> bool:
    """Deactivate or reactivate; returns whether anything changed. Deactivated
    products stay in the database (orders and repairs keep pointing at them)."""
    if product.active == active:
        return False
    product.active = active
    return True


def commit_product(product: Product) -> None:
    """Commit, turning a SKU race lost to a concurrent insert into a field error."""
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ProductInputError({"sku": [_("Another product already has the SKU “%(sku)s”.",
                                           sku=product.sku)]}) from None


def product_query(q: str | None = None, kind: str | None = None, active: bool | None = None):
    """The catalog list's ``select()``: name or SKU search folded like the customers list."""
    stmt = sa.select(Product)
    if active is not None:
        stmt = stmt.where(Product.active == active)
    if kind:
        stmt = stmt.where(Product.kind == kind)
    term = fold(q)
    if term:
        pattern = like_pattern(term)
        stmt = stmt.where(sa.or_(Product.name_key.like(pattern, escape="\\"),
                                 sa.func.lower(Product.sku).like(pattern, escape="\\")))
    return stmt


def product_page(*, q: str | None = None, kind: str | None = None, active: bool | None = None,
                 cursor: str | None = None, limit: int = 50):
    """One keyset page of the catalog A→Z (raises ``BadCursor`` for a forged cursor).

    With a search term the sort is on an expression so the database scans the table
    once and sorts the matches, instead of walking the name index and fetching every
    row to test it (much slower when matches are rare; same order either way).
    """
    from core.web.pagination import cursor_of, keyset_page

    stmt = product_query(q, kind, active)
    sort = Product.name_key.concat("") if fold(q) else Product.name_key
    return keyset_page(db.session, stmt, [sort, Product.id], cursor=cursor, limit=limit,
                       convert=cursor_of("text", "id"), key=lambda p: [p.name_key, p.id])


# -- the product picker (``product`` lookup) ------------------------------------------------


def _lookup_item(product: Product):
    from core.contrib import LookupItem

    return LookupItem(product.id, product.name, product.sku, (
        ("sku", product.sku), ("description", product.name), ("unit_price", str(product.unit_price)),
        ("currency", product.currency), ("tax_rate", str(product.effective_tax_rate())),
        ("warranty_months", product.warranty_months)))


def lookup_products(term: str, limit: int, params: dict) -> list:
    """Active products by name or SKU for a picker (``kind=service`` for services only)."""
    kind = params.get("kind") if params.get("kind") in KINDS else None
    stmt = product_query(term, kind, active=True)
    stmt = stmt.order_by(Product.name_key.concat("") if term else Product.name_key, Product.id).limit(limit)
    return [_lookup_item(p) for p in db.session.execute(stmt).scalars()]


def lookup_product(product_id: int):
    product = db.session.get(Product, product_id)
    return _lookup_item(product) if product else None
