"""REST API under ``/api/v1`` (flask-smorest: marshmallow schemas, OpenAPI 3).

Every API blueprint is authenticated by bearer token only (never the session
cookie, so the API needs no CSRF token and a browser session cannot be abused).
"""
from __future__ import annotations

from flask_smorest import Api

from core.api.openapi import openapi_json, plugin_paths
from core.security import PUBLIC

API_PREFIX = "/api/v1"


def init_api(app, state) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    api = Api(app)
    state.api = api
    from core.api.customers import blp as customers_blp
    from core.api.jobs import blp as jobs_blp
    from core.api.products import blp as products_blp
    from core.audit.api import blp as audit_blp
    from core.messaging.api import blp as messages_blp

    names = set()
    for blp in (customers_blp, products_blp, jobs_blp, messages_blp, audit_blp):
        api.register_blueprint(blp, url_prefix=API_PREFIX + blp.url_prefix)
        names.add(blp.name)
    registry = state.plugins
    for plugin, blueprints in registry.call("register_api", include_disabled=True, api=api):
        for blp in blueprints:
            api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or f"/{plugin}"))
            names.add(blp.name)
            registry.blueprint_owner[blp.name] = plugin
            state.api_owned.setdefault(plugin, {})[blp.name] = plugin_paths(app, blp.name)
    state.api_blueprints = frozenset(names)
    from core.app import csrf

    for name in names:
        csrf.exempt(app.blueprints[name])
    # The OpenAPI document is public and shows only enabled plugins (core.api.openapi);
    # smorest's other doc views are bound methods, so wrap them.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "api-docs.openapi_json":
            app.view_functions[endpoint] = openapi_json
        elif endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = _public(view)


def _public(view):
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper._rapport_access = PUBLIC
    return wrapper
