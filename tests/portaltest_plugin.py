"""A plugin with portal pages, for the portal tests: the customer's own history entries,
through every portal hook and ``scoped_to``."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from markupsafe import Markup, escape

from core import PluginManifest, hookimpl
from core.contrib import PortalCard, PortalMenuItem
from core.portal import portal_login_required, record_portal_activity, scoped_to
from core.security import requires

manifest = PluginManifest(name="portaltest", label="Portal test")

bp = Blueprint("portaltest_portal", __name__)


def _entry(entry_id: int):
    from core.history.models import Interaction

    return scoped_to().get(Interaction, entry_id)


@bp.get("/entries")
@portal_login_required
def entries():
    from core.db import db
    from core.history.models import Interaction

    rows = db.session.execute(scoped_to().select(Interaction).order_by(Interaction.id)).scalars()
    return Markup("<ul>") + Markup("").join(Markup("<li>%s</li>") % r.subject for r in rows) + Markup("</ul>")


@bp.get("/entries/<int:entry_id>")
@portal_login_required
def entry(entry_id: int):
    return Markup("<p>%s</p>") % _entry(entry_id).subject


@bp.post("/entries/<int:entry_id>/thanks")
@portal_login_required
def thank(entry_id: int):
    from core.db import db

    row = _entry(entry_id)
    record_portal_activity("portaltest.thanked", subject=f"Thanked for {row.subject}")
    db.session.commit()
    return redirect(url_for("portaltest_portal.entries"))


@bp.get("/staff-only/<int:customer_id>")
@requires("customers.view")
def staff_only(customer_id: int):  # a staff marker in the portal's URL space: never served there
    return "staff data"


@hookimpl
def register_portal_blueprints(app):
    return [bp]


@hookimpl
def portal_menu_items(portal):
    return [PortalMenuItem("History entries", "portaltest_portal.entries", weight=50)]


@hookimpl
def portal_cards(portal):
    def render():
        return Markup("<p class='entries-card'>Entries of %s</p>") % escape(portal.customer.name)

    def broken():
        raise RuntimeError("card failed")

    return [PortalCard("Your entries", render, weight=50, url="/portal/portaltest/entries"),
            PortalCard("Broken card", broken, weight=60)]
