"""``/api/v1/sales/``: opportunities and orders over JSON.

Amounts travel as decimal strings. Lists use cursor pagination
(``?cursor=…&limit=…`` → ``{"items": [...], "next_cursor": ...}``). Bad input is
a 422 with ``errors`` by field, and nothing is saved; state conflicts (confirming
twice, editing a confirmed order) are 409. Record rules are the same as on the
pages: a salesperson sees their own rows and those of customers they own.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy.orm import selectinload

from core.db import db
from core.security import requires
from core.web.pagination import BadCursor, keyset_page
from core.web.versions import check_if_match, etag_headers
from plugins.sales.access import USER, can_see, visible
from plugins.sales.models import LOST, OPEN, ORDER_STATES, WON, Opportunity, Order
from plugins.sales.orders import cancel, confirm, create_quotation, mark_sent, update_quotation
from plugins.sales.pipeline import (
    SalesInputError, create_opportunity, lost_reason, mark_lost, mark_won, reopen, update_opportunity,
)

blp = Blueprint("api_sales", __name__, url_prefix="/sales", description="Sales: opportunities, quotations and orders")

STATE_ERRORS = ("state", "status")


class ListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class OpportunityListArgs(ListArgs):
    status = fields.String(validate=validate.OneOf((OPEN, WON, LOST)))
    stage_id = fields.Integer()
    owner_id = fields.Integer()
    customer_id = fields.Integer()


class OrderListArgs(ListArgs):
    state = fields.String(validate=validate.OneOf(ORDER_STATES))
    customer_id = fields.Integer()


class LostArgs(Schema):
    lost_reason_id = fields.Integer(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


def _fail(exc: SalesInputError):
    db.session.rollback()
    status = 409 if any(k in STATE_ERRORS for k in exc.errors) else 422
    abort(status, message=str(exc), errors={k: [str(m) for m in v] for k, v in exc.errors.items()})


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, message="Send a JSON object.")
    return data


def _page(stmt, args):
    try:
        return keyset_page(db.session, stmt, [stmt.column_descriptions[0]["entity"].id], cursor=args["cursor"],
                           limit=args["limit"], descending=True)
    except BadCursor:
        abort(400, message="Invalid cursor.")


def _opp(opp_id) -> Opportunity:
    opp = db.session.get(Opportunity, opp_id)
    if not can_see(opp):
        abort(404, message="No such opportunity.")
    return opp


def _order(order_id) -> Order:
    order = db.session.execute(sa.select(Order).where(Order.id == order_id)
                               .options(selectinload(Order.lines))).scalar()
    if not can_see(order):
        abort(404, message="No such order.")
    return order


OPP_FIELDS = {"title", "customer_id", "prospect_name", "prospect_email", "prospect_phone", "owner_id", "stage_id",
              "expected_revenue", "currency", "probability", "expected_close", "source", "tags", "notes",
              "follow_up_date", "follow_up_summary"}
ORDER_FIELDS = {"customer_id", "opportunity_id", "currency", "valid_until", "notes", "lines"}


def _only(data: dict, allowed: set[str]) -> dict:
    unknown = sorted(set(data) - allowed)
    if unknown:
        abort(422, message="Unknown fields.", errors={k: ["Unknown field."] for k in unknown})
    return data


# -- opportunities -------------------------------------------------------------------------


@blp.route("/opportunities", methods=["GET"])
@requires(USER)
@blp.arguments(OpportunityListArgs, location="query")
def list_opportunities(args):
    stmt = visible(sa.select(Opportunity), Opportunity)
    for key in ("status", "stage_id", "owner_id", "customer_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Opportunity, key) == args[key])
    page = _page(stmt, args)
    return {"items": [o.as_dict() for o in page.items], "next_cursor": page.next_cursor}


@blp.route("/opportunities", methods=["POST"])
@requires(USER)
def create_opportunity_api():
    try:
        opp = create_opportunity(_only(_body(), OPP_FIELDS))
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return opp.as_dict(), 201, etag_headers(opp)


@blp.route("/opportunities/<int:opp_id>", methods=["GET"])
@requires(USER)
def get_opportunity(opp_id):
    opp = _opp(opp_id)
    return opp.as_dict(), etag_headers(opp)


@blp.route("/opportunities/<int:opp_id>", methods=["PATCH"])
@requires(USER)
def patch_opportunity(opp_id):
    """``If-Match`` with the ``ETag`` read: 412 if the opportunity changed meanwhile."""
    opp = _opp(opp_id)
    check_if_match(opp)
    try:
        update_opportunity(opp, _only(_body(), OPP_FIELDS))
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return opp.as_dict(), etag_headers(opp)


@blp.route("/opportunities/<int:opp_id>/won", methods=["POST"])
@requires(USER)
def won_opportunity(opp_id):
    opp = _opp(opp_id)
    try:
        mark_won(opp)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return opp.as_dict()


@blp.route("/opportunities/<int:opp_id>/lost", methods=["POST"])
@requires(USER)
@blp.arguments(LostArgs)
def lost_opportunity(args, opp_id):
    opp = _opp(opp_id)
    reason = lost_reason(args["lost_reason_id"])
    try:
        if reason is None:
            raise SalesInputError({"lost_reason_id": ["No such lost reason."]})
        mark_lost(opp, reason, args["note"])
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return opp.as_dict()


@blp.route("/opportunities/<int:opp_id>/reopen", methods=["POST"])
@requires(USER)
def reopen_opportunity(opp_id):
    opp = _opp(opp_id)
    try:
        reopen(opp)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return opp.as_dict()


# -- orders ----------------------------------------------------------------------------------


@blp.route("/orders", methods=["GET"])
@requires(USER)
@blp.arguments(OrderListArgs, location="query")
def list_orders(args):
    stmt = visible(sa.select(Order), Order)
    for key in ("state", "customer_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Order, key) == args[key])
    page = _page(stmt, args)
    return {"items": [o.as_dict(lines=False) for o in page.items], "next_cursor": page.next_cursor}


@blp.route("/orders", methods=["POST"])
@requires(USER)
def create_order():
    data = _only(_body(), ORDER_FIELDS)
    if data.get("opportunity_id") and data.get("customer_id") in (None, ""):
        opp = _opp(data["opportunity_id"]) if str(data["opportunity_id"]).isdigit() else None
        data["customer_id"] = opp.customer_id if opp else None
    try:
        order = create_quotation(data)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return order.as_dict(), 201, etag_headers(order)


@blp.route("/orders/<int:order_id>", methods=["GET"])
@requires(USER)
def get_order(order_id):
    order = _order(order_id)
    return order.as_dict(), etag_headers(order)


@blp.route("/orders/<int:order_id>", methods=["PATCH"])
@requires(USER)
def patch_order(order_id):
    """``If-Match`` with the ``ETag`` read: 412 if the quotation changed meanwhile."""
    order = _order(order_id)
    check_if_match(order)
    try:
        update_quotation(order, _only(_body(), ORDER_FIELDS))
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return order.as_dict(), etag_headers(order)


@blp.route("/orders/<int:order_id>/send", methods=["POST"])
@requires(USER)
def send_order(order_id):
    order = _order(order_id)
    try:
        mark_sent(order)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return order.as_dict()


@blp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@requires(USER)
def confirm_order(order_id):
    order = _order(order_id)
    try:
        confirm(order)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return order.as_dict()


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@requires(USER)
def cancel_order(order_id):
    order = _order(order_id)
    try:
        cancel(order)
        db.session.commit()
    except SalesInputError as exc:
        _fail(exc)
    return order.as_dict()
