"""``/api/v1/analytics/``: a customer's figures and products to offer, from the latest snapshot.

Same rules as the pages: ``analytics.view`` for one's own customers (the snapshot's
``owner_id``), ``analytics.manager`` for everyone's. A customer without figures, or
hidden by the record rule, is a 404 (never revealing which).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from core.api.base import Blueprint, documents_errors
from core.security import requires
from plugins.analytics.models import HORIZON_DAYS, latest_snapshot
from plugins.analytics.panels import figures_for
from plugins.analytics.schemas import CustomerFiguresSchema, RecommendationsSchema

blp = Blueprint("api_analytics", __name__, url_prefix="/analytics",
                description="Analytics: RFM classes, purchase intervals, lifetime value")


@blp.route("/customers/<int:customer_id>")
class CustomerFiguresItem(MethodView):
    @requires("analytics.view")
    @blp.response(200, CustomerFiguresSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, customer_id):
        """One customer's RFM scores and class, intervals, probability alive and expected value."""
        snapshot = latest_snapshot()
        row = figures_for(customer_id, snapshot)
        if row is None:
            abort(404)
        return {**{c.key: getattr(row, c.key) for c in row.__table__.columns}, "snapshot": snapshot,
                "horizon_days": HORIZON_DAYS}


@blp.route("/customers/<int:customer_id>/recommendations")
class CustomerRecommendations(MethodView):
    @requires("analytics.view")
    @blp.response(200, RecommendationsSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, customer_id):
        """The customer's products to offer, best first, each with its reason (from the latest snapshot)."""
        from plugins.analytics.crosssell import reason, recommendations_for

        snapshot = latest_snapshot()
        if figures_for(customer_id, snapshot) is None:  # same visibility as the figures
            abort(404)
        items = [{**rec, "reason": reason(rec)} for rec in recommendations_for(customer_id, snapshot)]
        return {"customer_id": customer_id, "snapshot": snapshot, "items": items}
