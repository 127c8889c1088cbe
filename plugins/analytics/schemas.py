"""marshmallow schemas of ``/api/v1/analytics``: what the customer figures look like over JSON."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from core.api.fields import Date, Money, UtcDateTime
from plugins.analytics.rfm import CLASSES


class SnapshotSchema(ma.Schema):
    id = fields.Integer()
    as_of = Date()
    completed_at = UtcDateTime()
    currency = fields.String(allow_none=True)


class CustomerFiguresSchema(ma.Schema):
    """One customer's figures in the latest snapshot. Times in days; amounts in ``snapshot.currency``."""

    customer_id = fields.Integer()
    snapshot = fields.Nested(SnapshotSchema)
    first_purchase = Date()
    last_purchase = Date()
    purchases = fields.Integer(metadata={"description": "distinct purchase days"})
    frequency = fields.Integer(metadata={"description": "BG/NBD x: repeat purchase days"})
    recency = fields.Float(metadata={"description": "BG/NBD t_x: days from first to last purchase"})
    age = fields.Float(metadata={"description": "BG/NBD T: days from first purchase to the snapshot date"})
    revenue = Money()
    mean_repeat_value = Money(allow_none=True)
    r_score = fields.Integer()
    f_score = fields.Integer()
    m_score = fields.Integer()
    rfm_class = fields.String(metadata={"enum": list(CLASSES)})
    interval_median = fields.Float(allow_none=True)
    interval_cv = fields.Float(allow_none=True, metadata={"description": "regularity: std/mean of intervals"})
    next_expected = Date(allow_none=True)
    overdue_days = fields.Integer(allow_none=True)
    p_alive = fields.Float(allow_none=True)
    expected_purchases = fields.Float(allow_none=True, metadata={"description": "in the next horizon_days"})
    expected_value = Money(allow_none=True, metadata={"description": "net revenue in the next horizon_days"})
    horizon_days = fields.Integer()


class RecommendationSchema(ma.Schema):
    """A product to offer the customer, and why (one rule mined from every customer's purchases)."""

    rank = fields.Integer(metadata={"description": "1 is the best offer"})
    product_id = fields.Integer()
    product_name = fields.String()
    product_sku = fields.String()
    because_product_id = fields.Integer(allow_none=True, metadata={
        "description": "the product they bought that suggests it; null for one of the most bought products"})
    because_product_name = fields.String(allow_none=True)
    because_product_sku = fields.String(allow_none=True)
    confidence = fields.Float(metadata={"description": "share of the because-product's buyers who then bought it"})
    lift = fields.Float(metadata={"description": "confidence over the product's share of all buyers"})
    reason = fields.String(metadata={"description": "the reason in the request's language"})


class RecommendationsSchema(ma.Schema):
    customer_id = fields.Integer()
    snapshot = fields.Nested(SnapshotSchema)
    items = fields.List(fields.Nested(RecommendationSchema))
