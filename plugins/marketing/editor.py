"""The segment rule editor's form handling: works without JavaScript.

The page holds the rule tree being edited in a hidden field (JSON) and one input per
criterion parameter, named after the item's path (``p/items.1.items.0/min``). Every
button posts the whole form: the tree is rebuilt from the hidden field plus what the user
typed (:func:`tree_from_form`), the button's action is applied (add a criterion or a group
to a group, remove an item, recount, save), and the page is shown again with the live
count. ``static/segment_editor.js`` only recounts as the user types.
"""
from __future__ import annotations

import json

from plugins.marketing.segments import OPS, empty_rules

MAX_JSON = 100_000


def _node(tree: dict, path: str):
    node = tree
    if not path:
        return node
    parts = path.split(".")
    for name, index in zip(parts[0::2], parts[1::2]):
        if name != "items" or not index.isdigit():
            return None
        items = node.get("items") if isinstance(node, dict) else None
        if not isinstance(items, list) or int(index) >= len(items):
            return None
        node = items[int(index)]
    return node


def walk(tree: dict, path: str = ""):
    """``(path, node)`` for every node, depth first."""
    yield path, tree
    for i, item in enumerate(tree.get("items") or ()):
        if isinstance(item, dict):
            yield from walk(item, f"{path}.items.{i}".lstrip("."))


def tree_from_form(form, criteria) -> dict:
    """The tree the user sees, with the values they typed (not validated yet)."""
    raw = form.get("rules") or ""
    try:
        tree = json.loads(raw) if raw and len(raw) < MAX_JSON else empty_rules()
    except ValueError:
        tree = empty_rules()
    if not isinstance(tree, dict) or "op" not in tree:
        tree = empty_rules()
    for path, node in list(walk(tree)):
        if "criterion" in node:
            criterion = criteria.get(node.get("criterion"))
            params = dict(node.get("params") or {})
            for param in (criterion.params if criterion else ()):
                name = f"p/{path}/{param.name}"
                if name in form:
                    params[param.name] = form.get(name, "").strip()
            node["params"] = params
            node["negate"] = form.get(f"n/{path}") == "1"
        else:
            op = form.get(f"op/{path}")
            if op in OPS:
                node["op"] = op
    return tree


def apply_action(tree: dict, action: str, form, criteria) -> dict:
    """Add or remove what the pressed button says; unknown actions change nothing."""
    kind, _sep, path = action.partition(":")
    if kind == "add":
        group = _node(tree, path)
        key = form.get(f"crit/{path}")
        if isinstance(group, dict) and "items" in group and key in criteria:
            group["items"].append({"criterion": key, "params": {}})
    elif kind == "group":
        group = _node(tree, path)
        if isinstance(group, dict) and "items" in group:
            group["items"].append({"op": "or" if group.get("op") == "and" else "and", "items": []})
    elif kind == "remove" and path:
        parent_path, _dot, index = path.rpartition(".")
        parent = _node(tree, parent_path.removesuffix(".items") if parent_path != "items" else "")
        if isinstance(parent, dict) and index.isdigit() and int(index) < len(parent.get("items") or ()):
            del parent["items"][int(index)]
    return tree
