"""The sales pages of the customer portal (``/portal/sales/…``): quotations to accept or decline,
orders and their status, a printable page, order again, and a catalog to order from.

Every query starts from ``core.portal.scoped_to()``: another customer's order answers 404.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.catalog.models import Product
from core.db import db
from core.portal import current_portal, portal_login_required, scoped_to
from core.text import fold, like_pattern
from core.web.pagination import BadCursor, keyset_page
from plugins.sales.models import SENT, Order
from plugins.sales.orders import SalesInputError
from plugins.sales import portal_orders
from core.l10n import local_today

bp = Blueprint("sales_portal", __name__, template_folder="templates")

PAGE = 20


class AcceptForm(FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    agree = BooleanField(_l("I accept this quotation and its terms"), validators=[DataRequired()])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why? (optional)"), validators=[Length(max=500)])


class PlainForm(FlaskForm):
    """CSRF only (order again, the catalog's order)."""


def _orders():
    return scoped_to().select(Order).where(portal_orders.visible_to_customer())


def _order(order_id: int) -> Order:
    order = scoped_to().get(Order, order_id)
    if not db.session.execute(_orders().where(Order.id == order.id).with_only_columns(Order.id)).scalar():
        abort(404)  # a staff draft not sent yet
    return order


def _flash_errors(exc: SalesInputError) -> None:
    for messages in exc.errors.values():
        for message in messages:
            flash(message, "error")


@bp.get("/orders")
@portal_login_required
def orders():
    try:
        page = keyset_page(db.session, _orders(), [Order.id], cursor=request.args.get("cursor"), limit=PAGE,
                           descending=True)
    except BadCursor:
        abort(404)
    return render_template("sales/portal_orders.html", page=page, SENT=SENT)


@bp.get("/orders/<int:order_id>")
@portal_login_required
def order(order_id: int):
    found = _order(order_id)
    return render_template("sales/portal_order.html", order=found, accept_form=AcceptForm(),
                           decline_form=DeclineForm(), plain=PlainForm(), SENT=SENT)


@bp.get("/orders/<int:order_id>/print")
@portal_login_required
def order_print(order_id: int):
    return render_template("sales/print.html", order=_order(order_id), today=local_today(),
                           back=url_for("sales_portal.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/accept")
@portal_login_required
def accept(order_id: int):
    found = _order(order_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return render_template("sales/portal_order.html", order=found, accept_form=form, decline_form=DeclineForm(),
                               plain=PlainForm(), SENT=SENT), 422
    try:
        portal_orders.accept(found, form.name.data)
        db.session.commit()
    except SalesInputError as exc:
        db.session.rollback()
        _flash_errors(exc)
        return redirect(url_for("sales_portal.order", order_id=order_id)), 303
    flash(_("Thank you! Your order %(n)s is confirmed.", n=found.number), "success")
    return redirect(url_for("sales_portal.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/decline")
@portal_login_required
def decline(order_id: int):
    found = _order(order_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        portal_orders.decline(found, form.reason.data)
        db.session.commit()
    except SalesInputError as exc:
        db.session.rollback()
        _flash_errors(exc)
        return redirect(url_for("sales_portal.order", order_id=order_id)), 303
    flash(_("You declined the quotation. We will be in touch."), "success")
    return redirect(url_for("sales_portal.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/again")
@portal_login_required
def order_again(order_id: int):
    found = _order(order_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        new = portal_orders.order_again(found, current_portal.customer)
        db.session.commit()
    except SalesInputError as exc:
        db.session.rollback()
        _flash_errors(exc)
        return redirect(url_for("sales_portal.order", order_id=order_id)), 303
    flash(_("Your order %(n)s was sent to us; we confirm it shortly.", n=new.number), "success")
    return redirect(url_for("sales_portal.order", order_id=new.id))


@bp.route("/catalog", methods=["GET", "POST"])
@portal_login_required
def catalog():
    term = fold((request.args.get("q") or "").strip())[:100]
    stmt = portal_orders.orderable_products()
    if term:
        stmt = stmt.where(Product.name_key.like(like_pattern(term), escape="\\"))
    try:
        page = keyset_page(db.session, stmt, [Product.name_key, Product.id], cursor=request.args.get("cursor"),
                           limit=PAGE)
    except BadCursor:
        abort(404)
    form = PlainForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        quantities, bad = {}, False
        for key, value in request.form.items():
            if key.startswith("qty-") and key[4:].isdigit() and value.strip():
                try:
                    quantities[int(key[4:])] = Decimal(value.strip().replace(",", "."))
                except InvalidOperation:
                    bad = True
        if bad or any(q < 0 or q > 100000 for q in quantities.values()):
            flash(_("Quantities are whole or decimal numbers from 0 to 100000."), "error")
        else:
            try:
                new = portal_orders.place_order(current_portal.customer, quantities)
                db.session.commit()
                flash(_("Your order %(n)s was sent to us; we confirm it shortly.", n=new.number), "success")
                return redirect(url_for("sales_portal.order", order_id=new.id))
            except SalesInputError as exc:
                db.session.rollback()
                _flash_errors(exc)
        return render_template("sales/portal_catalog.html", page=page, form=form, q=request.args.get("q", "")), 422
    return render_template("sales/portal_catalog.html", page=page, form=form, q=request.args.get("q", ""))


# -- contributions to the portal (called from plugins/sales/__init__.py) ------------------------------


def menu_items():
    from core.contrib import PortalMenuItem

    return [PortalMenuItem(_l("Orders"), "sales_portal.orders", weight=20),
            PortalMenuItem(_l("Order online"), "sales_portal.catalog", weight=25)]


def cards(portal):
    from core.contrib import PortalCard

    def render():
        open_quotes = db.session.execute(scoped_to(portal).select(Order).where(Order.state == SENT)
                                         .order_by(Order.id.desc()).limit(5)).scalars().all()
        return Markup(render_template("sales/portal_card.html", quotations=open_quotes))

    return [PortalCard(_l("Quotations to answer"), render, weight=20, url=url_for("sales_portal.orders"))]
