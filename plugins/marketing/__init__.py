"""Marketing: segments over every plugin's data, email and SMS campaigns with consent and
one-click unsubscribe, tracking and conversion.

Hook implementations only; the work lives in ``criteria.py`` / ``segments.py`` (segments),
``campaigns.py`` (create, schedule, pause, cancel), ``sending.py`` (the background job),
``tracking.py`` (signed links, opens, clicks, unsubscribes, bounces, conversions),
``views.py`` / ``public.py`` (staff pages / the pages a customer reaches from a message)
and ``api.py``. Other plugins add segment criteria through ``segment_criteria``
(``hookspecs.py``, docs/hooks.md); marketing never imports them, nor they marketing.
"""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl
from core.contrib import CASCADE, CustomerRelation, Permission
from plugins.marketing import hookspecs

manifest = PluginManifest(
    name="marketing",
    label=_l("Marketing"),
    description=_l("Segments, email and SMS campaigns with consent and unsubscribe, tracking and conversion."),
    permissions=(
        Permission("marketing.user", _l("Build segments and run own campaigns")),
        Permission("marketing.manager", _l("See and run every campaign")),
    ),
    hookspecs=hookspecs,
    # Marketing's rows about a customer only make sense with the customer: deleting the
    # customer deletes them (campaign and survey totals then count the customers who remain).
    customer_relations=(
        CustomerRelation("marketing_recipient", "customer_id", CASCADE, _l("campaign recipients")),
        CustomerRelation("marketing_segment_member", "customer_id", CASCADE, _l("static segment memberships")),
        CustomerRelation("marketing_survey_response", "customer_id", CASCADE, _l("survey answers")),
    ),
)


@hookimpl
def register_blueprints(app):
    from plugins.marketing import models  # noqa: F401  (tables known to the metadata)
    from plugins.marketing.views import bp

    return [bp]


@hookimpl
def register_api(api):
    from plugins.marketing.api import blp

    return [blp]


@hookimpl
def default_roles():
    from core.contrib import RoleSpec

    return [
        RoleSpec("Marketing user", ("marketing.user", "customers.view"), "Builds segments and runs own campaigns"),
        RoleSpec("Marketing manager", ("marketing.manager", "marketing.user", "customers.view", "messages.templates"),
                 "Sees and runs every campaign; edits message templates"),
    ]


@hookimpl
def record_rules():
    from core.contrib import RecordRule
    from plugins.marketing.models import Campaign

    return [RecordRule(Campaign, "owner_id", "marketing.manager")]


@hookimpl
def menu_items(user):
    from core.contrib import MenuItem

    return [
        MenuItem(_l("Campaigns"), "marketing.campaigns", "marketing.user", weight=40, group=_l("Marketing")),
        MenuItem(_l("Segments"), "marketing.segments", "marketing.user", weight=41, group=_l("Marketing")),
        MenuItem(_l("Surveys"), "marketing.surveys", "marketing.user", weight=42, group=_l("Marketing")),
    ]


@hookimpl
def lookups():
    """The segment picker (campaign form)."""
    from core.contrib import Lookup
    from plugins.marketing.segments import lookup_segment, lookup_segments

    return [Lookup("segment", lookup_segments, lookup_segment, "marketing.user")]


@hookimpl
def customer_panels(customer, user):
    from core.contrib import CustomerPanel
    from plugins.marketing.panels import campaign_count, customer_panel

    loaded: dict = {}  # the badge's count, read by the panel's own statement
    return [CustomerPanel(_l("Campaigns"), lambda: customer_panel(customer, loaded), "marketing.user", weight=40,
                          key="marketing", count=lambda: campaign_count(customer, loaded))]


@hookimpl
def job_tasks():
    from core.contrib import JobTask
    from plugins.marketing.sending import send_campaign

    return [JobTask("marketing.send_campaign", send_campaign, _l("Send a campaign"), max_attempts=5)]


@hookimpl
def periodic_tasks():
    from core.contrib import PeriodicTask
    from core.jobs import crontab
    from plugins.marketing.sending import decide_ab_tests, start_due_campaigns
    from plugins.marketing.surveys import send_triggered_surveys

    return [PeriodicTask("marketing.start_due_campaigns", crontab(), start_due_campaigns,
                         _l("Start scheduled campaigns"), tracked=False),
            PeriodicTask("marketing.decide_ab_tests", crontab(), decide_ab_tests,
                         _l("Send the winners of finished A/B tests"), tracked=False),
            PeriodicTask("marketing.send_triggered_surveys", crontab(), send_triggered_surveys,
                         _l("Send surveys after the moments they are bound to"), tracked=False)]


@hookimpl(optionalhook=True)
def segment_criteria():
    """Marketing's own: customers who answered a survey with a low score."""
    from plugins.marketing.surveys import segment_criteria as criteria

    return criteria()


@hookimpl
def plugin_enabled(name):
    if name == "marketing":
        from plugins.marketing.surveys import ensure_survey_template

        ensure_survey_template()


@hookimpl
def email_received(message, event_id):
    if message.get("bounce") and message.get("outbox_id"):
        from plugins.marketing.tracking import bounced

        bounced(message)


@hookimpl
def erase_customer_data(customer_id):
    """GDPR erasure: survey comments are free text the person wrote; scores and campaign facts stay."""
    import sqlalchemy as sa

    from core.db import db
    from plugins.marketing.models import SurveyResponse

    db.session.execute(sa.update(SurveyResponse).where(SurveyResponse.customer_id == customer_id)
                       .values(comment="").execution_options(synchronize_session=False))


@hookimpl(optionalhook=True)
def sales_order_confirmed(order, event_id):
    from plugins.marketing.tracking import order_confirmed

    order_confirmed(order)


# -- the customer portal (/portal/marketing): preferences and surveys ----------------------------------


@hookimpl
def register_portal_blueprints(app):
    from plugins.marketing.portal import bp

    return [bp]


@hookimpl
def portal_menu_items(portal):
    from plugins.marketing.portal import menu_items

    return menu_items()


@hookimpl
def portal_cards(portal):
    from plugins.marketing.portal import cards

    return cards(portal)


@hookimpl
def importers():
    from plugins.marketing.transfer import IMPORTER

    return [IMPORTER]


@hookimpl(optionalhook=True)
def complaint_survey(complaint):
    """Complaints asks, on closing one, whether another plugin surveys the customer: yes
    while an active survey is bound to closed complaints (trigger ``complaints.close``, the
    history kind closing writes). That survey goes out by itself (surveys.py reads the
    entry), so complaints sends no rating link of its own and the customer is asked once."""
    import sqlalchemy as sa

    from core.db import db
    from plugins.marketing.models import Survey

    from plugins.marketing.models import CSAT

    # Only a satisfaction (CSAT, 1–5) survey replaces complaints' own 1–5 rating (its answer
    # comes back as the complaint's rating through ``survey_answered``); an NPS survey asks
    # another question, so the rating link still goes.
    return db.session.execute(sa.select(Survey.id).where(Survey.trigger_kind == "complaints.close",
                                                         Survey.kind == CSAT,
                                                         Survey.active.is_(True)).limit(1)).first() is not None


@hookimpl
def register_text_kinds():
    """Campaign, consent and survey entries on the contact history, in each reader's language."""
    from plugins.marketing.texts import text_kinds

    return text_kinds()
