"""``/api/v1/products``: the catalog (list/search, create, read, change).

There is no DELETE: products are deactivated (``PATCH {"active": false}``) so the
orders and repairs that point at them keep their meaning. Rules are those of
``core.catalog.service``, shared with the catalog pages.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from core.api.base import Blueprint, bad_cursor, documents_errors, input_error
from core.api.schemas import (
    ProductInputSchema,
    ProductListArgs,
    ProductPageSchema,
    ProductPatchSchema,
    ProductSchema,
)
from core.catalog.models import Product
from core.catalog.service import (
    MAX_ID,
    ProductInputError,
    commit_product,
    create_product,
    product_page,
    update_product,
)
from core.db import db
from core.security import requires
from core.web.pagination import BadCursor

blp = Blueprint("api_products", __name__, url_prefix="/products", description="Product and service catalog")


def _errors(*codes):
    return documents_errors(blp, *codes)


def _get(product_id: int) -> Product:
    product = db.session.get(Product, product_id) if product_id <= MAX_ID else None
    if product is None:
        abort(404, message=_("No such product."))
    return product


@blp.route("")
class Products(MethodView):
    @requires("catalog.view")
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, ProductPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """List products and services A→Z; filter by ``q`` (name or SKU), ``kind``, ``active``."""
        try:
            page = product_page(q=args["q"], kind=args["kind"], active=args["active"], cursor=args["cursor"],
                                limit=args["limit"])
        except BadCursor:
            bad_cursor()
        return {"items": page.items, "next_cursor": page.next_cursor}

    @requires("catalog.edit")
    @blp.arguments(ProductInputSchema)
    @blp.response(201, ProductSchema)
    @_errors(401, 403)
    def post(self, data):
        """Add a product or service (SKU unique; price a decimal string)."""
        try:
            product = create_product(data)
            commit_product(product)
        except ProductInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        return product


@blp.route("/<int:product_id>")
class ProductItem(MethodView):
    @requires("catalog.view")
    @blp.response(200, ProductSchema)
    @_errors(401, 403, 404)
    def get(self, product_id):
        return _get(product_id)

    @requires("catalog.edit")
    @blp.arguments(ProductPatchSchema(partial=True))
    @blp.response(200, ProductSchema)
    @_errors(401, 403, 404)
    def patch(self, data, product_id):
        """Change the fields sent; ``{"active": false}`` deactivates."""
        product = _get(product_id)
        try:
            update_product(product, data)
            commit_product(product)
        except ProductInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        return product
