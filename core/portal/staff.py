"""The staff side of the portal, on the customer page: invite, grant company access,
deactivate, and "view as customer" (read-only)."""
from __future__ import annotations

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

bp = Blueprint("portal_staff", __name__, url_prefix="/customers")

INVITE_PERMISSION, VIEW_AS_PERMISSION = "portal.invite", "portal.view_as"


def _customer(customer_id: int) -> Customer:
    check_permission("customers.view")
    return ensure_visible(db.session.get(Customer, customer_id))


def _back(customer: Customer):
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#tab-portal")


def invite_form(customer: Customer) -> InviteForm:
    form = InviteForm(prefix="portal")
    form.email.choices = [(e, e) for e in accounts.customer_emails(customer)]
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
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
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
