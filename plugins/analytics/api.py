"""``/api/v1/analytics/``: customer figures (one, or a keyset-paged list), products to offer,
RFM classes and their movement, the customer clusters and their profiles, the demand forecasts and the user's "Today" suggestions, all
from the latest snapshot.

Same rules as the pages: ``analytics.view`` for one's own customers (the snapshot's
``owner_id``), ``analytics.manager`` for everyone's. A customer without figures, or
hidden by the record rule, is a 404 (never revealing which). The forecasts are company-wide
figures, so managers only (as the demand page).
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

import sqlalchemy as sa
from flask_login import current_user

from core.api.base import Blueprint, bad_cursor, documents_errors
from core.db import db
from core.security import requires, scoped, user_can
from core.web.pagination import BadCursor, keyset_page
from plugins.analytics.models import HORIZON_DAYS, CustomerFigures, latest_snapshot
from plugins.analytics.panels import figures_for
from plugins.analytics.schemas import (
    ClassesSchema,
    ClustersSchema,
    CustomerFiguresListArgs,
    CustomerFiguresPageSchema,
    CustomerFiguresSchema,
    ForecastsSchema,
    RecommendationsSchema,
    TodaySchema,
)

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
        from plugins.analytics.clusters import cluster_document
        from plugins.analytics.models import Cluster

        row = figures_for(customer_id, snapshot)
        if row is None:
            abort(404)
        cluster = db.session.get(Cluster, (snapshot.id, row.cluster)) if row.cluster is not None else None
        return {**{c.key: getattr(row, c.key) for c in row.__table__.columns}, "snapshot": snapshot,
                "horizon_days": HORIZON_DAYS,
                "cluster_profile": cluster_document(cluster, snapshot_total(snapshot)) if cluster else None}


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


@blp.route("/customers")
class CustomerFiguresList(MethodView):
    @requires("analytics.view")
    @blp.arguments(CustomerFiguresListArgs, location="query")
    @blp.response(200, CustomerFiguresPageSchema)
    @documents_errors(blp, 401, 403, 422)
    def get(self, args):
        """The figures of every customer you may see, by customer id (keyset pages); filter by RFM
        class, cluster or by being overdue. Empty, with a null snapshot, before the first run."""
        snapshot = latest_snapshot()
        if snapshot is None:
            return {"snapshot": None, "horizon_days": HORIZON_DAYS, "items": [], "next_cursor": None}
        stmt = scoped(sa.select(CustomerFigures), CustomerFigures).where(CustomerFigures.snapshot_id == snapshot.id)
        if args["rfm_class"] is not None:
            stmt = stmt.where(CustomerFigures.rfm_class == args["rfm_class"])
        if args["overdue"] is not None:
            overdue = CustomerFigures.overdue_days
            stmt = stmt.where(overdue.is_not(None) if args["overdue"] else overdue.is_(None))
        if args["cluster"] is not None:
            stmt = stmt.where(CustomerFigures.cluster == args["cluster"])
        try:
            page = keyset_page(db.session, stmt, [CustomerFigures.customer_id], cursor=args["cursor"],
                               limit=args["limit"])
        except BadCursor:
            bad_cursor()
        return {"snapshot": snapshot, "horizon_days": HORIZON_DAYS, "items": page.items,
                "next_cursor": page.next_cursor}


@blp.route("/classes")
class Classes(MethodView):
    @requires("analytics.view")
    @blp.response(200, ClassesSchema)
    @documents_errors(blp, 401, 403)
    def get(self):
        """Customers per RFM class (those you may see) and their movement since the previous snapshot."""
        from plugins.analytics.movement import class_movement, previous_snapshot
        from plugins.analytics.rfm import class_label
        from plugins.analytics.views import class_distribution

        snapshot = latest_snapshot()
        if snapshot is None:
            return {"snapshot": None, "previous_snapshot": None, "classes": [], "moves": [], "stayed": None}
        previous = previous_snapshot(snapshot)
        movement = class_movement(snapshot, previous) if previous else {"moves": [], "stayed": None}
        return {"snapshot": snapshot, "previous_snapshot": previous,
                "classes": [{"rfm_class": key, "label": str(class_label(key)), "customers": n}
                            for key, n in class_distribution(snapshot)],
                "moves": [{"from_class": old, "to_class": new, "customers": n} for old, new, n in movement["moves"]],
                "stayed": movement["stayed"]}


def snapshot_total(snapshot) -> int:
    """Customers in every cluster of the snapshot (what each cluster's share is of)."""
    from plugins.analytics.models import Cluster

    return db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Cluster.customers), 0))
                              .where(Cluster.snapshot_id == snapshot.id)).scalar_one()


@blp.route("/clusters")
class Clusters(MethodView):
    @requires("analytics.view")
    @blp.response(200, ClustersSchema)
    @documents_errors(blp, 401, 403)
    def get(self):
        """The customer clusters with their profiles and descriptions, as the clusters page shows them.

        Profiles describe groups and name no customer, so every analytics user gets them; a
        salesperson also gets how many of their own customers each cluster holds."""
        from plugins.analytics.clusters import cluster_document, cluster_rows, own_counts

        snapshot = latest_snapshot()
        if snapshot is None:
            return {"snapshot": None, "customers": 0, "clusters": []}
        rows = cluster_rows(snapshot)
        own = None if user_can("analytics.manager") else own_counts(snapshot)
        total = sum(row.customers for row in rows)
        return {"snapshot": snapshot, "customers": total, "clusters": [cluster_document(r, total, own) for r in rows]}


@blp.route("/forecasts")
class Forecasts(MethodView):
    @requires("analytics.manager")
    @blp.response(200, ForecastsSchema)
    @documents_errors(blp, 401, 403)
    def get(self):
        """Units sold per price band and month, and each band's forecast with its interval (managers)."""
        from plugins.analytics.demand import INTERVAL, demand_for
        from plugins.analytics.views import band_label

        snapshot = latest_snapshot()
        bands = []
        if snapshot is not None and snapshot.demand_bands:
            rows = demand_for(snapshot)
            bands = [{**band, "label": str(band_label(band, snapshot.currency)),
                      "months": rows.get(band["band"], [])} for band in snapshot.demand_bands]
        return {"snapshot": snapshot, "interval": INTERVAL, "bands": bands}


@blp.route("/today")
class Today(MethodView):
    @requires("analytics.view")
    @blp.response(200, TodaySchema)
    @documents_errors(blp, 401, 403)
    def get(self):
        """Your "Today" suggestions (your own customers), each with its reason, as on the dashboard."""
        from core.l10n import local_today

        from plugins.analytics import today

        snapshot = latest_snapshot()
        day = local_today()
        items = [{**s, "reason": today.reason(s, day)} for s in today.suggestions(current_user, snapshot)]
        return {"snapshot": snapshot, "items": items}
