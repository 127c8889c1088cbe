"""Analytics criteria for marketing's segments (the ``segment_criteria`` hook that marketing
defines; this module never imports marketing): "RFM class is …", "probability alive
below …%" and "analytics cluster is …", all over the latest complete snapshot.

Each compiles to ``customer_id IN (SELECT … FROM analytics_customer WHERE snapshot_id =
(latest complete snapshot) AND …)``: one query with the segment, no query at compile time.
A segment therefore follows the nightly recomputation: its members change as customers
move between classes. Customers with no figures (never bought) match neither criterion.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.db import db
from plugins.analytics import rfm
from plugins.analytics.models import CustomerFigures, Snapshot


def _latest_snapshot_id():
    return (sa.select(Snapshot.id).where(Snapshot.completed_at.is_not(None))
            .order_by(Snapshot.completed_at.desc(), Snapshot.id.desc()).limit(1).scalar_subquery())


def _figures(*conditions):
    return sa.select(CustomerFigures.customer_id).where(CustomerFigures.snapshot_id == _latest_snapshot_id(),
                                                        *conditions)


def in_class(customer_id, params):
    return customer_id.in_(_figures(CustomerFigures.rfm_class == params["rfm_class"]))


def alive_below(customer_id, params):
    return customer_id.in_(_figures(CustomerFigures.p_alive < float(params["percent"]) / 100))


def in_cluster(customer_id, params):
    return customer_id.in_(_figures(CustomerFigures.cluster == int(params["cluster"])))


def cluster_choices() -> list[tuple[str, str]]:
    """The latest snapshot's clusters, each labelled with its number and generated description.

    Cluster 1 is always the most valuable group (clusters.py), so a saved segment keeps its
    meaning as the clusters are recomputed every night.
    """
    from flask_babel import gettext as _

    from plugins.analytics.clusters import describe
    from plugins.analytics.models import Cluster

    rows = db.session.execute(sa.select(Cluster).where(Cluster.snapshot_id == _latest_snapshot_id())
                              .order_by(Cluster.number)).scalars().all()
    return [(str(row.number), _("Cluster %(number)s: %(description)s", number=row.number,
                                description=_(", ").join(describe(row)))) for row in rows]


def criteria() -> list[dict]:
    return [
        {"key": "analytics.rfm_class", "label": _l("RFM class is"), "compile": in_class, "weight": 30,
         "params": [{"name": "rfm_class", "type": "choice", "label": _l("RFM class"),
                     "choices": [(key, rfm.class_label(key)) for key in rfm.CLASSES]}]},
        {"key": "analytics.alive_below", "label": _l("Probability alive below"), "compile": alive_below,
         "weight": 31, "params": [{"name": "percent", "type": "decimal", "label": _l("Per cent")}]},
        {"key": "analytics.cluster", "label": _l("Analytics cluster is"), "compile": in_cluster, "weight": 32,
         "params": [{"name": "cluster", "type": "choice", "label": _l("Cluster"), "choices": cluster_choices()}]},
    ]
