"""The core's own contributions, made through the same hooks plugins use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup  # widget templates are autoescaped; the dashboard must not escape them again

from core.contrib import (
    CustomerAction,
    CustomerPanel,
    DashboardWidget,
    JobTask,
    Lookup,
    MenuItem,
    PeriodicTask,
    Permission,
    RoleSpec,
)
from core.hooks import hookimpl

CORE_PERMISSIONS = (
    Permission("customers.view", _l("View customers")),
    Permission("customers.edit", _l("Create and edit customers")),
    Permission("customers.assign", _l("Assign customers to an owner")),
    Permission("customers.delete", _l("Delete customers")),
    Permission("customers.merge", _l("Merge duplicate customers")),
    Permission("history.log", _l("Log interactions and follow-ups")),
    Permission("catalog.view", _l("View the catalog")),
    Permission("catalog.edit", _l("Edit the catalog")),
    Permission("admin.users", _l("Manage users and roles")),
    Permission("admin.plugins", _l("Enable and disable plugins")),
    Permission("admin.audit", _l("Read the audit log")),
    Permission("messages.send", _l("Send email and SMS to customers")),
    Permission("messages.inbound", _l("Read and assign unmatched mail")),
    Permission("messages.outbox", _l("See the outbox and send failed messages again")),
    Permission("messages.templates", _l("Edit message templates")),
    Permission("admin.jobs", _l("See everyone's jobs and event deliveries")),
    Permission("customers.import", _l("Import customers from files")),
    Permission("customers.export", _l("Export customer lists")),
)


@hookimpl
def permissions():
    return list(CORE_PERMISSIONS) + list(PORTAL_PERMISSIONS)


@hookimpl
def default_roles():
    return [
        RoleSpec(
            "Staff",
            ("customers.view", "customers.edit", "history.log", "catalog.view", "messages.send", "messages.inbound",
             "customers.export"),
            "Works with customers and their history",
        ),
        RoleSpec("Read only", ("customers.view", "catalog.view"), "Sees customers and the catalog"),
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(_l("Customers"), "customers.index", "customers.view", weight=10),
        MenuItem(_l("My activities"), "history.my_activities", "history.log", weight=15),
        MenuItem(_l("Catalog"), "catalog.index", "catalog.view", weight=80),
        MenuItem(_l("Unmatched mail"), "messages.unmatched", "messages.inbound", weight=600, group=_l("Messages")),
        MenuItem(_l("Outbox"), "messages.outbox", "messages.outbox", weight=610, group=_l("Messages")),
        MenuItem(_l("Templates"), "messages.templates", "messages.templates", weight=620, group=_l("Messages")),
        MenuItem(_l("Users"), "admin.users", "admin.users", weight=900, group=_l("Administration")),
        MenuItem(_l("Roles"), "admin.roles", "admin.users", weight=910, group=_l("Administration")),
        MenuItem(_l("Plugins"), "admin.plugins", "admin.plugins", weight=920, group=_l("Administration")),
        MenuItem(_l("Event deliveries"), "events.failing", "admin.jobs", weight=930, group=_l("Administration")),
        MenuItem(_l("Jobs"), "jobs.index", None, weight=850),
        MenuItem(_l("Audit log"), "audit.index", "admin.audit", weight=940, group=_l("Administration")),
        MenuItem(_l("Portal accounts"), "portal_accounts.accounts", "portal.invite", weight=950,
                 group=_l("Administration")),
        *_transfer_menu(user),
    ]


def _transfer_menu(user) -> list:
    """*Import and export*, for users who may import or export at least one kind of record."""
    from core.transfer.service import exporters, importers

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if any(user.can(i.permission) for i in (*importers(), *exporters())):
        return [MenuItem(_l("Import and export"), "transfer.index", None, weight=840)]
    return []


# -- background work -----------------------------------------------------------------------------


@hookimpl
def job_tasks():
    from core.events.tasks import catch_up
    from core.messaging.tasks import send_outbox

    from core.messaging.erasure import forget_mail_files
    from core.portal.accounts import LINK_TASK as PORTAL_LINK_TASK
    from core.portal.accounts import send_requested_link
    from core.transfer.service import JOB, run_job

    return [JobTask("core.catch_up_events", catch_up, _l("Deliver missed events to a plugin"), max_attempts=3),
            JobTask("core.send_outbox", send_outbox, _l("Send queued email and SMS"), max_attempts=3, tracked=False),
            JobTask("core.forget_mail_files", forget_mail_files, tracked=False),
            JobTask(PORTAL_LINK_TASK, send_requested_link, tracked=False, max_attempts=3),
            JobTask(JOB, run_job, _l("Import"))]


@hookimpl
def importers():
    from core.transfer.customers import IMPORTER

    return [IMPORTER]


@hookimpl
def exporters():
    from core.transfer.customer_export import EXPORTER

    return [EXPORTER]


@hookimpl
def periodic_tasks():
    from core.jobs import crontab
    from core.messaging.tasks import send_outbox

    return [PeriodicTask("core.purge", crontab(minute="40", hour="3"), _purge, _l("Forget old events, jobs and imported files")),
            PeriodicTask("core.outbox_sweep", crontab(), send_outbox, _l("Send email and SMS that are due"),
                         tracked=False)]


def _purge(job) -> str:
    from flask_babel import gettext as _

    from core.events.tasks import purge_events
    from core.jobs.service import purge_jobs
    from core.transfer.purge import purge_imports

    events = purge_events()
    jobs = purge_jobs()
    imports = purge_imports()
    return _("Removed %(events)d old events, %(jobs)d old jobs and %(imports)d old imports with their files.",
             events=events, jobs=jobs, imports=imports)


# -- pickers and the customer page's actions --------------------------------------------------


@hookimpl
def lookups():
    """Customers (any, companies only, people only), products and staff for type-ahead pickers."""
    from functools import partial

    from core.auth.service import lookup_user, lookup_users
    from core.catalog.service import lookup_product, lookup_products
    from core.customers.search import lookup_customers, lookup_label

    made = [Lookup("customer", lookup_customers, lookup_label, "customers.view")]
    for kind, customer_kind in (("company", "company"), ("contact", "person")):
        made.append(Lookup(kind, partial(lookup_customers, kind=customer_kind),
                           partial(lookup_label, kind=customer_kind), "customers.view"))
    made.append(Lookup("product", lookup_products, lookup_product, "catalog.view"))
    made.append(Lookup("user", lookup_users, lookup_user, None))
    return made


@hookimpl
def customer_actions(customer, user):
    from flask import url_for

    return [
        CustomerAction(_l("Log a call or visit"), target="log-interaction", permission="history.log", weight=10),
        CustomerAction(_l("Schedule a follow-up"), target="schedule-follow-up", permission="history.log", weight=15),
        CustomerAction(_l("Write an email"), url_for("messages.compose", customer_id=customer.id, channel="email"),
                       "messages.send", weight=20),
        CustomerAction(_l("Write an SMS"), url_for("messages.compose", customer_id=customer.id, channel="sms"),
                       "messages.send", weight=25),
        CustomerAction(_l("Edit"), url_for("customers.edit", customer_id=customer.id), "customers.edit",
                       weight=900, primary=False),
        CustomerAction(_l("Merge another customer into this one"), target="merge-customer",
                       permission="customers.merge", weight=910, primary=False),
    ]


# -- messaging -------------------------------------------------------------------------------


@hookimpl
def sms_gateways():
    from core.contrib import SmsGateway
    from core.messaging.sms import FileGateway, HttpGateway

    return [
        SmsGateway("file", _l("File (development: nothing is sent)"), FileGateway, weight=90),
        SmsGateway("http", _l("HTTP gateway"), HttpGateway, weight=80),
    ]


@hookimpl
def customer_panels(customer, user):
    """Email and SMS (the customer's messages), and Changes (its audit log, for those who may read it)."""
    from core.audit import PERMISSION
    from core.audit.views import customer_changes_panel
    from core.messaging.views import customer_panel

    from core.portal.staff import customer_panel as portal_panel

    return [
        CustomerPanel(_l("Email and SMS"), lambda: customer_panel(customer), "customers.view", weight=40),
        CustomerPanel(_l("Portal"), lambda: portal_panel(customer), "customers.view", weight=45, key="portal"),
        CustomerPanel(_l("Changes"), lambda: customer_changes_panel(customer), PERMISSION, weight=900,
                      key="changes"),
    ]


@hookimpl
def demo_data():
    from core.contrib import DemoStep
    from core.messaging.demo import load_templates

    return [DemoStep("message templates", load_templates, weight=5)]


# -- global search ---------------------------------------------------------------------------


@hookimpl
def search_results(query, user, limit):
    """Customers by name, email or phone; products by name or SKU (each if the user may see them)."""
    import sqlalchemy as sa
    from flask import url_for

    from core.contrib import SearchResult
    from core.db import db
    from core.text import like_pattern

    if not query:
        return []
    pattern = like_pattern(query)
    results = []
    if user.can("customers.view"):
        from core.customers.search import describe, find_customers

        for c in find_customers(query, limit=limit):
            results.append(SearchResult(c.name, url_for("customers.detail", customer_id=c.id), _l("Customers"),
                                        detail=describe(c), weight=10))
    if user.can("catalog.view"):
        from core.catalog.models import Product

        stmt = sa.select(Product).where(sa.or_(Product.name_key.like(pattern, escape="\\"),
                                               sa.func.lower(Product.sku).like(pattern, escape="\\")))
        for p in db.session.execute(stmt.order_by(Product.name_key, Product.id).limit(limit)).scalars():
            detail = " · ".join(x for x in (p.sku, f"{p.unit_price} {p.currency}") if x)
            results.append(SearchResult(p.name, _product_url(p, user), _l("Products"), detail=detail, weight=80))
    return results


def _product_url(product, user) -> str:
    """The product's page for users who may edit it, else the catalog list searched by SKU."""
    from flask import url_for

    if user.can("catalog.edit"):
        return url_for("catalog.edit", product_id=product.id)
    return url_for("catalog.index", q=product.sku)


# -- dashboard ---------------------------------------------------------------------------------

DASHBOARD_ROWS = 10


@hookimpl
def dashboard_widgets(user):
    return [
        DashboardWidget(_l("My overdue and today's follow-ups"), _due_followups_widget, "history.log", weight=10),
        DashboardWidget(_l("Recently added customers"), _recent_customers_widget, "customers.view", weight=20),
        DashboardWidget(_l("Portal changes to review"), _portal_changes_widget, "customers.edit", weight=30),
    ]


def _portal_changes_widget():
    from core.portal.staff import changes_widget

    return changes_widget()


def _due_followups_widget():
    import sqlalchemy as sa
    from flask import render_template
    from flask_login import current_user
    from sqlalchemy.orm import selectinload

    from core.db import db
    from core.history.guards import visible_clause
    from core.history.models import Activity
    from core.l10n import local_today

    today = local_today()  # the user's today, not the server's (they differ around midnight)
    rows = db.session.execute(
        sa.select(Activity).where(Activity.assignee_id == current_user.id, Activity.done_at.is_(None),
                                  Activity.due_date <= today, visible_clause(Activity, current_user))
        .options(selectinload(Activity.customer)).order_by(Activity.due_date, Activity.id).limit(DASHBOARD_ROWS + 1)
    ).scalars().all()
    return Markup(render_template("history/_widget_due.html", rows=rows[:DASHBOARD_ROWS],
                                  more=len(rows) > DASHBOARD_ROWS, today=today))


def _recent_customers_widget():
    import sqlalchemy as sa
    from flask import render_template

    from core.customers.models import Customer
    from core.db import db
    from core.security import scoped

    rows = db.session.execute(
        scoped(sa.select(Customer), Customer).order_by(Customer.id.desc()).limit(DASHBOARD_ROWS)
    ).scalars().all()
    return Markup(render_template("customers/_widget_recent.html", rows=rows))


# -- the customer portal ------------------------------------------------------------------------


PORTAL_PERMISSIONS = (
    Permission("portal.invite", _l("Invite customers to the portal and manage their accounts")),
    Permission("portal.view_as", _l("View the portal as a customer sees it")),
    Permission("portal.settings", _l("Turn customers' self sign-up in the portal on or off")),
)


@hookimpl
def portal_menu_items(portal):
    from core.contrib import PortalMenuItem

    return [PortalMenuItem(_l("Home"), "portal.home", weight=0),
            PortalMenuItem(_l("My account"), "portal.account", weight=900)]


@hookimpl
def portal_cards(portal):
    from flask import render_template

    from core.contrib import PortalCard

    def render():
        return Markup(render_template("portal/_card_account.html", portal=portal))

    return [PortalCard(_l("My account"), render, weight=900)]
