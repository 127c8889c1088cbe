"""``/api/v1/openapi.json``: the OpenAPI document of the core and the *enabled* plugins.

flask-smorest builds one document from every API blueprint registered when the app
was built, which includes installed but disabled plugins (their endpoints answer
404). This view serves that document without the paths, tags and schemas of
disabled plugins. Enabling or disabling a plugin changes the document at the next
request on every worker (the enabled set is re-read per request); each variant is
built once per enabled set and cached.
"""
from __future__ import annotations

import copy

from flask import current_app
from flask_smorest.spec.plugins import FlaskPlugin

from core.security import PUBLIC


def plugin_paths(app, blueprint_name: str) -> set[str]:
    """The OpenAPI paths (``/api/v1/sales/orders/{order_id}``) of one API blueprint."""
    return {FlaskPlugin.flaskpath2openapi(rule.rule) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(blueprint_name + ".")}


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                found.add(value.rsplit("/", 1)[1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


def filtered_document(full: dict, hidden_paths: set[str], hidden_tags: set[str]) -> dict:
    """``full`` without ``hidden_paths``/``hidden_tags`` and the schemas only they used."""
    doc = copy.deepcopy(full)
    doc["paths"] = {p: v for p, v in doc.get("paths", {}).items() if p not in hidden_paths}
    doc["tags"] = [t for t in doc.get("tags", []) if t.get("name") not in hidden_tags]
    schemas = doc.get("components", {}).get("schemas")
    if schemas:
        used: set[str] = set()
        _refs({k: v for k, v in doc.items() if k != "components"}, used)
        _refs({k: v for k, v in doc["components"].items() if k != "schemas"}, used)
        todo = list(used)
        while todo:
            name = todo.pop()
            more: set[str] = set()
            _refs(schemas.get(name, {}), more)
            for extra in more - used:
                used.add(extra)
                todo.append(extra)
        doc["components"]["schemas"] = {k: v for k, v in schemas.items() if k in used}
    return doc


def openapi_json():
    """The OpenAPI 3 document of the core and of every enabled plugin."""
    state = current_app.extensions["rapport"]
    registry = state.plugins
    key = frozenset(registry.enabled)
    body = state.openapi_cache.get(key)
    if body is None:
        hidden_paths: set[str] = set()
        hidden_tags: set[str] = set()
        for plugin, blueprints in state.api_owned.items():
            if registry.is_enabled(plugin):
                continue
            for name, paths in blueprints.items():
                hidden_tags.add(name)
                hidden_paths |= paths
        doc = filtered_document(state.api.spec.to_dict(), hidden_paths, hidden_tags)
        body = current_app.json.dumps(doc, indent=2)
        state.openapi_cache[key] = body
    return current_app.response_class(body, mimetype="application/json")


openapi_json._rapport_access = PUBLIC
