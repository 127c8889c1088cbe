"""Who may see a history entry or a follow-up: the same people as the record it is about.

A plugin's event on the timeline ("Order S0000042 confirmed: 2,086.57 EUR") or a
follow-up on a deal belongs to a record that has its own visibility (a record rule:
the salesperson who owns the deal, or a sales manager). The entry carries that rule
with it, denormalised into three columns, so the timeline is filtered in SQL — before
keyset paging, so pages stay full — and no plugin is asked row by row:

``record``        ``"<table>:<id>"`` of the record (``sales_order:42``), to find its entries again;
``visible_to``    the record's owner (the rule's owner column), or NULL;
``visible_with``  the permission that sees all such records (the rule's ``all_permission``),
                  or a plain permission for records without an owner (equipment:
                  ``service.technician``); NULL means everyone who sees the customer.

An entry is visible when ``visible_with`` is NULL, or the user holds it, or the user is
``visible_to``. :func:`guard_for` derives the three values from the record rules that
plugins already declare (``record_rules`` hook), so the entry follows exactly the
record's rule; when a record's owner changes, a flush hook moves its entries along
(:func:`follow_owner_changes`), so reassigning a deal reassigns who sees its history.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_app_context

from core.history.models import Activity, Interaction


def _rules_for(model) -> list:
    if not has_app_context() or "rapport" not in current_app.extensions:
        return []
    rules = current_app.extensions["rapport"].plugins.contributions("record_rules")
    return [r for r in rules if r.model is model]


def record_key(obj) -> str:
    return f"{obj.__tablename__}:{obj.id}"


def guard_for(record=None, permission: str | None = None) -> dict:
    """The guard columns for an entry about ``record`` (an ORM object with an id), or
    gated only by ``permission`` when the record has no record rule (or there is none)."""
    guard = {"record": None, "visible_to": None, "visible_with": permission}
    if record is None:
        return guard
    guard["record"] = record_key(record)
    rules = _rules_for(type(record))
    if rules:
        rule = rules[0]
        guard["visible_to"] = getattr(record, rule.owner_column)
        guard["visible_with"] = rule.all_permission
    return guard


def visible_clause(model, user):
    """SQL condition: rows of ``model`` (Interaction or Activity) that ``user`` may see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return model.visible_with.is_(None)
    if user.is_admin:
        return sa.true()
    return sa.or_(model.visible_with.is_(None), model.visible_with.in_(sorted(user.permission_set())),
                  model.visible_to == user.id)


def can_see_entry(row, user) -> bool:
    if row.visible_with is None:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.can(row.visible_with) or (row.visible_to is not None and row.visible_to == user.id)


def follow_owner_changes(session, _flush_context, _instances) -> None:
    """Before a flush: when a ruled record's owner changes, its entries follow."""
    for obj in list(session.dirty):
        rules = _rules_for(type(obj))
        if not rules or getattr(obj, "id", None) is None:
            continue
        column = rules[0].owner_column
        history = sa.inspect(obj).attrs[column].history
        if not history.has_changes():
            continue
        key, owner = record_key(obj), getattr(obj, column)
        for model in (Interaction, Activity):
            session.execute(sa.update(model).where(model.record == key).values(visible_to=owner)
                            .execution_options(synchronize_session=False))


_installed = False


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    global _installed
    if not _installed:
        from core.db import EventSession

        sa.event.listen(EventSession, "before_flush", follow_owner_changes)
        _installed = True
