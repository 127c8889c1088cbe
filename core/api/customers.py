"""``/api/v1/customers``: list/search, create, read, change, delete, and the contact history.

Each method declares the same permission the web page needs (``@requires``), and
record rules apply as in the UI (``scoped`` for lists; a hidden customer is a 404).
Writes go through ``core.customers.service`` and ``core.history.service``; their
:class:`CustomerInputError`/:class:`HistoryInputError` become 422s with one message
list per field, in the shape flask-smorest uses for schema errors.
"""
from __future__ import annotations


import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort

from core.api import customer_rows
from core.api.base import Blueprint, api_page, conflict, documents_errors, input_error
from core.api.schemas import (
    CustomerInputSchema,
    CustomerListArgs,
    CustomerPatchSchema,
    CustomerPageSchema,
    CustomerSchema,
    ErasureInputSchema,
    InteractionInputSchema,
    InteractionListArgs,
    InteractionPageSchema,
    InteractionSchema,
)
from core.api.fields import MAX_ID
from core.customers.deletion import CustomerInUse, delete_customer, erase_customer
from core.customers import related
from core.customers.models import Customer
from core.customers.search import sort_key, where_matches
from core.customers.service import CustomerInputError, create_customer, update_customer
from core.db import db
from core.history.guards import visible_clause
from core.history.models import Interaction
from core.history.service import HistoryInputError, log_interaction
from core.security import requires, scoped, visible
from core.text import fold
from core.web.pagination import cursor_of
from core.web.versions import check_if_match, etag_headers

blp = Blueprint("api_customers", __name__, url_prefix="/customers", description="Customers and their history")


def _errors(*codes):
    return documents_errors(blp, *codes)


def customer_dict(c: Customer) -> dict:
    return {
        "id": c.id, "kind": c.kind, "name": c.name, "company_id": c.company_id,
        "company_name": c.company.name if c.company else None, "owner_id": c.owner_id,
        "preferred_language": c.preferred_language, "preferred_channel": c.preferred_channel,
        "gender": c.gender, "birth_date": c.birth_date, "income_band": c.income_band,
        "payment_method": c.payment_method, "purchase_purpose": c.purchase_purpose, "notes": c.notes or "",
        "external_ref": c.external_ref, "tax_number": c.tax_number,
        "emails": [e.email for e in c.emails], "phones": [p.number for p in c.phones],
        "tags": [t.name for t in c.tags],
        "addresses": [{k: getattr(a, k) for k in ("label", "street", "city", "postcode", "region", "country")}
                      for a in c.addresses],
        "needs": [{"description": n.description, "priority": n.priority, "source": n.source,
                   "created_at": n.created_at} for n in c.needs],
        "consents": {k.channel: k.granted for k in c.consents},
        "consents_changed_at": {k.channel: k.changed_at for k in c.consents},
        "created_at": c.created_at, "updated_at": c.updated_at, "erased_at": c.erased_at,
    }




def _get_customer(customer_id: int) -> Customer:
    """The customer, or 404 when missing or hidden by a record rule (same answer for both)."""
    customer = db.session.get(Customer, customer_id) if customer_id <= MAX_ID else None
    if customer is None or not visible(customer):
        abort(404, message=_("No such customer."))
    return customer


def _as_service_input(data: dict) -> dict:
    """Schema output → the plain shapes the customer service takes (same as form data)."""
    if "consents" in data:
        data["consents"] = dict(data["consents"] or {})
    return data


