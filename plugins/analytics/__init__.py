"""Analytics: RFM classes, purchase intervals, lifetime value and probability alive.

Reads sales' confirmed order lines only through sales' ``sales_order_lines`` query hook
(``core.query``), never by importing sales. A background job (nightly, and on demand
from the overview page) writes a snapshot; pages, the customer panel and the API read
the latest complete snapshot and show its date.

Permissions: ``analytics.view`` shows the figures of the customers one owns (the
snapshot's ``owner_id``, a record rule); ``analytics.manager`` shows every customer's
and may start a recomputation.
"""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl
from core.contrib import CASCADE, CustomerRelation, Permission
from plugins.analytics import hookspecs

manifest = PluginManifest(
    name="analytics",
    label=_l("Analytics"),
    description=_l("RFM classes, purchase intervals, customer lifetime value and probability alive."),
    requires=("sales",),
    hookspecs=hookspecs,
    permissions=(
        Permission("analytics.view", _l("See analytics of own customers")),
        Permission("analytics.manager", _l("See analytics of every customer and recompute them")),
    ),
    # Figures are derived from orders and mean nothing without the customer.
    customer_relations=(CustomerRelation("analytics_customer", "customer_id", CASCADE, _l("analytics figures")),
                        CustomerRelation("analytics_recommendation", "customer_id", CASCADE,
                                         _l("products to offer")),
                        CustomerRelation("analytics_profit", "customer_id", CASCADE, _l("profit figures"))),
)


@hookimpl
def register_blueprints(app):
    from plugins.analytics import models  # noqa: F401  (tables known to the metadata)
    from plugins.analytics.views import bp

    return [bp]


@hookimpl
def register_api(api):
    from plugins.analytics.api import blp

    return [blp]


@hookimpl
def record_rules():
    from core.contrib import RecordRule
    from plugins.analytics.models import CustomerFigures, CustomerProfit, OwnerCount, RetentionCount

    return [RecordRule(CustomerFigures, "owner_id", "analytics.manager"),
            RecordRule(CustomerProfit, "owner_id", "analytics.manager"),
            RecordRule(OwnerCount, "owner_id", "analytics.manager"),
            RecordRule(RetentionCount, "owner_id", "analytics.manager")]


@hookimpl
def default_roles():
    from core.contrib import RoleSpec

    return [RoleSpec("Analyst", ("analytics.manager", "analytics.view", "customers.view"),
                     "Sees every customer's analytics and recomputes them")]


@hookimpl
def menu_items(user):
    from core.contrib import MenuItem

    return [MenuItem(_l("Analytics"), "analytics.index", "analytics.view", weight=40)]


@hookimpl
def customer_panels(customer, user):
    from core.contrib import CustomerPanel
    from plugins.analytics.panels import customer_panel

    return [CustomerPanel(_l("Analytics"), lambda: customer_panel(customer, user), "analytics.view", weight=25,
                          key="analytics")]


@hookimpl
def dashboard_widgets(user):
    """The "Today" card: the program's own suggestions about the user's customers, and why."""
    from core.contrib import DashboardWidget
    from plugins.analytics.views import today_card

    return [DashboardWidget(_l("Today"), today_card, "analytics.view", weight=5)]


@hookimpl
def job_tasks():
    from core.contrib import JobTask
    from plugins.analytics.compute import recompute

    return [JobTask("analytics.recompute", recompute, _l("Recompute customer analytics"))]


@hookimpl
def periodic_tasks():
    from core.contrib import PeriodicTask
    from core.jobs import crontab
    from plugins.analytics.compute import recompute

    return [PeriodicTask("analytics.nightly", crontab(minute="15", hour="3"), recompute,
                         _l("Recompute customer analytics every night"))]


@hookimpl
def customer_updated(customer, changes, event_id):
    """Keep the snapshot's owner in step with the customer's, so the record rule follows reassignments."""
    if "owner_id" in changes:
        from plugins.analytics.models import reassign

        reassign(customer["id"], changes["owner_id"][1], changes["owner_id"][0])


@hookimpl(optionalhook=True)
def segment_criteria():
    """Marketing's segment editor (when marketing is enabled): RFM class, probability alive below."""
    from plugins.analytics.segments import criteria

    return criteria()


@hookimpl(optionalhook=True)
def sales_performance_links(period_key, user):
    """Sales' performance page links to retention per salesperson, for the same period."""
    from flask import url_for

    if not user.can("analytics.view"):
        return []
    return [{"label": _l("Retention per salesperson"), "url": url_for("analytics.retention", period=period_key),
             "weight": 10}]
