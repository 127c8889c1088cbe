"""marshmallow schemas of ``/api/v1/sales``: what goes in, what comes out.

Types, sizes and ranges are checked here with the core's field types
(:mod:`core.api.fields`), so no input reaches the database unchecked; the business
rules (an existing customer, a stage that is not closed, who may own what, totals)
stay in ``pipeline.py`` and ``orders.py``, shared with the pages.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.api.base import PageArgs
from core.api.fields import (
    Choice,
    Date,
    Id,
    Integer,
    Money,
    Percent,
    Quantity,
    Text,
    UtcDateTime,
    page_of,
)
from plugins.sales.models import LOST, OPEN, ORDER_STATES, SOURCES, WON
from plugins.sales.orders import MAX_LINES
from plugins.sales.pipeline import LOST_NOTE_MAX, NOTES_MAX, SUMMARY_MAX, TAG_MAX

# -- opportunities -----------------------------------------------------------------------------


class OpportunityInputSchema(ma.Schema):
    """A new opportunity: a ``title`` and a customer (``customer_id``) or a prospect (``prospect_name``)."""

    title = Text(required=True, min_length=1, max_length=200)
    customer_id = Id(allow_none=True, metadata={"description": "a customer's id; null for a prospect"})
    prospect_name = Text(max_length=200)
    prospect_email = Text(max_length=254)
    prospect_phone = Text(max_length=40)
    owner_id = Id(allow_none=True, metadata={"description": "a staff user; others than yourself need sales.manager"})
    stage_id = Id(allow_none=True, metadata={"description": "an open stage; default the first one"})
    expected_revenue = Money(allow_none=True)
    currency = Text(max_length=3, metadata={"description": "ISO 4217, default EUR"})
    probability = Integer(0, 100, allow_none=True, metadata={"description": "percent; default the stage's"})
    expected_close = Date(allow_none=True)
    source = Choice(SOURCES)
    tags = fields.List(Text(max_length=TAG_MAX), validate=validate.Length(max=50),
                       metadata={"description": "stored folded (lower case, no accents)"})
    notes = Text(max_length=NOTES_MAX, allow_none=True)
    follow_up_date = Date(allow_none=True, metadata={"description": "adds a follow-up for the owner"})
    follow_up_summary = Text(max_length=SUMMARY_MAX, allow_none=True)


class OpportunityPatchSchema(OpportunityInputSchema):
    """The fields to change (used with ``partial=True``); state changes have their own endpoints."""


class OpportunitySchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    customer_id = fields.Integer(allow_none=True)
    prospect_name = fields.String()
    prospect_email = fields.String()
    prospect_phone = fields.String()
    owner_id = fields.Integer(allow_none=True)
    stage_id = fields.Integer()
    status = fields.String(metadata={"enum": [OPEN, WON, LOST]})
    expected_revenue = Money()
    currency = fields.String()
    probability = fields.Integer()
    expected_close = fields.Date(allow_none=True)
    source = fields.String()
    tags = fields.List(fields.String(), attribute="tag_list")
    notes = fields.String()
    lost_reason_id = fields.Integer(allow_none=True)
    lost_note = fields.String()
    closed_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OpportunityListArgs(PageArgs):
    status = Choice((OPEN, WON, LOST))
    stage_id = Id(strict=False)
    owner_id = Id(strict=False)
    customer_id = Id(strict=False)


class LostInputSchema(ma.Schema):
    lost_reason_id = Id(required=True, metadata={"description": "an active lost reason"})
    note = Text(load_default="", max_length=LOST_NOTE_MAX)


OpportunityPageSchema = page_of(OpportunitySchema)

# -- quotations and orders ----------------------------------------------------------------------


class LineInputSchema(ma.Schema):
    """A line: a catalog product (its name, price and warranty are the defaults) or free text."""

    product_id = Id(allow_none=True)
    description = Text(max_length=300, allow_none=True, metadata={"description": "default the product's name"})
    quantity = Quantity(metadata={"description": "more than 0; default 1"})
    unit_price = Money(allow_none=True, metadata={"description": "default the product's price"})
    discount_percent = Percent(allow_none=True)
    tax_rate = Percent(allow_none=True)


class OrderInputSchema(ma.Schema):
    """A quotation: a customer (or an opportunity whose customer it takes) and its lines."""

    customer_id = Id(allow_none=True, metadata={"description": "required unless opportunity_id has a customer"})
    opportunity_id = Id(allow_none=True)
    currency = Text(max_length=3, metadata={"description": "ISO 4217, default EUR"})
    valid_until = Date(allow_none=True)
    notes = Text(max_length=NOTES_MAX, allow_none=True)
    lines = fields.List(fields.Nested(LineInputSchema), validate=validate.Length(max=MAX_LINES))


class OrderPatchSchema(OrderInputSchema):
    """The fields to change while draft or sent (``partial=True``); ``lines`` replaces all lines."""


class LineSchema(ma.Schema):
    id = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    description = fields.String()
    sku = fields.String()
    kind = fields.String(metadata={"enum": ["product", "service"]})
    quantity = Quantity()
    unit_price = Money()
    discount_percent = Percent()
    tax_rate = Percent()
    line_total = Money(metadata={"description": "net of discount, before tax"})
    tax_amount = Money()
    warranty_months = fields.Integer()


class OrderSummarySchema(ma.Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    customer_id = fields.Integer()
    opportunity_id = fields.Integer(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    state = fields.String(metadata={"enum": list(ORDER_STATES)})
    currency = fields.String()
    valid_until = fields.Date(allow_none=True)
    notes = fields.String()
    subtotal = Money()
    tax_total = Money()
    total = Money()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
    confirmed_at = UtcDateTime(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)


class OrderSchema(OrderSummarySchema):
    lines = fields.List(fields.Nested(LineSchema))


class OrderListArgs(PageArgs):
    state = Choice(ORDER_STATES)
    customer_id = Id(strict=False)


OrderPageSchema = page_of(OrderSummarySchema)
