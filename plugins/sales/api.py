"""``/api/v1/sales/``: opportunities and orders over JSON.

Every operation declares its arguments, body and answer with the schemas of
:mod:`plugins.sales.schemas`, so the OpenAPI document describes it completely and
marshmallow refuses wrong types, unknown fields and oversized values (422) before
the business rules of ``pipeline.py``/``orders.py`` run. Amounts travel as decimal
strings, times with their UTC offset. Lists use keyset pagination
(``?cursor=…&limit=…`` → ``{"items": [...], "next_cursor": ...}``). Bad input is
a 422 with ``errors`` by field and nothing is saved; state conflicts (confirming
twice, editing a confirmed order) are 409. Record rules are those of the pages: a
salesperson sees their own rows and those of customers they own.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.orm import selectinload

from core.api.base import Blueprint, api_page, documents_errors, input_error
from core.db import db
from core.security import requires
from core.web.versions import check_if_match, etag_headers
from plugins.sales.access import USER, can_see, visible
from plugins.sales.models import Opportunity, Order
from plugins.sales.orders import cancel, confirm, create_quotation, mark_sent, update_quotation
from plugins.sales.pipeline import (
    SalesInputError, create_opportunity, lost_reason, mark_lost, mark_won, reopen, update_opportunity,
)
from plugins.sales.schemas import (
    LostInputSchema,
    OpportunityInputSchema,
    OpportunityListArgs,
    OpportunityPageSchema,
    OpportunityPatchSchema,
    OpportunitySchema,
    OrderInputSchema,
    OrderListArgs,
    OrderPageSchema,
    OrderPatchSchema,
    OrderSchema,
)

blp = Blueprint("api_sales", __name__, url_prefix="/sales", description="Sales: opportunities, quotations and orders")

STATE_ERRORS = ("state", "status")


def _errors(*codes):
    return documents_errors(blp, *codes)


def _nest(errors: dict) -> dict:
    """The services key line errors ``lines.<n>.<field>`` (n from 1, as the pages show
    them); the API answers like marshmallow: ``{"lines": {"<n-1>": {"<field>": [...]}}}``."""
    out: dict = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            out.setdefault("lines", {}).setdefault(str(int(parts[1]) - 1), {})[parts[2]] = list(map(str, messages))
        else:
            out[key] = list(map(str, messages))
    return out


def _fail(exc: SalesInputError):
    """422 for bad input, 409 when the object's state forbids the change; nothing is saved."""
    db.session.rollback()
    if any(k in STATE_ERRORS for k in exc.errors):
        abort(409, message=str(exc), errors={"json": _nest(exc.errors)})
    input_error(_nest(exc.errors), message=str(exc))


def _opp(opp_id) -> Opportunity:
    opp = db.session.get(Opportunity, opp_id)
    if not can_see(opp):
        abort(404, message=_("No such opportunity."))
    return opp


def _order(order_id) -> Order:
    order = db.session.execute(sa.select(Order).where(Order.id == order_id)
                               .options(selectinload(Order.lines))).scalar()
    if not can_see(order):
        abort(404, message=_("No such order."))
    return order


def _save(change, *args):
    """Run a service change and commit it, or answer 409/422 with nothing saved."""
    try:
        result = change(*args)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return result


# -- opportunities -------------------------------------------------------------------------


