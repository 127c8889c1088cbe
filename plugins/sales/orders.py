"""Quotations and orders: lines, totals, draft → sent → confirmed | cancelled.

A confirmed order is frozen: only cancelling changes it. Confirming and cancelling
announce ``sales_order_confirmed`` / ``sales_order_cancelled`` (see
``plugins/sales/hookspecs.py``) with a plain-data payload, delivered after commit.
All validation happens before the first change, so bad input saves nothing.
The caller commits.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from core.catalog.models import Product
from core.catalog.service import default_tax_rate
from core.customers.models import Customer
from core.db import announce, change_state, db, iso_utc, parse_id, utcnow
from core.history.service import log_event
from plugins.sales.access import can_see
from plugins.sales.models import CANCELLED, CONFIRMED, DRAFT, OPEN, SENT, Opportunity, Order, OrderLine
from plugins.sales.pipeline import (
    SalesInputError,
    _err,
    win_if_open,
    parse_currency,
    parse_date,
    parse_decimal,
)
from plugins.sales.totals import line_amounts, order_amounts
from core.l10n import local_today

MAX_LINES = 500
MAX_QTY = Decimal("9999999.999")


def _uid():
    return current_user.id if current_user and getattr(current_user, "is_authenticated", False) else None


def validate_lines(raw_lines, errors) -> list[dict]:
    """Check every line; returns clean dicts (errors keyed ``lines.<n>.<field>``)."""
    if not isinstance(raw_lines, (list, tuple)):
        _err(errors, "lines", _("A list of lines is expected."))
        return []
    if len(raw_lines) > MAX_LINES:
        _err(errors, "lines", _("At most %(n)d lines.", n=MAX_LINES))
        return []
    ids = {parse_id(r.get("product_id")) for r in raw_lines if isinstance(r, dict)} - {None}
    products = {p.id: p for p in db.session.execute(sa.select(Product).where(Product.id.in_(ids))).scalars()} if ids else {}
    clean = []
    for n, raw in enumerate(raw_lines, start=1):
        key = f"lines.{n}"
        if not isinstance(raw, dict):
            _err(errors, key, _("Each line must be an object."))
            continue
        before = sum(len(v) for v in errors.values())
        product = None
        pid = raw.get("product_id")
        if pid not in (None, "", 0):
            product = products.get(parse_id(pid))
            if product is None:
                _err(errors, f"{key}.product_id", _("Unknown product."))
        description = (raw.get("description") or "").strip()
        if not description and product is not None:
            description = product.name
        if not description and product is None and pid in (None, "", 0):
            _err(errors, f"{key}.description", _("Choose a product or describe the line."))
        if len(description) > 300:
            _err(errors, f"{key}.description", _("At most %(n)d characters.", n=300))
        qty = parse_decimal(errors, f"{key}.quantity", raw.get("quantity", "1"), minimum=Decimal("0"),
                            maximum=MAX_QTY, places=3)
        if qty is not None and qty == 0:
            _err(errors, f"{key}.quantity", _("The quantity must be more than zero."))
        if raw.get("quantity") in (None, "") and "quantity" in raw:
            _err(errors, f"{key}.quantity", _("Enter a quantity."))
        price_raw = raw.get("unit_price")
        if price_raw in (None, ""):
            price = product.unit_price if product is not None else None
            if price is None and product is None and pid in (None, "", 0):
                _err(errors, f"{key}.unit_price", _("Enter a unit price for a free-text line."))
        else:
            price = parse_decimal(errors, f"{key}.unit_price", price_raw)
        discount = parse_decimal(errors, f"{key}.discount_percent", raw.get("discount_percent") or "0",
                                 maximum=Decimal("100")) or Decimal("0")
        # No rate given: the product's own, else the business's default (RAPPORT_TAX_RATE).
        tax_raw = raw.get("tax_rate")
        if tax_raw in (None, ""):
            tax_raw = str(product.effective_tax_rate() if product is not None else default_tax_rate())
        tax = parse_decimal(errors, f"{key}.tax_rate", tax_raw, maximum=Decimal("100")) or Decimal("0")
        if sum(len(v) for v in errors.values()) > before:
            continue
        amounts = line_amounts(qty if qty is not None else Decimal("1"), price, discount, tax)
        clean.append({
            "position": n, "product_id": product.id if product else None, "description": description,
            "sku": product.sku if product else "", "kind": product.kind if product else "product",
            "quantity": qty if qty is not None else Decimal("1"), "unit_price": price,
            "discount_percent": discount, "tax_rate": tax, "line_total": amounts.net,
            "tax_amount": amounts.tax, "warranty_months": product.warranty_months if product else 0,
            "unit_cost": product.unit_cost if product else None,
        })
    return clean


def validate_order(data: dict, current: Order | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    out: dict = {}
    creating = current is None
    if "customer_id" in data or creating:
        cid = data.get("customer_id")
        customer = db.session.get(Customer, parse_id(cid)) if parse_id(cid) else None
        if customer is None:
            _err(errors, "customer_id", _("No such customer."))
        else:
            out["customer_id"] = customer.id
    if "opportunity_id" in data and data["opportunity_id"] not in (None, "", 0):
        opp_id = parse_id(data["opportunity_id"])
        opp = db.session.get(Opportunity, opp_id) if opp_id else None
        if opp is None or not can_see(opp):
            _err(errors, "opportunity_id", _("No such opportunity."))
        else:
            out["opportunity_id"] = opp.id
    if "currency" in data or creating:
        out["currency"] = parse_currency(errors, data.get("currency"))
    if "valid_until" in data:
        out["valid_until"] = parse_date(errors, "valid_until", data["valid_until"])
    if "notes" in data:
        notes = (data.get("notes") or "").strip()
        if len(notes) > 20000:
            _err(errors, "notes", _("At most %(n)d characters.", n=20000))
        out["notes"] = notes
    if "lines" in data or creating:
        out["lines"] = validate_lines(data.get("lines") or [], errors)
    if errors:
        raise SalesInputError(errors)
    return out


def _apply(order: Order, clean: dict) -> None:
    lines = clean.pop("lines", None)
    for key, value in clean.items():
        setattr(order, key, value)
    if lines is not None:
        order.lines = [OrderLine(**line) for line in lines]
    amounts = order_amounts([line_amounts(x.quantity, x.unit_price, x.discount_percent, x.tax_rate)
                             for x in order.lines])
    order.subtotal, order.tax_total, order.total = amounts.subtotal, amounts.tax_total, amounts.total


def create_quotation(data: dict, *, owner_id: int | None = None) -> Order:
    clean = validate_order(data)
    order = Order(state=DRAFT, owner_id=owner_id or _uid())
    db.session.add(order)
    _apply(order, clean)
    db.session.flush()
    order.number = f"S{order.id:07d}"
    return order


def _refuse_unless_editable(order: Order) -> None:
    if not order.editable:
        raise SalesInputError({"state": [_("A %(s)s order cannot be changed.", s=state_label(order.state))]})


def update_quotation(order: Order, data: dict) -> None:
    _refuse_unless_editable(order)
    clean = validate_order(data, current=order)
    _apply(order, clean)
    db.session.flush()


def mark_sent(order: Order) -> None:
    if order.state != DRAFT or not change_state(order, "state", DRAFT, state=SENT, sent_at=utcnow()):
        raise SalesInputError({"state": [_("Only a draft quotation can be marked as sent.")]})


def order_payload(order: Order) -> dict:
    """The plain data listeners receive (documented in ``hookspecs.py``)."""
    return {
        "id": order.id,
        "number": order.number,
        "customer_id": order.customer_id,
        "owner_id": order.owner_id,
        "opportunity_id": order.opportunity_id,
        "state": order.state,
        "confirmed_at": iso_utc(order.confirmed_at),
        "confirmation_date": order.confirmed_at.date().isoformat() if order.confirmed_at else None,
        "cancelled_at": iso_utc(order.cancelled_at),
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "tax_total": str(order.tax_total),
        "total": str(order.total),
        "lines": [{
            "line_id": line.id, "product_id": line.product_id, "sku": line.sku, "kind": line.kind,
            "description": line.description, "quantity": str(line.quantity),
            "unit_price": str(line.unit_price), "discount_percent": str(line.discount_percent),
            "tax_rate": str(line.tax_rate), "line_total": str(line.line_total),
            "tax_amount": str(line.tax_amount), "warranty_months": line.warranty_months,
        } for line in order.lines],
    }


def _refuse_confirming(order: Order) -> None:
    if order.state == CONFIRMED:
        raise SalesInputError({"state": [_("This order is already confirmed.")]})
    if order.state == CANCELLED:
        raise SalesInputError({"state": [_("A cancelled quotation cannot be confirmed.")]})


def confirm(order: Order, *, when=None, **extra) -> None:
    """Turn a quotation into an order; wins its opportunity; announces the event.

    Atomic (``change_state``): of simultaneous confirmations exactly one changes the row
    and goes on to log, win the opportunity and announce; the others get the "already
    confirmed" error (409) and cause nothing.
    """
    _refuse_confirming(order)
    if not order.lines:
        raise SalesInputError({"lines": [_("Add at least one line before confirming.")]})
    if not change_state(order, "state", (DRAFT, SENT), state=CONFIRMED, confirmed_at=when or utcnow(), **extra):
        _refuse_confirming(order)
        raise SalesInputError({"state": [_("This quotation changed meanwhile; reload it.")]})
    log_event(order.customer_id, "sales.order_confirmed", source="sales", subject_kind="sales.order_confirmed",
              subject_params={"number": order.number, "total": str(order.total), "currency": order.currency},
              data={"order_id": order.id, "total": str(order.total), "currency": order.currency},
              user_id=_uid(), occurred_at=order.confirmed_at, record=order)
    opp = order.opportunity
    if opp is not None and opp.status == OPEN:
        win_if_open(opp, when=order.confirmed_at)
    announce("sales_order_confirmed", order=order_payload(order))
    from plugins.sales.portal_orders import tell_customer_confirmed

    tell_customer_confirmed(order)


def cancel(order: Order) -> None:
    """Cancel a quotation or an order (atomic like :func:`confirm`; only a confirmed order
    announces its cancellation)."""
    was = order.state
    if was == CANCELLED or not change_state(order, "state", was, state=CANCELLED, cancelled_at=utcnow()):
        raise SalesInputError({"state": [_("This quotation is already cancelled.")] if order.state == CANCELLED
                                        else [_("This quotation changed meanwhile; reload it.")]})
    if was == CONFIRMED:
        log_event(order.customer_id, "sales.order_cancelled", source="sales", subject_kind="sales.order_cancelled",
                  subject_params={"number": order.number}, data={"order_id": order.id},
                  user_id=_uid(), record=order)
        announce("sales_order_cancelled", order=order_payload(order))


def state_label(state: str) -> str:
    return {DRAFT: pgettext("order state", "draft"), SENT: pgettext("order state", "sent"),
            CONFIRMED: pgettext("order state", "confirmed"), CANCELLED: pgettext("order state", "cancelled")}.get(state, state)


def default_valid_until() -> date:
    from datetime import timedelta

    return local_today() + timedelta(days=30)
