"""Catalog pages: list (search, filters, keyset pages), create, edit, deactivate/reactivate.

Rules live in :mod:`core.catalog.service`; these views only move data between the
form and the service and choose the response (422 with the form kept on bad input).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.catalog.forms import ProductForm
from core.catalog.models import Product
from core.catalog.service import (
    KINDS,
    MAX_ID,
    ProductInputError,
    commit_product,
    create_product,
    default_currency,
    product_page,
    set_active,
    update_product,
)
from core.db import db
from core.security import requires, user_can
from core.web.pagination import BadCursor

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

STATUS_FILTERS = {"active": True, "inactive": False, "all": None}


@bp.get("/")
@requires("catalog.view")
def index():
    q = (request.args.get("q") or "").strip()[:200]
    kind = request.args.get("kind") or ""
    kind = kind if kind in KINDS else ""
    status = request.args.get("status") or "active"
    status = status if status in STATUS_FILTERS else "active"
    try:
        page = product_page(q=q, kind=kind or None, active=STATUS_FILTERS[status],
                            cursor=request.args.get("cursor"), limit=current_app.config["PAGE_SIZE"])
    except BadCursor:
        abort(400)
    return render_template("catalog/index.html", page=page, q=q, kind=kind, status=status,
                           can_edit=user_can("catalog.edit"))


def _get(product_id: int) -> Product:
    product = db.session.get(Product, product_id) if product_id <= MAX_ID else None
    if product is None:
        abort(404)
    return product


@bp.route("/new", methods=["GET", "POST"])
@requires("catalog.edit")
def create():
    form = ProductForm()
    if request.method == "GET":
        form.currency.data = default_currency()
    if form.validate_on_submit():
        try:
            product = create_product(form.data_for_service())
            commit_product(product)
        except ProductInputError as exc:
            db.session.rollback()
            form.add_errors(exc.errors)
        else:
            flash(_("Added “%(name)s” to the catalog.", name=product.name), "success")
            return redirect(url_for("catalog.index", q=product.sku, status="all"))
    status = 422 if request.method == "POST" else 200
    return render_template("catalog/form.html", form=form, product=None), status


@bp.route("/<int:product_id>", methods=["GET", "POST"])
@requires("catalog.edit")
def edit(product_id: int):
    product = _get(product_id)
    form = ProductForm(obj=product)
    if request.method == "GET":
        form.unit_price.data = product.unit_price
        form.unit_cost.data = product.unit_cost
        form.warranty_months.data = str(product.warranty_months)
        form.tax_rate.data = product.tax_rate  # shown as the reader writes it (24, 6,5), never 1E+1
    if form.validate_on_submit():
        try:
            update_product(product, form.data_for_service())
            commit_product(product)
        except ProductInputError as exc:
            db.session.rollback()
            form.add_errors(exc.errors)
        else:
            flash(_("Saved “%(name)s”.", name=product.name), "success")
            return redirect(url_for("catalog.edit", product_id=product.id))
    status = 422 if request.method == "POST" else 200
    return render_template("catalog/form.html", form=form, product=product), status


def _toggle(product_id: int, active: bool):
    product = _get(product_id)
    if set_active(product, active):
        db.session.commit()
    if active:
        flash(_("“%(name)s” is active again.", name=product.name), "success")
    else:
        flash(_("“%(name)s” is deactivated; it stays in the catalog for existing records.", name=product.name),
              "success")
    return redirect(url_for("catalog.edit", product_id=product.id))


@bp.post("/<int:product_id>/deactivate")
@requires("catalog.edit")
def deactivate(product_id: int):
    return _toggle(product_id, False)


@bp.post("/<int:product_id>/reactivate")
@requires("catalog.edit")
def reactivate(product_id: int):
    return _toggle(product_id, True)
