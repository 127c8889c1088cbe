"""Who sees which opportunities and quotations.

The core's record rule (declared in ``record_rules``) is "own rows unless
``sales.manager``". Sales adds one widening: a salesperson also sees the
opportunities and quotations of customers they own (``Customer.owner_id``), so an
account owner follows everything happening on their accounts. The same helpers
serve pages and API, so both enforce the same rule.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from core.customers.models import Customer

MANAGER, USER = "sales.manager", "sales.user"


def is_manager(user=None) -> bool:
    user = user or current_user
    return bool(user and user.is_authenticated and user.can(MANAGER))


def visible(stmt, model, user=None):
    """Restrict ``select(model)`` (Opportunity or Order) to what ``user`` may see."""
    user = user or current_user
    if is_manager(user):
        return stmt
    owned_customers = sa.select(Customer.id).where(Customer.owner_id == user.id)
    return stmt.where(sa.or_(model.owner_id == user.id, model.customer_id.in_(owned_customers)))


def can_see(obj, user=None) -> bool:
    user = user or current_user
    if obj is None:
        return False
    if is_manager(user) or obj.owner_id == user.id:
        return True
    customer = obj.customer if obj.customer_id else None
    return bool(customer is not None and customer.owner_id == user.id)


def ensure_can_see(obj):
    """404 for missing or hidden rows, never revealing that a hidden one exists."""
    if not can_see(obj):
        abort(404)
    return obj
