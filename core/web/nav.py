"""Template context shared by every page: menu, language list, direction."""
from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError


def menu_for(user) -> list[dict]:
    """Menu entries the user may see, from every enabled plugin, in weight order.

    Returns top-level entries; a grouped entry has ``children`` (its items in weight
    order) and is active when one of them is.
    """
    registry = current_app.extensions["rapport"].plugins
    # Read once: each ``request.…`` is a proxy look-up, and there are twenty-odd items.
    endpoint, blueprint = request.endpoint, request.blueprint
    entries = []
    for item in registry.contributions("menu_items", user=user):
        if not user.can(item.permission):
            continue
        try:
            url = url_for(item.endpoint, **dict(item.url_values))
        except BuildError:
            current_app.logger.warning("menu item %s points to unknown endpoint %s", item.label, item.endpoint)
            continue
        active = endpoint == item.endpoint or (
            blueprint and item.endpoint.split(".")[0] == blueprint and item.endpoint.endswith(".index")
        )
        entries.append({"label": item.label, "url": url, "active": active, "weight": item.weight,
                        "group": item.group})
    top: list[dict] = []
    groups: dict[str, dict] = {}
    for entry in entries:
        if entry["group"] is None:
            top.append(entry)
            continue
        key = str(entry["group"])
        if key not in groups:
            groups[key] = {"label": entry["group"], "children": [], "active": False, "weight": entry["weight"],
                           "id": "menu-" + str(len(groups))}
            top.append(groups[key])
        groups[key]["children"].append(entry)
        groups[key]["active"] = groups[key]["active"] or entry["active"]
    return top


def plugin_label(name: str) -> str:
    """A plugin's label in the reader's language (history badges show where an entry came from)."""
    plugin = current_app.extensions["rapport"].plugins.installed.get(name)
    return str(plugin.manifest.label) if plugin is not None else ("Rapport" if name == "core" else name)


def record_url(endpoint: str, **values) -> str | None:
    """The address of a record's page, or ``None`` when that page is not served now.

    Lets a template link to a record owned by another plugin (a service unit's sales
    order) without importing it: the link is left out while the owner is disabled.
    """
    registry = current_app.extensions["rapport"].plugins
    owner = registry.blueprint_owner.get(endpoint.split(".")[0])
    if owner and not registry.is_enabled(owner):
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def product_url(product) -> str | None:
    """A product's page for users who may edit the catalog, else the catalog searched by SKU."""
    if product is None or not current_user.can("catalog.view"):
        return None
    if current_user.can("catalog.edit"):
        return url_for("catalog.edit", product_id=product.id)
    return url_for("catalog.index", q=product.sku)


def request_menu() -> list[dict]:
    """The signed-in user's menu, built once per request.

    Every ``render_template`` runs the context processors, and a page rendering parts (the
    dashboard renders each card's template) would otherwise ask every plugin for its menu
    items again for each part. The menu depends only on the user, the enabled plugins and the
    endpoint, none of which change within a request, so it is kept on the request object
    (not on ``g``: an app context can outlive a request in tests and scripts).
    """
    if not (current_user and current_user.is_authenticated):
        return []
    menu = getattr(request, "_rapport_menu", None)
    if menu is None:
        menu = request._rapport_menu = menu_for(current_user)
    return menu


def inject_shell() -> dict:
    return {
        "menu": request_menu() if request else [],
        "languages": current_app.config["LANGUAGES"],
        "can": (lambda perm: bool(current_user.is_authenticated and current_user.can(perm))),
        "plugin_label": plugin_label,
        "record_url": record_url,
        "product_url": product_url,
    }