@blp.route("/opportunities")
class Opportunities(MethodView):
    @requires(USER)
    @blp.arguments(OpportunityListArgs, location="query")
    @blp.response(200, OpportunityPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Opportunities you may see, newest first; filter by status, stage, owner, customer."""
        stmt = visible(sa.select(Opportunity), Opportunity)
        for key in ("status", "stage_id", "owner_id", "customer_id"):
            if args.get(key) is not None:
                stmt = stmt.where(getattr(Opportunity, key) == args[key])
        return api_page(stmt, [Opportunity.id], args, descending=True)

    @requires(USER)
    @blp.arguments(OpportunityInputSchema)
    @blp.response(201, OpportunitySchema)
    @_errors(401, 403)
    def post(self, data):
        """Create an opportunity in the first open stage (or ``stage_id``); owned by you unless given."""
        opp = _save(create_opportunity, data)
        return opp, etag_headers(opp)


@blp.route("/opportunities/<int:opp_id>")
class OpportunityItem(MethodView):
    @requires(USER)
    @blp.response(200, OpportunitySchema)
    @_errors(401, 403, 404)
    def get(self, opp_id):
        """One opportunity (``ETag``: its version)."""
        opp = _opp(opp_id)
        return opp, etag_headers(opp)

    @requires(USER)
    @blp.arguments(OpportunityPatchSchema(partial=True))
    @blp.response(200, OpportunitySchema)
    @_errors(401, 403, 404, 409, 412)
    def patch(self, data, opp_id):
        """Change the fields sent; moving a closed opportunity needs ``reopen`` first (409).

        Send ``If-Match`` with the ``ETag`` you read: if the opportunity changed meanwhile
        the answer is 412 and nothing is saved."""
        opp = _opp(opp_id)
        check_if_match(opp)
        _save(update_opportunity, opp, data)
        return opp, etag_headers(opp)


def _action(resource: str, path: str, load, schema, action, doc: str):
    """``POST /<resource>/<id>/<path>``: a state change without a body (409 when not allowed)."""

    @requires(USER)
    @blp.response(200, schema)
    @_errors(401, 403, 404, 409)
    def post(self, **view_args):
        obj = load(*view_args.values())
        _save(action, obj)
        return obj

    post.__doc__ = doc
    param = "opp_id" if resource == "opportunities" else "order_id"
    view = type(f"{resource}_{path}", (MethodView,), {"post": post})
    blp.route(f"/{resource}/<int:{param}>/{path}")(view)


_action("opportunities", "won", _opp, OpportunitySchema, mark_won,
        "Mark the opportunity won (a prospect becomes a customer).")
_action("opportunities", "reopen", _opp, OpportunitySchema, reopen,
        "Reopen a won or lost opportunity in the first open stage.")


@blp.route("/opportunities/<int:opp_id>/lost")
class OpportunityLost(MethodView):
    @requires(USER)
    @blp.arguments(LostInputSchema)
    @blp.response(200, OpportunitySchema)
    @_errors(401, 403, 404, 409)
    def post(self, data, opp_id):
        """Mark the opportunity lost, with an active lost reason and an optional note."""
        opp = _opp(opp_id)
        reason = lost_reason(data["lost_reason_id"])
        if reason is None:
            input_error({"lost_reason_id": [_("No such lost reason.")]})
        _save(mark_lost, opp, reason, data["note"])
        return opp


# -- orders ----------------------------------------------------------------------------------


@blp.route("/orders")
class Orders(MethodView):
    @requires(USER)
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, OrderPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Quotations and orders you may see, newest first (without lines); filter by state, customer."""
        stmt = visible(sa.select(Order), Order)
        for key in ("state", "customer_id"):
            if args.get(key) is not None:
                stmt = stmt.where(getattr(Order, key) == args[key])
        return api_page(stmt, [Order.id], args, descending=True)

    @requires(USER)
    @blp.arguments(OrderInputSchema)
    @blp.response(201, OrderSchema)
    @_errors(401, 403)
    def post(self, data):
        """Create a draft quotation; without ``customer_id`` it takes the opportunity's customer."""
        if data.get("opportunity_id") and data.get("customer_id") is None:
            opp = db.session.get(Opportunity, data["opportunity_id"])
            if opp is None or not can_see(opp):
                input_error({"opportunity_id": [_("No such opportunity.")]})
            data["customer_id"] = opp.customer_id
        order = _save(create_quotation, data)
        return order, etag_headers(order)


@blp.route("/orders/<int:order_id>")
class OrderItem(MethodView):
    @requires(USER)
    @blp.response(200, OrderSchema)
    @_errors(401, 403, 404)
    def get(self, order_id):
        """One quotation or order with its lines (``ETag``: its version)."""
        order = _order(order_id)
        return order, etag_headers(order)

    @requires(USER)
    @blp.arguments(OrderPatchSchema(partial=True))
    @blp.response(200, OrderSchema)
    @_errors(401, 403, 404, 409, 412)
    def patch(self, data, order_id):
        """Change a draft or sent quotation; ``lines`` replaces every line (409 once confirmed).

        Send ``If-Match`` with the ``ETag`` you read: if the quotation changed meanwhile
        the answer is 412 and nothing is saved."""
        order = _order(order_id)
        check_if_match(order)
        _save(update_quotation, order, data)
        return order, etag_headers(order)


_action("orders", "send", _order, OrderSchema, mark_sent, "Mark a draft quotation as sent to the customer.")
_action("orders", "confirm", _order, OrderSchema, confirm,
        "Confirm the quotation as an order; announces sales_order_confirmed.")
_action("orders", "cancel", _order, OrderSchema, cancel,
        "Cancel a quotation or order; a confirmed one announces sales_order_cancelled.")
