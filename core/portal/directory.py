"""Every portal account on one staff page (*Administration → Portal accounts*): search by
email or customer name, filter by status, newest first, keyset pages; each row links to the
customer, whose Portal tab is where staff invite, close or grant company access. Staff with
``portal.settings`` also turn customers' self sign-up on or off there.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from core.customers.models import Customer
from core.db import db
from core.portal.forms import ConfirmForm
from core.portal.models import PortalAccount
from core.portal.settings import set_signup, signup_enabled
from core.security import check_permission, requires, scoped
from core.text import fold, like_pattern
from core.web.pagination import BadCursor, keyset_page

bp = Blueprint("portal_accounts", __name__, url_prefix="/admin/portal")

PAGE = 50
SETTINGS_PERMISSION = "portal.settings"
ACTIVE, INVITED, CLOSED = "active", "invited", "closed"
STATUSES = {ACTIVE: lazy_pgettext("portal account", "Active"), INVITED: _l("Invited, no password yet"),
            CLOSED: lazy_pgettext("portal account", "Closed")}


def status_of(account: PortalAccount) -> str:
    if not account.active:
        return CLOSED
    return ACTIVE if account.has_password else INVITED


def accounts_query(q: str = "", status: str | None = None):
    """Accounts of the customers the user may see (record rules), matching ``q`` (a piece of
    the email or of the customer's name, emails or phones, in any script) and ``status``."""
    stmt = sa.select(PortalAccount).join(Customer, Customer.id == PortalAccount.customer_id)
    stmt = scoped(stmt, Customer)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(sa.or_(PortalAccount.email.like(like_pattern(q.lower()), escape="\\"),
                                 Customer.search_key.like(like_pattern(fold(q)), escape="\\")))
    if status == CLOSED:
        stmt = stmt.where(PortalAccount.active.is_(False))
    elif status == ACTIVE:
        stmt = stmt.where(PortalAccount.active.is_(True), PortalAccount.password_hash.is_not(None))
    elif status == INVITED:
        stmt = stmt.where(PortalAccount.active.is_(True), PortalAccount.password_hash.is_(None))
    return stmt


@bp.get("/accounts")
@requires("portal.invite")
def accounts():
    check_permission("customers.view")
    q = request.args.get("q", "")[:200]
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    try:
        page = keyset_page(db.session, accounts_query(q, status), [PortalAccount.id], cursor=request.args.get("cursor"),
                           limit=PAGE, descending=True)
    except BadCursor:
        abort(404)
    return render_template("portal/accounts.html", page=page, q=q, status=status, statuses=STATUSES,
                           status_of=status_of, signup=signup_enabled(), confirm=ConfirmForm(),
                           can_change_settings=current_user.can(SETTINGS_PERMISSION))


@bp.post("/signup")
@requires(SETTINGS_PERMISSION)
def toggle_signup():
    """Turn customers' self sign-up on or off (stored; wins over ``RAPPORT_PORTAL_SIGNUP``)."""
    if not ConfirmForm().validate_on_submit() or request.form.get("signup") not in ("on", "off"):
        abort(400)
    set_signup(request.form["signup"] == "on", user_id=current_user.id)
    db.session.commit()
    flash(_("Customers can now sign up in the portal themselves.") if signup_enabled()
          else _("Only customers staff invite can open a portal account now."), "success")
    return redirect(url_for("portal_accounts.accounts"))
