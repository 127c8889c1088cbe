"""``POST /api/v1/portal/invitations``: invite a customer to the portal (as the customer page does)."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields

from core.api.base import Blueprint, documents_errors, input_error
from core.api.customers import _get_customer
from core.api.fields import Id, Text, UtcDateTime
from core.db import db
from core.portal.accounts import PortalInputError, invite
from core.security import requires

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
