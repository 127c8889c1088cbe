"""Who sees which opportunities and quotations: the deal's own salesperson, and managers.

A salesperson (``sales.user``) sees the opportunities and quotations/orders whose own
``owner_id`` is theirs; ``sales.manager`` sees all. The rule reads only the record
itself — nothing related to it — so editing a related record cannot widen it: making
yourself the owner of a customer hands you none of the deals other salespeople have on
that customer (issue 16, finding 1; it used to, through ``Customer.owner_id``).
Reassigning a deal is the manager's move (``owner_id`` on the deal).

It is also the cheap rule at any size (issue 17): ``owner_id = ?`` is answered by the
``(owner_id, …)`` indexes of ``sales_opportunity`` and ``sales_order`` in the order the
lists are read, instead of a sub-select of the salesperson's customers that SQLite
turned into a full scan. The same helpers serve pages, API, panels and search.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

MANAGER, USER = "sales.manager", "sales.user"


def is_manager(user=None) -> bool:
    user = user or current_user
    return bool(user and user.is_authenticated and user.can(MANAGER))


def visible(stmt, model, user=None):
    """Restrict ``select(model)`` (Opportunity or Order) to what ``user`` may see."""
    user = user or current_user
    if is_manager(user):
        return stmt
    return stmt.where(model.owner_id == user.id)


def can_see(obj, user=None) -> bool:
    user = user or current_user
    if obj is None:
        return False
    return is_manager(user) or (obj.owner_id is not None and obj.owner_id == user.id)


def ensure_can_see(obj):
    """404 for missing or hidden rows, never revealing that a hidden one exists."""
    if not can_see(obj):
        abort(404)
    return obj
