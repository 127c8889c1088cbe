"""Segments: rule trees of criteria compiled to one SQL condition, and static lists.

A rule tree is plain JSON, stored on the segment::

    {"op": "and", "items": [
        {"criterion": "core.language", "params": {"language": "el"}},
        {"op": "or", "items": [
            {"criterion": "sales.total_spent", "params": {"min": "500"}},
            {"criterion": "core.tag", "params": {"tag": "vip"}, "negate": true}]}]}

:func:`condition` turns it into one boolean expression over ``core_customer.id``; the
count and the member list are single queries with that ``WHERE`` (never a loop over
customers in Python). A criterion whose plugin is disabled (or uninstalled) is not
available: :func:`missing_criteria` names it, and counting such a segment raises
:class:`SegmentUnavailable`, which pages and the API show as a message, not an error.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from core.customers.models import Customer
from core.db import db, parse_id
from plugins.marketing.criteria import CriterionInputError, available_criteria, clean_params, stored_value
from plugins.marketing.models import RULES, STATIC, Segment, SegmentMember

OPS = ("and", "or")
MAX_DEPTH, MAX_ITEMS = 4, 50


class SegmentInputError(ValueError):
    """The rule tree is malformed or a criterion's parameters are wrong; ``errors`` lists
    the problems as ``{"path": message}`` (``"items.1.params.min"``)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class SegmentUnavailable(Exception):
    """The segment uses criteria that are not available (their plugin is disabled)."""

    def __init__(self, keys: list[str]):
        super().__init__(", ".join(keys))
        self.keys = keys

    def message(self) -> str:
        return _("This segment uses criteria of a plugin that is switched off: %(keys)s. Switch the plugin on "
                 "again or change the segment.", keys=", ".join(self.keys))


def empty_rules() -> dict:
    return {"op": "and", "items": []}


def clean_rules(rules, criteria=None) -> dict:
    """Validate a rule tree and return it with typed-then-stored parameter values.

    Criteria must be available now (a new segment cannot use a disabled plugin's criteria).
    Raises :class:`SegmentInputError` with every problem found.
    """
    criteria = available_criteria() if criteria is None else criteria
    errors: dict[str, str] = {}

    def walk(node, path: str, depth: int):
        where = path or "rules"
        if not isinstance(node, dict):
            errors[where] = _("A group or a criterion.")
            return None
        if "criterion" in node:
            key = node.get("criterion")
            criterion = criteria.get(key) if isinstance(key, str) else None
            if criterion is None:
                errors[f"{path}.criterion" if path else "criterion"] = _("Unknown criterion “%(key)s”.",
                                                                          key=str(key)[:80])
                return None
            params = node.get("params") or {}
            if not isinstance(params, dict):
                errors[f"{path}.params"] = _("A group or a criterion.")
                return None
            try:
                clean = clean_params(criterion, params)
            except CriterionInputError as exc:
                for name, message in exc.errors.items():
                    errors[f"{path}.params.{name}".lstrip(".")] = message
                return None
            out = {"criterion": key, "params": {k: stored_value(v) for k, v in clean.items()}}
            if node.get("negate"):
                out["negate"] = True
            return out
        op, items = node.get("op"), node.get("items")
        if op not in OPS:
            errors[f"{path}.op".lstrip(".")] = _("Either “and” or “or”.")
            return None
        if not isinstance(items, list):
            errors[f"{path}.items".lstrip(".")] = _("A list of criteria and groups.")
            return None
        if depth >= MAX_DEPTH:
            errors[where] = _("Groups nest at most %(n)d deep.", n=MAX_DEPTH)
            return None
        if len(items) > MAX_ITEMS:
            errors[where] = _("At most %(n)d criteria in a group.", n=MAX_ITEMS)
            return None
        kids = [walk(item, f"{path}.items.{i}".lstrip("."), depth + 1) for i, item in enumerate(items)]
        return {"op": op, "items": kids}

    clean = walk(rules, "", 0)
    if errors:
        raise SegmentInputError(errors)
    return clean


def used_keys(rules) -> list[str]:
    keys: list[str] = []

    def walk(node):
        if not isinstance(node, dict):
            return
        if "criterion" in node:
            keys.append(node["criterion"])
        for item in node.get("items") or ():
            walk(item)

    walk(rules)
    return keys


