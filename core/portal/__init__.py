"""The customer portal: customers' own logins and pages under ``/portal``.

What a plugin uses (everything else here is the portal's internals):

* :data:`current_portal` — the request's :class:`Portal` (``.customer``, ``.account``,
  ``.customer_ids``, ``.read_only``), or ``None`` outside a portal login;
* :func:`portal_login_required` — the access marker of a portal view;
* :func:`scoped_to` — where every portal query starts: the records of the logged-in
  customer (and of their company, when staff granted it), 404 for anything else;
* :func:`record_portal_activity` — what the customer did, into the contact history
  (channel ``portal``) where staff see it.

Hooks: ``register_portal_blueprints``, ``portal_menu_items``, ``portal_cards``
(docs/hooks.md); how to add portal pages: docs/plugins.md.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from core.portal.session import Portal, current_portal
from core.security import portal_login_required


@dataclass(frozen=True)
class PortalScope:
    """The customers whose records a portal request may touch; every portal query goes through it."""

    customer_ids: tuple[int, ...]

    def where(self, stmt, column):
        """``stmt`` restricted to rows whose ``column`` (a customer id column) is in scope."""
        return stmt.where(column.in_(self.customer_ids))

    def select(self, model, column: str = "customer_id"):
        """``select(model)`` of the rows in scope (``column`` names the model's customer id)."""
        import sqlalchemy as sa

        return self.where(sa.select(model), getattr(model, column))

    def get(self, model, record_id, column: str = "customer_id"):
        """One row by id, or 404 when it is missing or belongs to someone else (never revealing which)."""
        from core.db import db

        if not isinstance(record_id, int):
            abort(404)
        stmt = self.select(model, column).where(model.id == record_id)
        row = db.session.execute(stmt).scalars().first()
        if row is None:
            abort(404)
        return row

    def owns(self, customer_id: int | None) -> bool:
        return customer_id is not None and customer_id in self.customer_ids


def scoped_to(customer_or_portal=None) -> PortalScope:
    """The scope of ``customer_or_portal`` (a :class:`Portal`, a customer or a customer id);
    with no argument, the logged-in portal customer's (404 when nobody is logged in)."""
    target = customer_or_portal if customer_or_portal is not None else current_portal._get_current_object()
    if target is None:
        abort(404)
    if isinstance(target, Portal):
        return PortalScope(target.customer_ids)
    if isinstance(target, int):
        return PortalScope((target,))
    return PortalScope((target.id,))


def record_portal_activity(kind: str, *, customer_id: int | None = None, source: str | None = None, **entry):
    """Log what the customer did in the portal in their contact history (channel ``portal``,
    inbound), where staff see it. ``entry`` takes ``log_event``'s arguments (``subject``,
    ``data``, ``record``, ``permission``, ...); ``source`` defaults to the kind's prefix.
    The caller commits."""
    from core.history.service import log_event

    portal = current_portal._get_current_object()
    target = customer_id if customer_id is not None else (portal.customer.id if portal else None)
    if target is None:
        raise ValueError("record_portal_activity needs a portal login or a customer_id")
    return log_event(target, kind, source=source or kind.split(".")[0], channel="portal", direction="inbound",
                     **entry)


def staff_language():
    """``with staff_language():`` — texts written for staff (a follow-up's summary) in the
    business's language, not in the language of the customer whose request this is."""
    from flask import current_app
    from flask_babel import force_locale

    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


__all__ = ["Portal", "PortalScope", "current_portal", "portal_login_required", "scoped_to",
           "record_portal_activity", "staff_language"]
