"""rapport-hello: the minimal Rapport plugin of docs/plugins.md.

Everything Rapport needs to know about the plugin is at module level here: the
``manifest`` and the ``@hookimpl`` functions. Heavier imports (models, views) happen
inside the hooks, so loading the plugin stays cheap and free of import cycles.
"""
from flask import render_template
from markupsafe import Markup
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl
from core.contrib import CASCADE, CustomerPanel, CustomerRelation, DashboardWidget, MenuItem, Permission, RoleSpec

manifest = PluginManifest(
    name="hello",  # the entry point name, the Alembic branch and the table prefix
    label=_l("Hello notes"),
    description=_l("Short notes on customers; the example plugin of the developer docs."),
    permissions=(
        Permission("hello.view", _l("See hello notes")),
        Permission("hello.write", _l("Write hello notes")),
    ),
    # Deleting a customer deletes their notes (they mean nothing without the customer).
    # Business records that must outlive a customer say BLOCK here instead.
    customer_relations=(CustomerRelation("hello_note", "customer_id", CASCADE, _l("hello notes")),),
)


@hookimpl
def register_blueprints(app):
    from rapport_hello.views import bp

    return [bp]


@hookimpl
def default_roles():
    return [RoleSpec("Hello writer", ("customers.view", "hello.view", "hello.write"), "Reads and writes notes")]


@hookimpl
def menu_items(user):
    return [MenuItem(_l("Notes"), "hello.index", permission="hello.view", weight=50)]


@hookimpl
def dashboard_widgets(user):
    from rapport_hello.models import latest_notes

    def render():
        # Markup: this is HTML our own template already escaped; the core inserts it as is.
        return Markup(render_template("hello/widget.html", notes=latest_notes(5)))

    return [DashboardWidget(_l("Latest notes"), render, permission="hello.view", weight=50)]


@hookimpl
def customer_panels(customer, user):
    from rapport_hello.models import notes_for, points_for

    def render():
        return Markup(render_template("hello/panel.html", notes=notes_for(customer.id, 10),
                                      points=points_for(customer.id)))

    return [CustomerPanel(_l("Notes"), render, permission="hello.view", weight=50)]


@hookimpl
def customer_created(customer):
    """Greet every new customer with a note (``customer`` is a plain dict)."""
    from rapport_hello.models import add_note

    add_note(customer["id"], f"Welcome, {customer['name']}!")


@hookimpl
def erase_customer_data(customer_id):
    """GDPR erasure of a customer: notes are free text about the person, so they go."""
    from rapport_hello.models import delete_notes

    delete_notes(customer_id)
