"""The core's hook specifications: every way a plugin can extend Rapport.

Three kinds of hooks, named as Datasette names them:

* ``register_*`` hooks run once, when the app is built, for every *installed* plugin
  (enabled or not): blueprints, API blueprints, CLI commands, record rules. The core
  then hides what belongs to disabled plugins at request time.
* Contribution hooks (nouns) run when needed and only for *enabled* plugins; each
  returns a list of plain dataclasses from :mod:`core.contrib`, sorted by weight.
* Event hooks (past tense) announce that something happened, after the database
  commit, with plain-data payloads. Each listener is called on its own: one that
  raises is logged and does not stop the others or the request, and is called
  again later by a worker until it succeeds (``core.events``).

Each hook has a page in ``docs/hooks.md`` and a test; ``tests/test_hookspecs.py``
fails when one of them is missing.
"""
from __future__ import annotations

from core.hooks import hookspec

# ---------------------------------------------------------------------------
# Registration: once per app, for every installed plugin
# ---------------------------------------------------------------------------


@hookspec
def register_blueprints(app):
    """Return a list of Flask blueprints serving this plugin's pages.

    Name the blueprint after the plugin (``Blueprint("sales", ...)``) and give it a
    ``url_prefix``; its pages answer 404 while the plugin is disabled.
    """


@hookspec
def register_api(api):
    """Return a list of ``flask_smorest.Blueprint`` objects mounted under ``/api/v1``.

    Put ``@requires("perm")`` on every method and declare arguments, body and answer
    with schemas of ``core.api.fields``; the endpoints answer 404 (and leave the
    OpenAPI document) while the plugin is disabled.
    """


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``rapport`` CLI (``cli.add_command(...)``)."""


@hookspec
def record_rules():
    """Return a list of :class:`core.contrib.RecordRule`: "own records only" rules."""


@hookspec
def register_text_kinds():
    """Return a list of :class:`core.contrib.TextKind`: how this plugin's stored texts read.

    History entries, audit entries and notifications are stored as a kind and
    parameters and rendered in the reader's language (:mod:`core.l10n.texts`).
    Called once for every installed plugin, so entries of a disabled plugin still read well.
    """


@hookspec
def erase_customer_data(customer_id):
    """Erase what this plugin holds about the person behind ``customer_id`` (GDPR).

    Called for every plugin whose tables exist (enabled now, or disabled after having
    been enabled: its tables hold personal data too) inside the erasure's transaction, after the core erased
    the customer's own data; raise to abort the whole erasure. Keep business records
    (amounts, dates, products) and their ``customer_id``; clear free text, names,
    emails, phones and addresses that identify the person.
    """


# ---------------------------------------------------------------------------
# Background work: declared once per app, for every installed plugin; a task of a
# disabled plugin does not run (``core.jobs``)
# ---------------------------------------------------------------------------


@hookspec
def job_tasks():
    """Return a list of :class:`core.contrib.JobTask`: work that ``core.jobs.start_job`` can run.

    Task names are ``"<plugin>.<what>"``. ``run(job, **params)`` runs in a worker,
    inside the app context, with ``job`` a :class:`core.jobs.JobContext`.
    """


@hookspec
def periodic_tasks():
    """Return a list of :class:`core.contrib.PeriodicTask`: jobs started on a schedule.

    Exactly one job is started each time a schedule fires, however many workers run.
    """


# ---------------------------------------------------------------------------
# Contributions: enabled plugins only, sorted by weight then plugin name
# ---------------------------------------------------------------------------


@hookspec
def permissions():
    """Return a list of :class:`core.contrib.Permission` this plugin adds.

    The permissions in a plugin's manifest are added for it; this hook is for
    permissions computed at run time.
    """


@hookspec
def default_roles():
    """Return a list of :class:`core.contrib.RoleSpec` created when the plugin is enabled."""


@hookspec
def menu_items(user):
    """Return a list of :class:`core.contrib.MenuItem` for the top navigation."""


@hookspec
def dashboard_widgets(user):
    """Return a list of :class:`core.contrib.DashboardWidget` for the dashboard (``/``)."""


@hookspec
def customer_panels(customer, user):
    """Return a list of :class:`core.contrib.CustomerPanel` for the customer 360 page.

    ``customer`` is the ``core.customers.models.Customer`` being shown.
    """


@hookspec
def customer_actions(customer, user):
    """Return a list of :class:`core.contrib.CustomerAction` for the customer page's action bar.

    Link to your own "new …" page with the customer filled in (``?customer_id=``); the
    core shows only actions whose ``permission`` the user has.
    """


@hookspec
def unmatched_mail_actions(mail, user):
    """Return a list of :class:`core.contrib.MailAction`: what else staff may do with a mail no
    customer matched, offered beside "Assign" on its page (*Messages › Unmatched mail*).

    ``mail`` is the ``core.messaging.models.InboundMail``. Link to your own page, which must
    itself assign the mail (``core.messaging.inbound.assign_mail`` / ``customer_from_mail``);
    the core shows only actions whose ``permission`` the user has.
    """


@hookspec
def lookups():
    """Return a list of :class:`core.contrib.Lookup`: kinds of records type-ahead pickers choose.

    Each kind is served as JSON at ``/lookup/<kind>?q=…`` and used in forms through
    ``core.web.picker.PickerField(label, kind=…)``.
    """


@hookspec
def search_results(query, user, limit):
    """Return up to ``limit`` :class:`core.contrib.SearchResult` matching ``query``.

    ``query`` is already normalised with ``core.text.fold`` (no case, no accents).
    """


@hookspec
def importers():
    """Return a list of :class:`core.contrib.Importer`: kinds of records users can import.

    The core offers ``customers``; the upload, mapping, preview, duplicate rules, both
    modes, the job and ``rapport import KIND FILE`` work the same for every importer.
    """


@hookspec
def exporters():
    """Return a list of :class:`core.contrib.Exporter`: lists users can download as CSV, Excel or vCard.

    Served at ``/transfer/export/<kind>.<format>`` and by ``rapport export KIND``; streamed,
    neutralised against CSV injection and written to the audit log by the core.
    """


@hookspec
def sms_gateways():
    """Return a list of :class:`core.contrib.SmsGateway`: ways to send SMS.

    ``RAPPORT_SMS_GATEWAY=<name>`` chooses one; the core offers ``file`` and ``http``.
    """


@hookspec
def demo_data():
    """Return a list of :class:`core.contrib.DemoStep` run by ``rapport init --demo``.

    Each step is called as ``step.run(rng=random.Random, customers=[ids])`` after the
    core has created its demo customers; steps run by weight.
    """


# ---------------------------------------------------------------------------
# The customer portal (``/portal``): pages for customers, never for staff. Every
# portal query starts from the logged-in customer (``core.portal.scoped_to``).
# ---------------------------------------------------------------------------


@hookspec
def register_portal_blueprints(app):
    """Return Flask blueprints serving this plugin's portal pages, mounted at ``/portal/<plugin>``.

    Registration hook: runs once for every installed plugin. Each view carries
    ``core.portal.portal_login_required`` (or ``core.security.public``); any other
    marker answers 404 there. Pages answer 404 while the plugin is disabled.
    """


@hookspec
def portal_menu_items(portal):
    """Return a list of :class:`core.contrib.PortalMenuItem` for the portal's navigation.

    ``portal`` is the request's :class:`core.portal.Portal` (customer, account, read_only).
    """


@hookspec
def portal_cards(portal):
    """Return a list of :class:`core.contrib.PortalCard`: the cards of the portal's home page."""


