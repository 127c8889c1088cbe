"""How the portal is put together: its blueprints (the core's and the plugins'), its menu
and its home-page cards, all from the portal hooks."""
from __future__ import annotations

import logging

from flask import current_app, request, url_for
from markupsafe import Markup, escape
from werkzeug.routing import BuildError

from core.portal.session import PREFIX, current_portal

log = logging.getLogger(__name__)


def register_portal(app, registry) -> None:
    """Mount the portal: the core's pages, the staff side, then each installed plugin's
    ``register_portal_blueprints`` at ``/portal/<plugin>``."""
    from core.portal.directory import bp as directory_bp
    from core.portal.staff import bp as staff_bp
    from core.portal.views import bp as portal_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(directory_bp)
    from core.app import limiter

    for plugin, blueprints in registry.call("register_portal_blueprints", include_disabled=True, app=app):
        for bp in blueprints:
            # What a customer sends (orders, claims, replies) is limited per login: no flooding staff.
            limiter.limit(_post_limit, key_func=_post_key, methods=["POST"])(bp)
            app.register_blueprint(bp, url_prefix=f"{PREFIX}/{plugin}")
            registry.blueprint_owner[bp.name] = plugin
    app.jinja_env.globals.update(portal_menu=portal_menu, portal_record_actions=portal_record_actions)


def _post_limit() -> str:
    return current_app.config["PORTAL_POST_LIMIT"]


def _post_key() -> str:
    portal = current_portal._get_current_object()
    return f"portal-post:{portal.session_row.id}" if portal else f"portal-post-address:{request.remote_addr}"


def portal_menu() -> list[dict]:
    """The portal navigation for the current customer, from ``portal_menu_items``."""
    portal = current_portal._get_current_object()
    if portal is None:
        return []
    registry = current_app.extensions["rapport"].plugins
    entries = []
    for item in registry.contributions("portal_menu_items", portal=portal):
        try:
            url = url_for(item.endpoint, **dict(item.url_values))
        except BuildError:
            log.warning("portal menu item %s points to unknown endpoint %s", item.label, item.endpoint)
            continue
        active = request.endpoint == item.endpoint or (
            item.endpoint != "portal.home" and request.blueprint == item.endpoint.split(".")[0])
        entries.append({"label": item.label, "url": url, "active": active})
    return entries


def home_cards() -> list[dict]:
    """The home page's cards (``portal_cards``); one that raises is logged and left out."""
    portal = current_portal._get_current_object()
    registry = current_app.extensions["rapport"].plugins
    cards = []
    for card in registry.contributions("portal_cards", portal=portal):
        try:
            body = card.render()
        except Exception:
            log.exception("portal card %s failed", card.title)
            continue
        cards.append({"title": card.title, "body": body if isinstance(body, Markup) else escape(body),
                      "url": card.url})
    return cards


def portal_record_actions(ref: str) -> list[dict]:
    """What other plugins offer on the portal page of record ``ref`` (``portal_record_actions``):
    ``[{"label", "url"}]``, for ``portal/_record_actions.html``. The page's own plugin never
    names them, so a complaints link appears on an order only while complaints is enabled."""
    portal = current_portal._get_current_object()
    if portal is None:
        return []
    registry = current_app.extensions["rapport"].plugins
    entries = []
    for action in registry.contributions("portal_record_actions", portal=portal, ref=ref):
        try:
            entries.append({"label": str(action.label), "url": url_for(action.endpoint, **dict(action.url_values))})
        except BuildError:
            log.warning("portal action %s points to unknown endpoint %s", action.label, action.endpoint)
    return entries
