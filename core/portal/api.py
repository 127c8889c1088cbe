"""``/api/v1/portal``: invite a customer to the portal (as the customer page does); the review
queue of contact details changed in the portal (list, accept, reject — as the queue page does,
with the same permission ``customers.edit`` and record rules)."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields

import sqlalchemy as sa

from core.api.base import Blueprint, PageArgs, api_page, conflict, documents_errors, input_error
from core.api.customers import _get_customer
from core.api.fields import Id, Text, UtcDateTime
from core.db import MAX_ID, db
from core.portal.accounts import PortalInputError, invite
from core.security import requires
from core.web.pagination import cursor_of

blp = Blueprint("api_portal", __name__, url_prefix="/portal", description="The customer portal")


class InvitationInputSchema(ma.Schema):
    customer_id = Id(required=True)
    email = Text(load_default=None, allow_none=True, max_length=254, strip=True,
                 metadata={"description": "One of the customer's addresses; default the first."})


class InvitationSchema(ma.Schema):
    account_id = fields.Integer(attribute="id")
    customer_id = fields.Integer()
    email = fields.String()
    active = fields.Boolean()
    has_password = fields.Boolean(metadata={"description": "False until the customer used the invitation."})
    invited_at = UtcDateTime(allow_none=True)


@blp.route("/invitations")
class Invitations(MethodView):
    @requires("portal.invite")
    @blp.arguments(InvitationInputSchema)
    @blp.response(201, InvitationSchema)
    @documents_errors(blp, 401, 403, 404)
    def post(self, data):
        """Invite a customer: their portal account is created (or re-opened) and an email with a
        signed link to choose a password is queued in their language. Sending again makes the
        earlier link invalid."""
        if not current_user.can("customers.view"):
            abort(403, message=_("This token's user lacks the permission %(perm)s.", perm="customers.view"))
        customer = _get_customer(data["customer_id"])
        try:
            account = invite(customer, data["email"], user_id=current_user.id)
            db.session.commit()
        except PortalInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        return account


# -- the review queue ------------------------------------------------------------------------------


class PortalFieldChangeSchema(ma.Schema):
    field = fields.String(metadata={"description": "name, emails, phones or addresses"})
    now = fields.List(fields.String(), metadata={"description": "What is saved now (addresses as one line each)."})
    asked = fields.List(fields.String(), metadata={"description": "What the customer asked for."})


class PortalChangeSchema(ma.Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    status = fields.String(metadata={"description": "pending, accepted or rejected"})
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    reason = fields.String()
    asked = fields.Dict(attribute="after", metadata={"description": "The details asked for, as submitted."})
    differences = fields.List(fields.Nested(PortalFieldChangeSchema))


class PortalChangePageSchema(ma.Schema):
    items = fields.List(fields.Nested(PortalChangeSchema))
    next_cursor = fields.String(allow_none=True)


class PortalRejectSchema(ma.Schema):
    reason = Text(load_default="", max_length=500, strip=True)


def _with_differences(change, customer):
    from core.portal.changes import differences

    return {"id": change.id, "customer_id": change.customer_id, "status": change.status,
            "created_at": change.created_at, "decided_at": change.decided_at, "reason": change.reason or "",
            "after": change.after, "differences": differences(change, customer)}


def _visible_change(change_id: int):
    from core.customers.models import Customer
    from core.portal.models import PortalChange
    from core.security import visible

    change = db.session.get(PortalChange, change_id) if change_id <= MAX_ID else None
    customer = db.session.get(Customer, change.customer_id) if change is not None else None
    if customer is None or not visible(customer):
        abort(404, message=_("No such change."))
    return change, customer


@blp.route("/changes")
class Changes(MethodView):
    @requires("customers.edit")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, PortalChangePageSchema)
    @documents_errors(blp, 401, 403)
    def get(self, args):
        """Contact details changes waiting for review, oldest first, each with what differs
        from the saved details (customers you may see only)."""
        from core.customers.models import Customer
        from core.portal.models import PortalChange
        from core.portal.staff import _visible_changes
        answer = api_page(_visible_changes(), [PortalChange.id], args, convert=cursor_of("id"))
        customers = {c.id: c for c in db.session.execute(
            sa.select(Customer).where(Customer.id.in_([c.customer_id for c in answer["items"]] or [0]))).scalars()}
        answer["items"] = [_with_differences(c, customers[c.customer_id]) for c in answer["items"]]
        return answer


@blp.route("/changes/<int:change_id>/accept")
class AcceptChange(MethodView):
    @requires("customers.edit")
    @blp.response(200, PortalChangeSchema)
    @documents_errors(blp, 401, 403, 404, 409, 422)
    def post(self, change_id):
        """Save the asked-for details on the customer (validated again) and email the customer.
        409 when the change was already decided; 422 when the details are no longer valid."""
        from core.portal import changes

        change, customer = _visible_change(change_id)
        if change.status != "pending":
            conflict(_("This change was already decided."))
        try:
            changes.accept(change, user_id=current_user.id)
            db.session.commit()
        except changes.ChangeError as exc:
            db.session.rollback()
            if "status" in exc.errors:
                conflict(_("This change was already decided."))
            input_error(exc.errors)
        return _with_differences(change, customer)


@blp.route("/changes/<int:change_id>/reject")
class RejectChange(MethodView):
    @requires("customers.edit")
    @blp.arguments(PortalRejectSchema)
    @blp.response(200, PortalChangeSchema)
    @documents_errors(blp, 401, 403, 404, 409)
    def post(self, data, change_id):
        """Keep the saved details; the customer is emailed the (optional) reason. 409 when the
        change was already decided."""
        from core.portal import changes

        change, customer = _visible_change(change_id)
        try:
            changes.reject(change, data["reason"], user_id=current_user.id)
            db.session.commit()
        except changes.ChangeError:
            db.session.rollback()
            conflict(_("This change was already decided."))
        return _with_differences(change, customer)
