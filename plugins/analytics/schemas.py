"""marshmallow schemas of ``/api/v1/analytics``: what the customer figures look like over JSON."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from core.api.base import PageArgs
from core.api.fields import Choice, Date, Integer, Money, Page, UtcDateTime
from plugins.analytics.clusters import ATTRIBUTES
from plugins.analytics.rfm import CLASSES


class SnapshotSchema(ma.Schema):
    id = fields.Integer()
    as_of = Date()
    completed_at = UtcDateTime()
    currency = fields.String(allow_none=True)


class DominantValueSchema(ma.Schema):
    value = fields.String(metadata={"description": "the stored value (gender, age band, income band key; purpose as typed)"})
    label = fields.String(metadata={"description": "the value in the request's language"})
    share = fields.Float(metadata={"description": "share of the cluster's customers who have it, 0..1"})


ClusterProfileSchema = ma.Schema.from_dict(
    {name: fields.Nested(DominantValueSchema, allow_none=True, metadata={
        "description": "the most common value; null when nobody in the cluster filled it in"}) for name in ATTRIBUTES},
    name="ClusterProfileSchema")


class ClusterSchema(ma.Schema):
    """One cluster of customers and its profile, as the clusters page shows it."""

    number = fields.Integer(metadata={"description": "1 is the group with the highest mean R + F + M"})
    customers = fields.Integer(metadata={"description": "every customer in it (groups name no customer)"})
    share = fields.Float(metadata={"description": "of all clustered customers, 0..1"})
    own_customers = fields.Integer(allow_none=True, metadata={
        "description": "how many of them you may see; null for analytics.manager (sees everyone)"})
    mean_r = fields.Float(metadata={"description": "mean recency score, 1..5"})
    mean_f = fields.Float(metadata={"description": "mean frequency score, 1..5"})
    mean_m = fields.Float(metadata={"description": "mean monetary score, 1..5"})
    mean_revenue = Money()
    description = fields.String(metadata={"description": "the page's description, in the request's language"})
    phrases = fields.List(fields.String(), metadata={"description": "the description's phrases, most telling first"})
    profile = fields.Nested(ClusterProfileSchema)


class CustomerClusterSchema(ClusterSchema):
    """The customer's cluster inside their figures (a count of "your customers" means nothing there)."""

    class Meta:
        exclude = ("own_customers",)


class ClustersSchema(ma.Schema):
    """The latest snapshot's customer clusters over RFM scores and profile attributes."""

    snapshot = fields.Nested(SnapshotSchema, allow_none=True)
    customers = fields.Integer(metadata={"description": "customers in every cluster"})
    clusters = fields.List(fields.Nested(ClusterSchema), metadata={
        "description": "best first; empty before the first run or with too few customers"})


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
    cluster = fields.Integer(allow_none=True, metadata={
        "description": "the customer's cluster (number in /analytics/clusters); null: not clustered"})
    cluster_profile = fields.Nested(CustomerClusterSchema, allow_none=True, metadata={
        "description": "that cluster with its profile (one customer's document only)"})
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


# -- lists (keyset pages), classes, forecasts, today's suggestions ------------------------------


class CustomerFiguresListArgs(PageArgs):
    rfm_class = Choice(CLASSES, load_default=None, metadata={"description": "only customers of this RFM class"})
    overdue = fields.Boolean(load_default=None, metadata={
        "description": "true: only customers past their usual purchase interval; false: only the others"})
    cluster = Integer(1, 100, strict=False, load_default=None, metadata={
        "description": "only customers of this cluster (number in /analytics/clusters)"})


class CustomerFiguresItemSchema(CustomerFiguresSchema):
    """One customer's figures in a list (the snapshot is given once, beside the items)."""

    class Meta:
        exclude = ("snapshot", "horizon_days", "cluster_profile")


class CustomerFiguresPageSchema(Page):
    snapshot = fields.Nested(SnapshotSchema, allow_none=True, metadata={"description": "null before the first run"})
    horizon_days = fields.Integer()
    items = fields.List(fields.Nested(CustomerFiguresItemSchema), required=True)


class ClassCountSchema(ma.Schema):
    rfm_class = fields.String(metadata={"enum": list(CLASSES)})
    label = fields.String(metadata={"description": "the class's name in the request's language"})
    customers = fields.Integer()


class ClassMoveSchema(ma.Schema):
    from_class = fields.String(allow_none=True, metadata={
        "enum": list(CLASSES), "description": "null: the customer is new since the previous snapshot"})
    to_class = fields.String(metadata={"enum": list(CLASSES)})
    customers = fields.Integer()


class ClassesSchema(ma.Schema):
    """Customers per RFM class (the ones you may see), and how they moved since the previous snapshot."""

    snapshot = fields.Nested(SnapshotSchema, allow_none=True)
    previous_snapshot = fields.Nested(SnapshotSchema, allow_none=True)
    classes = fields.List(fields.Nested(ClassCountSchema))
    moves = fields.List(fields.Nested(ClassMoveSchema), metadata={
        "description": "changed class only, most customers first; empty without a previous snapshot"})
    stayed = fields.Integer(allow_none=True, metadata={"description": "customers who kept their class"})


class ForecastMonthSchema(ma.Schema):
    month = Date(metadata={"description": "first day of the month"})
    units = fields.Float(metadata={"description": "units sold, or the forecast's mean"})
    forecast = fields.Boolean()
    lower = fields.Float(allow_none=True, metadata={"description": "95 % prediction interval (forecast only)"})
    upper = fields.Float(allow_none=True)


class ForecastBandSchema(ma.Schema):
    band = fields.Integer(metadata={"description": "1 is the cheapest"})
    above = Money(allow_none=True, metadata={"description": "net unit prices above this (null: from zero)"})
    up_to = Money(allow_none=True, metadata={"description": "… up to this (null: no upper bound)"})
    label = fields.String(metadata={"description": "the band in the request's language"})
    units = fields.Float(metadata={"description": "units sold in the history window"})
    months = fields.List(fields.Nested(ForecastMonthSchema))


class ForecastsSchema(ma.Schema):
    """Demand per price band and month: the history and the next months' forecast (company-wide)."""

    snapshot = fields.Nested(SnapshotSchema, allow_none=True)
    interval = fields.Float(metadata={"description": "coverage of lower..upper"})
    bands = fields.List(fields.Nested(ForecastBandSchema))


class SuggestionSchema(ma.Schema):
    kind = fields.String(metadata={"enum": ["overdue", "falling", "crosssell"]})
    customer_id = fields.Integer()
    customer_name = fields.String()
    reason = fields.String(metadata={"description": "why, in the request's language"})
    product_id = fields.Integer(allow_none=True, metadata={"description": "crosssell: the product to add"})
    quotation_id = fields.Integer(allow_none=True, metadata={"description": "crosssell: the quotation to add it to"})
    scheduled = Date(allow_none=True, metadata={"description": "due date of the follow-up already made from it"})


class TodaySchema(ma.Schema):
    """The "Today" card of the user the token belongs to: suggestions about their own customers."""

    snapshot = fields.Nested(SnapshotSchema, allow_none=True)
    items = fields.List(fields.Nested(SuggestionSchema))