def missing_criteria(segment: Segment, criteria=None) -> list[str]:
    """Keys the segment uses that no enabled plugin provides now."""
    if segment.kind != RULES:
        return []
    criteria = available_criteria() if criteria is None else criteria
    return sorted({k for k in used_keys(segment.rules) if k not in criteria})


def rules_condition(rules, criteria=None):
    """One SQL boolean expression over ``core_customer.id`` for a (clean, stored) rule tree."""
    criteria = available_criteria() if criteria is None else criteria
    missing = sorted({k for k in used_keys(rules) if k not in criteria})
    if missing:
        raise SegmentUnavailable(missing)
    customer_id = Customer.id

    def walk(node):
        if "criterion" in node:
            criterion = criteria[node["criterion"]]
            expr = criterion.compile(customer_id, clean_params(criterion, node.get("params") or {}))
            return sa.not_(expr) if node.get("negate") else expr
        parts = [walk(item) for item in node.get("items") or ()]
        if not parts:
            return sa.true()
        return sa.and_(*parts) if node["op"] == "and" else sa.or_(*parts)

    return walk(rules or empty_rules())


def condition(segment: Segment, criteria=None):
    """The ``WHERE`` condition selecting the segment's customers."""
    if segment.kind == STATIC:
        return Customer.id.in_(sa.select(SegmentMember.customer_id).where(SegmentMember.segment_id == segment.id))
    return rules_condition(segment.rules, criteria)


def member_ids_select(segment: Segment, criteria=None):
    """``SELECT core_customer.id WHERE <segment>``: for counts, lists and campaign recipients."""
    return sa.select(Customer.id).where(condition(segment, criteria))


def count_rules(session, rules) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(Customer).where(rules_condition(rules))).scalar()


def count(session, segment: Segment) -> int:
    """How many customers the segment holds now (one ``COUNT`` query)."""
    return session.execute(sa.select(sa.func.count()).select_from(Customer).where(condition(segment))).scalar()


def members_select(segment: Segment):
    """Customers of the segment, for keyset pagination by (name_key, id)."""
    return sa.select(Customer).where(condition(segment))


def rules_members_select(rules):
    return sa.select(Customer).where(rules_condition(rules))


def segment_or_404(segment_id: int) -> Segment:
    """Segments are shared by every marketing user (no record rule): only a missing one is 404."""
    from flask import abort

    segment = db.session.get(Segment, parse_id(segment_id) or 0)
    if segment is None:
        abort(404)
    return segment


def add_members(session, segment: Segment, customer_ids: list[int]) -> int:
    """Add customers to a static list (existing customers only, each once); returns how many
    were new. The caller commits."""
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return 0
    existing = set(session.execute(sa.select(SegmentMember.customer_id).where(
        SegmentMember.segment_id == segment.id, SegmentMember.customer_id.in_(ids))).scalars())
    real = set(session.execute(sa.select(Customer.id).where(Customer.id.in_(ids))).scalars())
    new = [i for i in ids if i in real and i not in existing]
    session.add_all([SegmentMember(segment_id=segment.id, customer_id=i) for i in new])
    return len(new)


def remove_member(session, segment: Segment, customer_id: int) -> bool:
    result = session.execute(sa.delete(SegmentMember).where(SegmentMember.segment_id == segment.id,
                                                            SegmentMember.customer_id == customer_id))
    return result.rowcount == 1


# -- the segment picker ---------------------------------------------------------------------------

LOOKUP_SCAN = 1000


def lookup_segments(term: str, limit: int, params: dict) -> list:
    """Segments whose name contains the (folded) ``term``, newest first. A business keeps tens or
    hundreds of segments, so the newest 1,000 are folded here rather than keeping a search column."""
    from core.contrib import LookupItem
    from core.text import fold

    rows = db.session.execute(sa.select(Segment.id, Segment.name, Segment.kind).order_by(Segment.id.desc())
                              .limit(LOOKUP_SCAN)).all()
    found = [r for r in rows if not term or term in fold(r.name)]
    return [LookupItem(r.id, r.name, _("Static list") if r.kind == STATIC else _("Rules")) for r in found[:limit]]


def lookup_segment(segment_id: int):
    from core.contrib import LookupItem

    segment = db.session.get(Segment, parse_id(segment_id) or 0)
    return LookupItem(segment.id, segment.name) if segment else None
