"""The staff side of the portal, on the customer page: invite, grant company access,
deactivate, and "view as customer" (read-only)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.customers.models import Customer
from core.db import db
from core.portal import accounts, links
from core.portal.forms import ConfirmForm, InviteForm
from core.portal.session import end_account_sessions
from core.security import check_permission, ensure_visible, requires
from core.web.choices import select_choices

bp = Blueprint("portal_staff", __name__, url_prefix="/customers")

INVITE_PERMISSION, VIEW_AS_PERMISSION = "portal.invite", "portal.view_as"


def _customer(customer_id: int) -> Customer:
    check_permission("customers.view")
    return ensure_visible(db.session.get(Customer, customer_id))


def _back(customer: Customer):
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#tab-portal")


def _flash_errors(errors: dict[str, list[str]]) -> None:
    for messages in errors.values():
        for message in messages:
            flash(message, "error")


def invite_form(customer: Customer) -> InviteForm:
    form = InviteForm(prefix="portal")
    form.email.choices = select_choices((e, e) for e in accounts.customer_emails(customer))
    return form


def customer_panel(customer: Customer) -> Markup:
    """The customer page's Portal tab: the account's state and what staff can do."""
    account = accounts.account_of(customer.id)
    return Markup(render_template("portal/staff_panel.html", customer=customer, account=account,
                                  form=invite_form(customer), confirm=ConfirmForm(),
                                  can_invite=current_user.can(INVITE_PERMISSION),
                                  can_view_as=current_user.can(VIEW_AS_PERMISSION)))


@bp.post("/<int:customer_id>/portal/invite")
@requires(INVITE_PERMISSION)
def invite(customer_id: int):
    customer = _customer(customer_id)
    form = invite_form(customer)
    if not form.validate_on_submit():
        flash(_("Choose one of the customer's email addresses."), "error")
        return _back(customer)
    try:
        account = accounts.invite(customer, form.email.data, user_id=current_user.id)
        db.session.commit()
    except accounts.PortalInputError as exc:
        db.session.rollback()
        _flash_errors(exc.errors)
        return _back(customer)
    flash(_("The invitation to %(email)s is on its way.", email=account.email), "success")
    return _back(customer)


@bp.post("/<int:customer_id>/portal/company-access")
@requires(INVITE_PERMISSION)
def company_access(customer_id: int):
    """Grant or withdraw a contact person's access to their company's records."""
    customer = _customer(customer_id)
    account = accounts.account_of(customer.id)
    if account is None or not customer.company_id or not ConfirmForm().validate_on_submit():
        abort(404)
    account.company_access = not account.company_access
    db.session.commit()
    flash(_("%(name)s now sees the company's records in the portal.", name=customer.name) if account.company_access
          else _("%(name)s no longer sees the company's records in the portal.", name=customer.name), "success")
    return _back(customer)


@bp.post("/<int:customer_id>/portal/deactivate")
@requires(INVITE_PERMISSION)
def deactivate(customer_id: int):
    """Close the account: every session ends and every emailed link dies (invite again to reopen)."""
    customer = _customer(customer_id)
    account = accounts.account_of(customer.id)
    if account is None or not ConfirmForm().validate_on_submit():
        abort(404)
    account.active = False
    links.use_up(account)
    end_account_sessions(account.id)
    db.session.commit()
    flash(_("The portal account was closed."), "success")
    return _back(customer)


@bp.post("/<int:customer_id>/portal/view-as")
@requires(VIEW_AS_PERMISSION)
def view_as(customer_id: int):
    """Open the portal as this customer sees it, read-only, through a two-minute signed hand-over."""
    customer = _customer(customer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = links.make_token(links.VIEW_AS, {"u": current_user.id, "c": customer.id})
    return redirect(url_for("portal.view_as", token=token))


# -- the review queue: contact details changed in the portal -------------------------------------


def _visible_changes():
    import sqlalchemy as sa

    from core.portal.models import PENDING, PortalChange
    from core.security import scoped

    stmt = (sa.select(PortalChange).join(Customer, Customer.id == PortalChange.customer_id)
            .where(PortalChange.status == PENDING))
    return scoped(stmt, Customer)


@bp.get("/portal-changes")
@requires("customers.edit")
def changes_queue():
    from flask import request

    from core.portal.changes import differences
    from core.portal.models import PortalChange
    from core.web.pagination import BadCursor, keyset_page

    try:
        page = keyset_page(db.session, _visible_changes(), [PortalChange.id], cursor=request.args.get("cursor"),
                           limit=20)
    except BadCursor:
        abort(404)
    customers = {c.id: c for c in db.session.execute(
        sa.select(Customer).where(Customer.id.in_([c.customer_id for c in page.items] or [0]))
    ).scalars()}
    rows = [(change, customers[change.customer_id], differences(change, customers[change.customer_id]))
            for change in page.items]
    return render_template("portal/changes_queue.html", rows=rows, page=page, confirm=ConfirmForm())


def _change(change_id: int):
    from core.portal.models import PortalChange

    change = db.session.get(PortalChange, change_id)
    if change is None:
        abort(404)
    ensure_visible(db.session.get(Customer, change.customer_id))
    return change


@bp.post("/portal-changes/<int:change_id>/accept")
@requires("customers.edit")
def accept_change(change_id: int):
    from core.portal import changes

    change = _change(change_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changes.accept(change, user_id=current_user.id)
        db.session.commit()
        flash(_("The new details are saved."), "success")
    except changes.ChangeError as exc:
        db.session.rollback()
        _flash_errors(exc.errors)
    return redirect(url_for("portal_staff.changes_queue"))


@bp.post("/portal-changes/<int:change_id>/reject")
@requires("customers.edit")
def reject_change(change_id: int):
    from flask import request

    from core.portal import changes

    change = _change(change_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changes.reject(change, request.form.get("reason", ""), user_id=current_user.id)
        db.session.commit()
        flash(_("The change was rejected."), "success")
    except changes.ChangeError as exc:
        db.session.rollback()
        _flash_errors(exc.errors)
    return redirect(url_for("portal_staff.changes_queue"))


def changes_widget() -> Markup:
    """Dashboard card: the first few changes waiting for review."""
    from core.portal.models import PortalChange

    rows = db.session.execute(_visible_changes().order_by(PortalChange.id).limit(5)).scalars().all()
    names = dict(db.session.execute(sa.select(Customer.id, Customer.name)
                                    .where(Customer.id.in_([r.customer_id for r in rows] or [0]))).all())
    return Markup(render_template("portal/_widget_changes.html", rows=rows, names=names))