@hookspec
def portal_record_actions(portal, ref):
    """Return a list of :class:`core.contrib.PortalAction`: links another plugin offers on a
    portal page that shows one record ("Complain about this" on an order).

    ``ref`` names the record the way ``record_url`` does, ``"<staff endpoint>:<argument>=<id>"``
    (``"sales.order:order_id=42"``); the page owner passes it to the ``portal_record_actions(ref)``
    template global. Offer only what this customer may do with that record (check it is theirs).
    """


# ---------------------------------------------------------------------------
# Events: durable, delivered after commit, plain data, each listener isolated.
# Every event hook takes ``event_id`` last: the id of the ``core_event`` row, the
# same on every retry, for listeners that keep a record of what they processed.
# ---------------------------------------------------------------------------


@hookspec
def customer_created(customer, event_id):
    """A customer was created. ``customer`` is a dict (``Customer.as_event()``)."""


@hookspec
def customer_updated(customer, changes, event_id):
    """A customer was changed. ``changes`` maps field name to ``[old, new]``."""


@hookspec
def customers_merged(winner_id, loser_id, event_id):
    """``loser_id`` was merged into ``winner_id``.

    Rows in any table with a foreign key to ``core_customer.id`` were already moved
    by the core in the same transaction; listeners update what lives elsewhere
    (caches, search indexes, external systems).
    """


@hookspec
def customers_imported(customer_ids, import_id, event_id):
    """Customers were created by an import (one event per saved batch, up to 5,000 ids).

    Imports write customers in bulk and do not announce ``customer_created`` for each;
    listeners that keep something per customer handle this event too.
    """


@hookspec
def interaction_logged(interaction, event_id):
    """An entry was added to a customer's contact history (dict, ``Interaction.as_event()``)."""


@hookspec
def email_received(message, event_id):
    """An email arrived (``rapport mail-in``) and was stored. ``message`` is a dict
    (see docs/hooks.md); ``customer_id`` is ``None`` when nobody matched the sender."""


@hookspec
def email_assigned(message, event_id):
    """Staff assigned a mail nobody matched to a customer (the Unmatched mail page). ``message`` is
    the ``email_received`` dict with ``customer_id`` now set, ``matched_by`` ``"staff"`` and
    ``assigned_by_id``."""


@hookspec
def message_status_changed(message, event_id):
    """An outbox message was sent, failed, bounced or has an unknown outcome (dict)."""


@hookspec
def plugin_enabled(name, event_id):
    """Plugin ``name`` was enabled (its migrations have run)."""


@hookspec
def plugin_disabled(name, event_id):
    """Plugin ``name`` was disabled (its data is kept)."""
