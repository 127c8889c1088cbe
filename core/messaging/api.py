"""``/api/v1``: send an email or SMS to a customer, list a customer's messages, read one.

``POST /api/v1/customers/<id>/messages`` goes through :func:`core.messaging.queue_message`
exactly like the customer page: the customer's consent, the token user's permissions
(``messages.send`` and ``customers.view``) and record rules apply; bad input is a 422
with one message list per field, and nothing is queued.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields

from core.api.base import Blueprint, PageArgs, api_page, documents_errors, input_error
from core.api.customers import _get_customer
from core.api.fields import Choice, Text, UtcDateTime
from core.db import MAX_ID, db
from core.messaging.models import CHANNELS, PURPOSES, STATUSES, OutboxMessage
from core.messaging.outbox import HTML_MAX, SUBJECT_MAX, TEXT_MAX, MessageInputError, queue_message
from core.messaging.templates import VARIABLE_DEPTH_MAX
from core.security import requires, visible
from core.text import unstorable
from core.web.pagination import cursor_of

blp = Blueprint("api_messages", __name__, url_prefix="", description="Email and SMS through the outbox")


VARIABLES_MAX = 200  # template variables in one request, counting nested values


def _plain_data(value) -> None:
    """Template variables: nested JSON whose every text (keys too) is storable, not too deep or big."""
    count = 0

    def walk(item, depth):
        nonlocal count
        count += 1
        if depth > VARIABLE_DEPTH_MAX:
            raise ma.ValidationError(_("The variables are nested too deeply."))
        if count > VARIABLES_MAX:
            raise ma.ValidationError(_("At most %(n)d variables.", n=VARIABLES_MAX))
        if isinstance(item, str) and unstorable(item):
            raise ma.ValidationError(unstorable(item))
        if isinstance(item, dict):
            for key, sub in item.items():
                walk(key, depth + 1)
                walk(sub, depth + 1)
        elif isinstance(item, list):
            for sub in item:
                walk(sub, depth + 1)

    for item in value.values():
        walk(item, 1)


class MessageInputSchema(ma.Schema):
    channel = Choice(CHANNELS, required=True)
    to = Text(load_default=None, allow_none=True, max_length=254,
              metadata={"description": "One of the customer's addresses or numbers; default the first."})
    subject = Text(load_default="", max_length=SUBJECT_MAX)
    body = Text(load_default="", max_length=TEXT_MAX)
    html = Text(load_default="", max_length=HTML_MAX,
                metadata={"description": "Optional HTML alternative of an email (default: made from body)."})
    template = Text(load_default=None, allow_none=True, max_length=80,
                    metadata={"description": "A template key, instead of subject/body."})
    variables = fields.Dict(keys=Text(max_length=80), load_default=dict, validate=_plain_data,
                            metadata={"description": "Values for the template's placeholders (plain JSON)."})
    language = Text(load_default=None, allow_none=True, max_length=10,
                    metadata={"description": "Template language; default the customer's preferred one."})
    purpose = Choice(PURPOSES, load_default="personal",
                     metadata={"description": "personal (default), service or marketing: decides the consent needed."})
    headers = fields.Dict(keys=Text(max_length=80), values=Text(max_length=2000), load_default=dict,
                          metadata={"description": "Extra email headers (one line each), e.g. List-Unsubscribe."})
    ref = Text(load_default=None, allow_none=True, max_length=120,
               metadata={"description": "Your own reference, returned as is."})
    dedupe_key = Text(load_default=None, allow_none=True, max_length=200,
                      metadata={"description": "Sending the same key again returns the first message."})


class MessageSchema(ma.Schema):
    id = fields.Integer()
    channel = fields.String()
    status = fields.String(metadata={"description": "queued, sending, sent, failed, bounced or unknown"})
    purpose = fields.String()
    customer_id = fields.Integer(allow_none=True)
    recipient = fields.String()
    subject = fields.String()
    body = fields.String(attribute="body_text")
    template = fields.String(attribute="template_key", allow_none=True)
    language = fields.String(allow_none=True)
    segments = fields.Integer(metadata={"description": "SMS parts (0 for email)"})
    message_id = fields.String(allow_none=True)
    ref = fields.String(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String()
    provider_id = fields.String(allow_none=True)
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)


class MessageListArgs(PageArgs):
    status = Choice(STATUSES, load_default=None)


class MessagePageSchema(ma.Schema):
    items = fields.List(fields.Nested(MessageSchema))
    next_cursor = fields.String(allow_none=True)


def _errors(*codes):
    return documents_errors(blp, *codes)


@blp.route("/customers/<int:customer_id>/messages")
class CustomerMessages(MethodView):
    @requires("customers.view")
    @blp.arguments(MessageListArgs, location="query")
    @blp.response(200, MessagePageSchema)
    @_errors(401, 403, 404)
    def get(self, args, customer_id):
        """The customer's outgoing messages, newest first."""
        customer = _get_customer(customer_id)
        stmt = sa.select(OutboxMessage).where(OutboxMessage.customer_id == customer.id)
        if args["status"]:
            stmt = stmt.where(OutboxMessage.status == args["status"])
        return api_page(stmt, [OutboxMessage.id], args, descending=True, convert=cursor_of("id"))

    @requires("messages.send")
    @blp.arguments(MessageInputSchema)
    @blp.response(201, MessageSchema)
    @_errors(401, 403, 404)
    def post(self, data, customer_id):
        """Queue an email or SMS to the customer (free text, or a template and its variables).

        The worker sends it; follow its ``status`` with ``GET /api/v1/messages/<id>``.
        """
        if not current_user.can("customers.view"):
            abort(403, message=_("This token's user lacks the permission %(perm)s.", perm="customers.view"))
        customer = _get_customer(customer_id)
        try:
            message = queue_message(
                channel=data["channel"], customer=customer, to=data["to"], subject=data["subject"],
                body=data["body"], html=data["html"], template=data["template"], variables=data["variables"],
                language=data["language"], headers=data["headers"], purpose=data["purpose"], ref=data["ref"],
                dedupe_key=data["dedupe_key"], user_id=current_user.id, source="api",
            )
            db.session.commit()
        except MessageInputError as exc:
            db.session.rollback()
            input_error(exc.errors)
        return message


@blp.route("/messages/<int:message_id>")
class Message(MethodView):
    @requires("messages.send")
    @blp.response(200, MessageSchema)
    @_errors(401, 403, 404)
    def get(self, message_id):
        """One outgoing message and its status (only messages to customers you may see)."""
        message = db.session.get(OutboxMessage, message_id) if message_id <= MAX_ID else None
        if message is None or message.customer is None or not current_user.can("customers.view") \
                or not visible(message.customer):
            abort(404, message=_("No such message."))
        return message
