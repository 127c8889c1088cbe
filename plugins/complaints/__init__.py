"""Complaints: intake from every channel, a predefined workflow with SLA deadlines in
business hours, escalation, canned replies, root cause, satisfaction and statistics.

Everything the core needs is contributed through hooks below; the modules they use are
imported inside the hook functions, so loading the plugin stays cheap. Complaints never
imports another plugin: sales and service offer what a complaint may be about through
``complaint_subjects`` (hookspecs.py), and marketing may take the satisfaction survey
through ``complaint_survey``.
"""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl
from core.contrib import BLOCK, CustomerRelation, Permission
from plugins.complaints import hookspecs

manifest = PluginManifest(
    name="complaints",
    label=_l("Complaints"),
    description=_l("Complaints from every channel, a workflow with SLA deadlines in business hours, escalation, "
                   "canned replies, root causes, satisfaction and statistics."),
    permissions=(
        Permission("complaints.view", _l("Handle the complaints of own teams")),
        Permission("complaints.all", _l("See and handle every complaint; statistics")),
        Permission("complaints.manage", _l("Configure complaints: categories, SLA, calendar, teams")),
    ),
    hookspecs=hookspecs,
    # A complaint is a business record (statistics, SLA compliance): its customer cannot be
    # deleted under it (409 naming the complaints); erase the person instead.
    customer_relations=(CustomerRelation("complaints_complaint", "customer_id", BLOCK, _l("complaints")),),
)


@hookimpl
def register_blueprints(app):
    from plugins.complaints import from_mail, models, settings_pages, template_helpers  # noqa: F401  (tables; routes)
    from plugins.complaints.views import bp

    return [bp]


@hookimpl
def register_api(api):
    from plugins.complaints.api import blp

    return [blp]


@hookimpl
def default_roles():
    from core.contrib import RoleSpec

    return [
        RoleSpec("Complaints agent", ("complaints.view", "customers.view", "history.log"),
                 "Handles the complaints of their teams"),
        RoleSpec("Complaints manager", ("complaints.view", "complaints.all", "complaints.manage", "customers.view",
                                        "history.log"),
                 "Sees every complaint, statistics; configures categories, SLA and teams"),
    ]


@hookimpl
def menu_items(user):
    from core.contrib import MenuItem

    return [MenuItem(_l("Complaints"), "complaints.index", "complaints.view", weight=35)]


@hookimpl
def dashboard_widgets(user):
    from core.contrib import DashboardWidget
    from plugins.complaints.panels import dashboard_widget

    return [DashboardWidget(_l("My complaints"), lambda: dashboard_widget(user), "complaints.view", weight=35)]


@hookimpl
def customer_panels(customer, user):
    from core.contrib import CustomerPanel
    from plugins.complaints.panels import customer_panel, open_count

    loaded: dict = {}  # the badge's count, read by the panel's own statement
    return [CustomerPanel(_l("Complaints"), lambda: customer_panel(customer, user, loaded), "complaints.view",
                          weight=35, key="complaints", count=lambda: open_count(customer, user, loaded))]


@hookimpl
def customer_actions(customer, user):
    from flask import url_for

    from core.contrib import CustomerAction

    return [CustomerAction(_l("New complaint"), url_for("complaints.new", customer_id=customer.id),
                           "complaints.view", weight=35)]


@hookimpl
def plugin_enabled(name):
    """Translated default categories, severities, root causes, SLA targets and templates."""
    if name == "complaints":
        from plugins.complaints.defaults import create_defaults

        create_defaults()


@hookimpl
def email_received(message):
    """Mail to the intake address opens a complaint; a reply is threaded into its complaint."""
    from plugins.complaints.mail import receive

    receive(message)


@hookimpl
def email_assigned(message):
    """Staff assigned an unmatched mail to a customer: if it came to the complaints address, it
    opens a complaint (or joins the complaint its subject names), as if matched on arrival."""
    from plugins.complaints.mail import receive

    receive(message)


@hookimpl(optionalhook=True)
def survey_answered(answer):
    """Marketing's survey after closing was answered: its 1–5 score is the complaint's rating."""
    from plugins.complaints.satisfaction import store_survey_answer

    store_survey_answer(answer)


@hookimpl
def unmatched_mail_actions(mail, user):
    """*Open a complaint* from a mail no customer matched (choosing or creating the customer)."""
    from plugins.complaints.from_mail import mail_actions

    return mail_actions(mail)


@hookimpl
def portal_record_actions(portal, ref):
    """"Complain about this" on the portal page of an order or a piece of equipment of theirs."""
    from plugins.complaints.portal import record_actions

    return record_actions(portal, ref)


@hookimpl
def job_tasks():
    from core.contrib import JobTask
    from plugins.complaints.stats import refresh_job

    return [JobTask("complaints.refresh_stats", refresh_job, _l("Refresh complaint statistics"), max_attempts=2)]


@hookimpl
def periodic_tasks():
    from core.contrib import PeriodicTask
    from core.jobs import crontab
    from plugins.complaints.stats import refresh_job

    return [
        PeriodicTask("complaints.escalate", crontab(), _escalate, _l("Escalate missed complaint targets"),
                     tracked=False),
        PeriodicTask("complaints.refresh_stats_periodic", crontab(minute="*/15"), refresh_job,
                     _l("Refresh complaint statistics"), tracked=False),
    ]


def _escalate():
    from core.audit import JOB, audit_context
    from plugins.complaints.escalation import escalate_due

    with audit_context(JOB, actor="complaints.escalate"):  # an untracked task: no job sets the context
        return escalate_due()


# -- the customer portal (/portal/complaints) ----------------------------------------------------


@hookimpl
def register_portal_blueprints(app):
    from plugins.complaints.portal import bp

    return [bp]


@hookimpl
def portal_menu_items(portal):
    from plugins.complaints.portal import menu_items

    return menu_items()


@hookimpl
def portal_cards(portal):
    from plugins.complaints.portal import cards

    return cards(portal)


@hookimpl
def demo_data():
    from core.contrib import DemoStep
    from plugins.complaints.demo import load_demo

    # after sales (50) and service (60): complaints about the customers' demo orders and equipment
    return [DemoStep(str(_l("Complaints in every state, a customer-care team")), load_demo, weight=70)]


@hookimpl
def search_results(query, user, limit):
    from plugins.complaints.panels import search

    return search(query, user, limit)


@hookimpl(optionalhook=True)
def survey_triggers():
    """Marketing (when installed) may bind a satisfaction survey to a closed complaint (history kind
    ``complaints.close``); marketing then answers ``complaint_survey`` so complaints sends no rating link."""
    return [{"kind": "complaints.close", "label": _l("A complaint was closed")}]


@hookimpl
def erase_customer_data(customer_id):
    """GDPR erasure: the complaints stay (counts, durations, root causes) without what the person wrote."""
    from plugins.complaints.workflow import erase_customer_data as erase

    erase(customer_id)


@hookimpl
def register_text_kinds():
    """The complaint steps on the contact history, read in each reader's language."""
    from plugins.complaints.history import text_kinds

    return text_kinds()


@hookimpl(optionalhook=True)
def analytics_customer_costs():
    """Analytics' profit ranking (when analytics is enabled): compensation paid."""
    from plugins.complaints.costs import contributions

    return contributions()
