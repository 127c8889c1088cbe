"""Service and warranty: installed base, warranties, repairs, maintenance, reliability.

The hook implementations below are the plugin's whole contract with the core; the
work lives in ``service.py`` (operations), ``views.py`` (pages), ``api.py`` (REST),
``reliability.py`` (figures) and ``demo.py``. Modules are imported inside the hooks
so that importing the plugin stays cheap and free of import cycles.

Sales integration is by events only (this plugin never imports ``plugins.sales``):
``sales_order_confirmed`` registers equipment, ``sales_order_cancelled`` retires it
(``sales_events.py``: idempotent per event, safe when a retry arrives late). Events
announced while this plugin is disabled are delivered when it is enabled again
(``catch_up_events``); see README.md.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core import PluginManifest, hookimpl
from core.contrib import (
    BLOCK, CASCADE, CustomerPanel, CustomerRelation, DashboardWidget, DemoStep, MenuItem, PeriodicTask, Permission, RecordRule,
    RoleSpec, SearchResult,
)
from plugins.service import hookspecs

manifest = PluginManifest(
    name="service",
    label=_l("Service and warranty"),
    description=_l("Installed equipment, warranties and claims, repair orders, preventive maintenance."),
    permissions=(
        Permission("service.technician", _l("See all equipment and assigned requests; record work")),
        Permission("service.manager", _l("All service work, plans and coverage overrides")),
        Permission("service.import", _l("Import installed equipment")),
    ),
    hookspecs=hookspecs,
    # The installed base and its repair history outlive no customer silently.
    customer_relations=(
        CustomerRelation("service_equipment", "customer_id", BLOCK, _l("equipment")),
        CustomerRelation("service_request", "customer_id", BLOCK, _l("service requests")),
        CustomerRelation("service_visit", "customer_id", BLOCK, _l("maintenance visits")),
        CustomerRelation("service_request_photo", "customer_id", CASCADE, _l("photos of service requests")),
    ),
    # Orders confirmed or cancelled while service was disabled register/retire equipment on re-enabling.
    catch_up_events=("sales_order_confirmed", "sales_order_cancelled"),
)

TECH, MANAGER = "service.technician", "service.manager"


@hookimpl
def register_blueprints(app):
    from plugins.service.views import bp

    return [bp]


@hookimpl
def register_api(api):
    from plugins.service.api import blp

    return [blp]


@hookimpl
def register_commands(cli):
    from plugins.service.cli import service_group

    cli.add_command(service_group)


@hookimpl
def importers():
    from plugins.service.transfer import IMPORTER

    return [IMPORTER]


@hookimpl
def exporters():
    from plugins.service.transfer import EXPORTERS

    return EXPORTERS


@hookimpl
def record_rules():
    from plugins.service.models import ServiceRequest

    return [RecordRule(ServiceRequest, "technician_id", MANAGER)]


@hookimpl
def register_text_kinds():
    from plugins.service.texts import text_kinds

    return text_kinds()


@hookimpl
def default_roles():
    return [
        RoleSpec("Technician", (TECH, "customers.view", "history.log", "catalog.view"),
                 "Sees all equipment and the service requests assigned to them; records work"),
        RoleSpec("Service manager", (TECH, MANAGER, "customers.view", "history.log", "catalog.view"),
                 "All service work, maintenance plans, warranties and coverage overrides"),
    ]


@hookimpl
def menu_items(user):
    return [
        # One entry: the service pages share a tab bar (templates/service/_nav.html).
        MenuItem(lazy_pgettext("menu", "Service"), "service.index", TECH, weight=40),
    ]


@hookimpl
def dashboard_widgets(user):
    from plugins.service.views import render_dashboard_widget

    return [DashboardWidget(_l("Service: reliability and workload"), render_dashboard_widget, TECH, weight=40)]


@hookimpl
def customer_panels(customer, user):
    from plugins.service.views import render_customer_panel

    from plugins.service.views import open_request_count

    loaded: dict = {}  # the badge's count, read by the panel's own statement
    return [CustomerPanel(_l("Equipment and warranties"), lambda: render_customer_panel(customer.id, loaded), TECH,
                          weight=40, key="service", count=lambda: open_request_count(customer.id, loaded))]


@hookimpl
def customer_actions(customer, user):
    from flask import url_for

    from core.contrib import CustomerAction

    return [
        CustomerAction(_l("New service request"), url_for("service.request_new", customer_id=customer.id), TECH,
                       weight=40),
        CustomerAction(_l("Register equipment"), url_for("service.equipment_new", customer_id=customer.id), TECH,
                       weight=45, primary=False),
    ]


@hookimpl
def lookups():
    from core.contrib import Lookup
    # (not "lookups.py": importing it would replace this very function on the package)
    from plugins.service.pickers import lookup_equipment, lookup_one

    return [Lookup("equipment", lookup_equipment, lookup_one, TECH)]


@hookimpl
def search_results(query, user, limit):
    if not user.can(TECH):
        return []
    from plugins.service.views import search_equipment

    return [SearchResult(label, url, _l("Equipment"), detail, weight=40)
            for label, url, detail in search_equipment(query, limit)]


@hookimpl
def demo_data():
    from plugins.service.demo import load_demo

    return [DemoStep(str(_l("Service: equipment, warranties, repairs and visits")), load_demo, weight=60)]


@hookimpl
def job_tasks():
    from core.contrib import JobTask
    from plugins.service.photos import forget_files

    return [JobTask("service.forget_photos", forget_files, _l("Remove erased customers' photos"), tracked=False)]


@hookimpl
def periodic_tasks():
    from core.jobs import crontab

    # Daily, early morning: book the next maintenance visits falling due (as `rapport service schedule`).
    from plugins.service.reliability import refresh_job

    return [PeriodicTask("service.schedule_visits", crontab(minute="15", hour="4"), _schedule_visits,
                         _l("Book maintenance visits falling due"), params=(("horizon", 30),)),
            # Hourly: the reliability figures the dashboard and the reliability page read (issue 17).
            PeriodicTask("service.refresh_reliability", crontab(minute="40"), refresh_job,
                         _l("Refresh the reliability figures"), tracked=False)]


def _schedule_visits(job, horizon=30):
    from plugins.service.cli import schedule_visits_job

    return schedule_visits_job(job, horizon)


@hookimpl(optionalhook=True)
def sales_order_confirmed(order, event_id):
    from plugins.service.sales_events import order_confirmed

    order_confirmed(order, event_id)


@hookimpl(optionalhook=True)
def sales_order_cancelled(order, event_id):
    from plugins.service.sales_events import order_cancelled

    order_cancelled(order, event_id)


@hookimpl
def erase_customer_data(customer_id):
    from plugins.service.service import erase_customer_data as erase

    erase(customer_id)


@hookimpl
def service_equipment():
    from plugins.service.service import equipment_facts

    return equipment_facts()


# -- the customer portal (/portal/service) -----------------------------------------------------------


@hookimpl
def register_portal_blueprints(app):
    from plugins.service.portal import bp

    return [bp]


@hookimpl
def portal_menu_items(portal):
    from plugins.service.portal import menu_items

    return menu_items()


@hookimpl
def portal_cards(portal):
    from plugins.service.portal import cards

    return cards(portal)


@hookimpl(optionalhook=True)
def segment_criteria():
    """Marketing's segment editor: warranty ends within N days, owns a model."""
    from plugins.service.segments import criteria

    return criteria()


@hookimpl(optionalhook=True)
def survey_triggers():
    """Marketing may send a satisfaction survey when a repair is finished (history kind request_done)."""
    return [{"kind": "service.request_done", "label": _l("A repair was finished")}]


@hookimpl(optionalhook=True)
def complaint_subjects(customer, ref):
    """Complaints (when installed) may be about one of the customer's units of equipment (the
    newest 50, or the one ``ref`` names however old)."""
    from plugins.service.complaints import complaint_subjects as subjects

    return subjects(customer, ref)


@hookimpl(optionalhook=True)
def analytics_customer_costs():
    """Analytics' profit ranking (when analytics is enabled): repairs not billed."""
    from plugins.service.costs import contributions

    return contributions()
