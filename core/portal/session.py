"""The portal's own cookie, session rows and the logged-in customer of each request.

Staff and customers never share a session. Requests under ``/portal`` read and write
a separate cookie (``rapport_portal``, ``Path=/portal``, signed with its own salt); every
other request reads only the staff cookie. So a portal login is invisible to staff pages,
the API and admin (they answer as for anonymous), and a staff login is invisible to the
portal. The portal cookie carries the random key of a :class:`PortalSession` row, so
logging out, a password change or staff deactivating the account ends it on the server.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, g, has_request_context, redirect, request, session, url_for
from werkzeug.local import LocalProxy

from core.db import db, utcnow
from core.portal.models import PortalAccount, PortalSession
from core.security import HttpsAwareSessionInterface

PREFIX = "/portal"
COOKIE = "rapport_portal"
SESSION_KEY = "portal"  # what the portal cookie holds: "<session id>:<key>"
TOUCH_EVERY = timedelta(minutes=5)
VIEW_AS_HOURS = 2
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_POSTS = frozenset({"portal.logout", "portal.set_language"})  # a staff viewer may still do these


def is_portal_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _portal_request() -> bool:
    return has_request_context() and is_portal_path(request.path)


class SplitSessionInterface(HttpsAwareSessionInterface):
    """One signed-cookie session for staff pages and another, path-bound, for the portal."""

    def get_cookie_name(self, app) -> str:
        return COOKIE if _portal_request() else super().get_cookie_name(app)

    def get_cookie_path(self, app) -> str:
        return PREFIX if _portal_request() else super().get_cookie_path(app)

    def get_signing_serializer(self, app):
        if not _portal_request():
            return super().get_signing_serializer(app)
        saved, self.salt = self.salt, "rapport-portal-session"
        try:
            return super().get_signing_serializer(app)
        finally:
            self.salt = saved


@dataclass
class Portal:
    """Who is using the portal in this request: a customer, through an account or a staff viewer."""

    customer: object  # core.customers.models.Customer
    account: PortalAccount | None
    session_row: PortalSession
    staff_user_id: int | None = None
    _ids: tuple[int, ...] | None = field(default=None, repr=False)

    @property
    def read_only(self) -> bool:
        """A staff member's "view as customer": looks, never changes anything."""
        return self.staff_user_id is not None

    @property
    def customer_ids(self) -> tuple[int, ...]:
        """The customers whose records this login may see: the customer, and their company
        when staff granted the account access to it."""
        if self._ids is None:
            ids = [self.customer.id]
            if self.account is not None and self.account.company_access and self.customer.company_id:
                ids.append(self.customer.company_id)
            self._ids = tuple(ids)
        return self._ids


def _current_portal() -> Portal | None:
    return g.get("portal") if has_request_context() else None


current_portal: Portal | None = LocalProxy(_current_portal)  # type: ignore[assignment]


def start_session(customer_id: int, *, account: PortalAccount | None = None, staff_user_id: int | None = None,
                  lifetime: timedelta | None = None) -> None:
    """Log this browser into the portal (clears whatever the portal cookie held). Caller commits."""
    key = secrets.token_urlsafe(32)
    agent = (request.headers.get("User-Agent") or "")[:200]
    row = PortalSession(account_id=account.id if account else None, customer_id=customer_id,
                        staff_user_id=staff_user_id, key_hash=PortalSession.digest(key), user_agent=agent,
                        expires_at=utcnow() + lifetime if lifetime else None)
    db.session.add(row)
    db.session.flush()
    session.clear()
    session[SESSION_KEY] = f"{row.id}:{key}"
    session.permanent = False


def end_session() -> None:
    """Revoke this browser's portal session (logout). Caller commits."""
    portal = _current_portal()
    if portal is not None and portal.session_row.revoked_at is None:
        portal.session_row.revoked_at = utcnow()
    session.clear()


def end_account_sessions(account_id: int, *, keep: PortalSession | None = None) -> int:
    """Revoke every live session of an account but ``keep``; returns how many. Caller commits."""
    stmt = sa.update(PortalSession).where(PortalSession.account_id == account_id, PortalSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(PortalSession.id != keep.id)
    return db.session.execute(stmt.values(revoked_at=utcnow())).rowcount


def load_portal() -> Portal | None:
    """The portal login this request's cookie names, if it is still live."""
    from core.customers.models import Customer

    sid, _sep, key = str(session.get(SESSION_KEY) or "").partition(":")
    if not sid.isdigit() or not key:
        return None
    row = db.session.get(PortalSession, int(sid))
    now = utcnow()
    if (row is None or row.revoked_at is not None or row.key_hash != PortalSession.digest(key)
            or (row.expires_at is not None and row.expires_at <= now)):
        return None
    account = None
    if row.account_id is not None:
        account = db.session.get(PortalAccount, row.account_id)
        if account is None or not account.active or account.customer_id != row.customer_id:
            return None
    if row.staff_user_id is not None:
        from core.auth.models import User

        staff = db.session.get(User, row.staff_user_id)
        if staff is None or not staff.active:
            return None
        # The viewer sees what the customer's account sees (its company access too).
        account = db.session.execute(sa.select(PortalAccount).where(
            PortalAccount.customer_id == row.customer_id, PortalAccount.active.is_(True))).scalar_one_or_none()
    customer = db.session.get(Customer, row.customer_id)
    if customer is None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return Portal(customer=customer, account=account, session_row=row, staff_user_id=row.staff_user_id)


def before_portal_request(rule) -> object | None:
    """Access control for ``/portal`` (called by the app's before-request check).

    ``rule`` is the view's access marker: ``PUBLIC`` or ``PORTAL``; any staff marker in the
    portal's URL space is refused (portal pages never run with staff rights).
    """
    from core.security import PORTAL, PUBLIC

    g.portal = load_portal()
    if rule == PUBLIC:
        return None
    if rule != PORTAL:
        current_app.logger.error("view %s under %s is not a portal view; denying", request.endpoint, PREFIX)
        abort(404)
    if g.portal is None:
        return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
    if g.portal.read_only and request.method not in READ_ONLY_METHODS and request.endpoint not in READ_ONLY_POSTS:
        abort(403)
    return None


def outside_portal(rule) -> None:
    """A portal view reached outside ``/portal`` (a blueprint mounted elsewhere): not served."""
    from core.security import PORTAL

    if rule == PORTAL:
        abort(404)


def find_account(email: str) -> PortalAccount | None:
    return db.session.execute(sa.select(PortalAccount).where(PortalAccount.email == email)).scalar_one_or_none()
