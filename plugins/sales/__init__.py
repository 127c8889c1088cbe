"""Sales: pipeline, quotations and orders, purchase history, salesperson performance.

Everything the core needs is contributed through hooks below; the modules they
use are imported inside the hook functions, so importing this package (which the
plugin registry does at app build time) never pulls in views or models early.
"""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl  # noqa: F401
from core.contrib import BLOCK, CustomerRelation, Permission
from plugins.sales import hookspecs

manifest = PluginManifest(
    name="sales",
    label=_l("Sales"),
    description=_l("Pipeline, quotations and orders, purchase history and salesperson performance."),
    permissions=(
        Permission("sales.user", _l("Work on own opportunities and quotations")),
        Permission("sales.manager", _l("See all sales, edit stages, lost reasons and targets")),
        Permission("sales.import", _l("Import historical orders")),
    ),
    hookspecs=hookspecs,
    # Orders and the pipeline are business records: a customer who has any cannot be
    # deleted (409 naming them); erase the person instead.
    customer_relations=(
        CustomerRelation("sales_order", "customer_id", BLOCK, _l("orders and quotations")),
        CustomerRelation("sales_opportunity", "customer_id", BLOCK, _l("opportunities")),
    ),
)


@hookimpl
def register_blueprints(app):
    from plugins.sales import models  # noqa: F401  (tables known to the metadata)
    from plugins.sales.views import bp

    return [bp]


@hookimpl
def register_api(api):
    from plugins.sales.api import blp

    return [blp]


@hookimpl
def register_commands(cli):
    from plugins.sales.demo import sales_cli

    cli.add_command(sales_cli)


@hookimpl
def register_text_kinds():
    from plugins.sales.texts import text_kinds

    return text_kinds()


@hookimpl
def default_roles():
    from core.contrib import RoleSpec

    return [
        RoleSpec("Salesperson", ("sales.user", "customers.view", "history.log", "catalog.view"),
                 "Works on own opportunities and quotations"),
        RoleSpec("Sales manager", ("sales.manager", "sales.user", "customers.view", "customers.edit",
                                   "customers.assign", "history.log", "catalog.view"),
                 "Sees all sales; edits stages, lost reasons and targets"),
    ]


@hookimpl
def importers():
    from plugins.sales.transfer import IMPORTER

    return [IMPORTER]


@hookimpl
def exporters():
    from plugins.sales.transfer import EXPORTERS

    return EXPORTERS


@hookimpl
def record_rules():
    from core.contrib import RecordRule
    from plugins.sales.models import Opportunity, Order

    return [RecordRule(Opportunity, "owner_id", "sales.manager"), RecordRule(Order, "owner_id", "sales.manager")]


@hookimpl
def menu_items(user):
    from core.contrib import MenuItem

    return [MenuItem(_l("Sales"), "sales.index", "sales.user", weight=20)]


@hookimpl
def dashboard_widgets(user):
    from core.contrib import DashboardWidget
    from plugins.sales.panels import dashboard_widget

    return [DashboardWidget(_l("My sales pipeline"), lambda: dashboard_widget(user), "sales.user", weight=20)]


@hookimpl
def customer_panels(customer, user):
    from core.contrib import CustomerPanel
    from plugins.sales.panels import customer_panel, open_items

    loaded: dict = {}  # the badge's count, read by the panel's own statements
    return [CustomerPanel(_l("Sales"), lambda: customer_panel(customer, user, loaded), "sales.user", weight=20,
                          key="sales", count=lambda: open_items(customer, user, loaded))]


@hookimpl
def customer_actions(customer, user):
    from flask import url_for

    from core.contrib import CustomerAction

    return [
        CustomerAction(_l("New opportunity"), url_for("sales.opportunity_new", customer_id=customer.id), "sales.user",
                       weight=30),
        CustomerAction(_l("New quotation"), url_for("sales.order_new", customer_id=customer.id), "sales.user",
                       weight=31),
    ]


@hookimpl
def plugin_enabled(name):
    """Default stages and lost reasons, so a new business can record an opportunity at once."""
    if name == "sales":
        from plugins.sales.defaults import create_defaults

        create_defaults()


@hookimpl
def search_results(query, user, limit):
    from plugins.sales.panels import search

    return search(query, user, limit)


@hookimpl
def demo_data():
    from core.contrib import DemoStep
    from plugins.sales.demo import load_demo

    return [DemoStep(str(_l("Sales pipeline, orders and targets")), load_demo, weight=50)]


@hookimpl
def erase_customer_data(customer_id):
    from plugins.sales.pipeline import erase_customer_data as erase

    erase(customer_id)


@hookimpl
def sales_order_lines():
    from plugins.sales.facts import order_lines

    return order_lines()


@hookimpl
def sales_orders():
    from plugins.sales.facts import orders

    return orders()


@hookimpl(optionalhook=True)
def analytics_open_quotations():
    """Analytics' "Today" card suggests a product to add to each open quotation (no import of analytics)."""
    from plugins.sales.facts import open_quotation_products

    return open_quotation_products()


# -- the customer portal (/portal/sales) -------------------------------------------------------------


@hookimpl
def register_portal_blueprints(app):
    from plugins.sales.portal import bp

    return [bp]


@hookimpl
def portal_menu_items(portal):
    from plugins.sales.portal import menu_items

    return menu_items()


@hookimpl
def portal_cards(portal):
    from plugins.sales.portal import cards

    return cards(portal)


@hookimpl(optionalhook=True)
def segment_criteria():
    """Marketing's segment editor: bought product, total spent, number of orders, no order since."""
    from plugins.sales.segments import criteria

    return criteria()


@hookimpl(optionalhook=True)
def complaint_subjects(customer, ref):
    """Complaints (when installed) may be about one of the customer's confirmed orders (the newest
    50, or the one ``ref`` names however old)."""
    from plugins.sales.complaints import complaint_subjects as subjects

    return subjects(customer, ref)