@blp.route("")
class Customers(MethodView):
    @requires("customers.view")
    @blp.arguments(CustomerListArgs, location="query")
    @blp.response(200, CustomerPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """List customers A→Z, optionally searched (``q``), one keyset page at a time."""
        stmt = customer_rows.slim(scoped(sa.select(Customer), Customer))
        term = fold(args["q"])
        sort = Customer.name_key
        if term:
            stmt = where_matches(stmt, term)
            sort = sort_key(term)
        return api_page(stmt, [sort, Customer.id], args, items=customer_rows.documents,
                        convert=cursor_of("text", "id"), key=lambda c: [c.name_key, c.id], scalars=False)

    @requires("customers.edit")
    @blp.arguments(CustomerInputSchema)
    @blp.response(201, CustomerSchema)
    @_errors(401, 403)
    def post(self, data):
        """Create a customer (emails and phones are validated and normalised)."""
        try:
            customer = create_customer(_as_service_input(data))
        except CustomerInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        db.session.commit()
        return customer_dict(customer)


@blp.route("/<int:customer_id>")
class CustomerItem(MethodView):
    @requires("customers.view")
    @blp.response(200, CustomerSchema)
    @_errors(401, 403, 404)
    def get(self, customer_id):
        """One customer with emails, phones, tags, addresses, needs and consents (``ETag``: its version)."""
        customer = _get_customer(customer_id)
        related.preload(customer)  # the six collections in one statement, not six lazy loads
        return customer_dict(customer), etag_headers(customer)

    @requires("customers.edit")
    @blp.arguments(CustomerPatchSchema(partial=True))
    @blp.response(200, CustomerSchema)
    @_errors(401, 403, 404, 412)
    def patch(self, data, customer_id):
        """Change only the fields sent; lists (emails, phones, tags, ...) are replaced as a whole.

        Send ``If-Match`` with the ``ETag`` you read: if the customer changed meanwhile
        the answer is 412 and nothing is saved."""
        customer = _get_customer(customer_id)
        check_if_match(customer)
        try:
            update_customer(customer, _as_service_input(data))
        except CustomerInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        db.session.commit()
        return customer_dict(customer), etag_headers(customer)

    @requires("customers.delete")
    @blp.response(204)
    @_errors(401, 403, 404, 409)
    def delete(self, customer_id):
        """Delete a customer and its own details and history; 409 naming the records that must
        outlive it (orders, equipment, people of a company are unlinked). Nothing is deleted then."""
        customer = _get_customer(customer_id)
        try:
            delete_customer(customer)
            db.session.commit()
        except CustomerInUse as exc:
            db.session.rollback()
            conflict(_("This customer is still referenced by %(what)s; nothing was deleted. Keep the customer, "
                       "merge it into another one, or erase the person's data instead.", what=str(exc)))
        except sa.exc.IntegrityError:  # a row appeared meanwhile
            db.session.rollback()
            conflict(_("This customer is still referenced by other records; nothing was deleted."))
        return None


@blp.route("/<int:customer_id>/erasure")
class CustomerErasure(MethodView):
    @requires("customers.delete")
    @blp.arguments(ErasureInputSchema)
    @blp.response(200, CustomerSchema)
    @_errors(401, 403, 404)
    def post(self, data, customer_id):
        """Erase the person's personal data (GDPR) and keep the business records.

        Name, emails, phones, addresses, profile, notes, needs, consents, tags, what staff
        wrote in the contact history and follow-ups are removed, and every plugin clears
        what it holds about the person; orders, equipment and the like stay, pointing at
        the anonymous customer ``#<id>``. Cannot be undone; send ``{"confirm": true}``.
        """
        customer = _get_customer(customer_id)
        erase_customer(customer, user_id=current_user.id)
        db.session.commit()
        return customer_dict(customer)


@blp.route("/<int:customer_id>/interactions")
class CustomerInteractions(MethodView):
    @requires("customers.view")
    @blp.arguments(InteractionListArgs, location="query")
    @blp.response(200, InteractionPageSchema)
    @_errors(401, 403, 404)
    def get(self, args, customer_id):
        """The customer's timeline (staff interactions and plugin events), newest first."""
        customer = _get_customer(customer_id)
        stmt = sa.select(Interaction).where(Interaction.customer_id == customer.id,
                                            visible_clause(Interaction, current_user))
        if args["channel"]:
            stmt = stmt.where(Interaction.channel == args["channel"])
        return api_page(stmt, [Interaction.occurred_at, Interaction.id], args, descending=True,
                        convert=cursor_of("datetime", "id"))

    @requires("history.log")
    @blp.arguments(InteractionInputSchema)
    @blp.response(201, InteractionSchema)
    @_errors(401, 403, 404)
    def post(self, data, customer_id):
        """Log a call, visit, email, ... on the customer; announced as ``interaction_logged``.

        Needs ``customers.view`` as well, like the customer page's logging form.
        """
        if not current_user.can("customers.view"):
            g.audit_permission = "customers.view"  # named in the audit's record of the refusal
            abort(403, message=_("This token's user lacks the permission %(perm)s.", perm="customers.view"))
        customer = _get_customer(customer_id)
        occurred_at = data.get("occurred_at")  # naive UTC, years checked by UtcDateTime
        try:
            row = log_interaction(customer.id, channel=data["channel"], direction=data.get("direction"),
                                  subject=data["subject"], body=data["body"], user_id=current_user.id,
                                  occurred_at=occurred_at)
        except HistoryInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        db.session.commit()
        return row
