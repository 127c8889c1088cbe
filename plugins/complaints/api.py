"""``/api/v1/complaints/``: create, list, get, transition, reply, rate, statistics.

Bodies and answers are marshmallow schemas (OpenAPI complete; bad input is a 422 with
messages by field and nothing saved). Visibility is the pages': an agent reaches the
complaints of their teams and gets 404 for another team's. A transition that lost a
race, or does not apply to the complaint's state, is a 409.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import EXCLUDE, RAISE, Schema, fields

from core.api.base import Blueprint, PageArgs, api_page, conflict, documents_errors, input_error
from core.api.fields import Choice, Id, Integer, Money, Text, UtcDateTime, page_of
from core.db import db
from core.security import requires
from plugins.complaints.access import ALL, VIEW, get_visible, visible
from plugins.complaints.labels import state_label
from plugins.complaints.models import CHANNELS, STATES, Complaint
from plugins.complaints.workflow import (
    TRANSITIONS, ComplaintConflict, ComplaintInputError, create_complaint, transition,
)

blp = Blueprint("api_complaints", __name__, url_prefix="/complaints",
                description="Complaints: intake, workflow, replies, satisfaction and statistics")

class ComplaintSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    customer_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    channel = fields.String()
    state = fields.String()
    category_id = fields.Integer(allow_none=True)
    severity_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    about_ref = fields.String(allow_none=True)
    about_label = fields.String()
    product_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    first_response_due = UtcDateTime(allow_none=True)
    resolution_due = UtcDateTime(allow_none=True)
    first_response_at = UtcDateTime(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    escalation_count = fields.Integer()
    root_cause_id = fields.Integer(allow_none=True)
    resolution = fields.String()
    corrective_action = fields.String()
    compensation_amount = Money(allow_none=True)
    compensation_credit = fields.Boolean()
    rating = fields.Integer(allow_none=True)
    rating_source = fields.String(metadata={"description": "link, portal, api or survey (marketing's); empty while unrated"})


class ComplaintListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    state = Choice(STATES)
    open = fields.Boolean()
    customer_id = Id(strict=False)
    assignee = Choice(("me", "none"))


class ComplaintCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    customer_id = Id(required=True)
    title = Text(max_length=200, required=True)
    description = Text(max_length=20000, load_default="")
    category_id = Id(load_default=None, allow_none=True)
    severity_id = Id(load_default=None, allow_none=True)
    team_id = Id(load_default=None, allow_none=True)
    product_id = Id(load_default=None, allow_none=True)
    interaction_id = Id(load_default=None, allow_none=True)
    about_ref = Text(max_length=80, load_default=None, allow_none=True)
    channel = Choice(CHANNELS, load_default="api")


class ComplaintTransitionSchema(Schema):
    class Meta:
        unknown = RAISE

    action = Choice(tuple(TRANSITIONS), required=True)
    resolution = Text(max_length=20000, load_default="")
    root_cause_id = Id(load_default=None, allow_none=True)
    corrective_action = Text(max_length=20000, load_default="")
    compensation_amount = Money(load_default=None, allow_none=True)
    compensation_credit = fields.Boolean(load_default=False)


class ComplaintReplySchema(Schema):
    class Meta:
        unknown = RAISE

    body = Text(max_length=20000, load_default="")
    subject = Text(max_length=400, load_default="")
    template = Text(max_length=80, load_default=None, allow_none=True)


class ComplaintMessageSchema(Schema):
    id = fields.Integer()
    complaint_id = fields.Integer()
    direction = fields.String()
    subject = fields.String()
    body = fields.String()
    outbox_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class ComplaintRatingSchema(Schema):
    class Meta:
        unknown = RAISE

    rating = Integer(1, 5, required=True)
    comment = Text(max_length=1000, load_default="")


class ComplaintStatsSchema(Schema):
    as_of = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


def _input_error(exc: ComplaintInputError):
    db.session.rollback()
    input_error({k: [str(m) for m in v] for k, v in exc.errors.items()})


@blp.route("/", methods=["GET"])
@requires(VIEW)
@blp.arguments(ComplaintListArgs, location="query")
@blp.response(200, page_of(ComplaintSchema))
def list_complaints(args):
    stmt = visible(sa.select(Complaint), current_user)
    if args.get("state"):
        stmt = stmt.where(Complaint.state == args["state"])
    if args.get("open") is not None:
        stmt = stmt.where(Complaint.is_open == args["open"])
    if args.get("customer_id"):
        stmt = stmt.where(Complaint.customer_id == args["customer_id"])
    if args.get("assignee") == "me":
        stmt = stmt.where(Complaint.assignee_id == current_user.id)
    elif args.get("assignee") == "none":
        stmt = stmt.where(Complaint.assignee_id.is_(None))
    return api_page(stmt, [Complaint.id], args, descending=True)


@blp.route("/", methods=["POST"])
@requires(VIEW)
@blp.arguments(ComplaintCreateSchema)
@blp.response(201, ComplaintSchema)
@documents_errors(blp, 422)
def create(data):
    channel = data.pop("channel")
    try:
        complaint = create_complaint(data, user=current_user, channel=channel)
        db.session.commit()
    except ComplaintInputError as exc:
        _input_error(exc)
    return complaint


@blp.route("/<int:complaint_id>", methods=["GET"])
@requires(VIEW)
@blp.response(200, ComplaintSchema)
def get(complaint_id):
    return get_visible(complaint_id)


@blp.route("/<int:complaint_id>/transition", methods=["POST"])
@requires(VIEW)
@blp.arguments(ComplaintTransitionSchema)
@blp.response(200, ComplaintSchema)
@documents_errors(blp, 404, 409, 422)
def transition_api(data, complaint_id):
    complaint = get_visible(complaint_id)
    action = data.pop("action")
    try:
        transition(complaint, action, data, user=current_user)
        db.session.commit()
    except ComplaintInputError as exc:
        _input_error(exc)
    except ComplaintConflict:
        db.session.rollback()
        conflict(_("This complaint is now “%(state)s”: someone else changed it first.",
                   state=state_label(get_visible(complaint_id).state)))
    return complaint


@blp.route("/<int:complaint_id>/reply", methods=["POST"])
@requires(VIEW)
@blp.arguments(ComplaintReplySchema)
@blp.response(201, ComplaintMessageSchema)
@documents_errors(blp, 404, 422)
def reply_api(data, complaint_id):
    from plugins.complaints.mail import reply

    complaint = get_visible(complaint_id)
    try:
        row = reply(complaint, body=data["body"], subject=data["subject"], template=data["template"],
                    user=current_user)
        db.session.commit()
    except ComplaintInputError as exc:
        _input_error(exc)
    return row


@blp.route("/<int:complaint_id>/rating", methods=["POST"])
@requires(VIEW)
@blp.arguments(ComplaintRatingSchema)
@blp.response(200, ComplaintSchema)
@documents_errors(blp, 404, 409)
def rating_api(data, complaint_id):
    """Store the customer's rating (for a survey another plugin ran); 409 when already rated."""
    from plugins.complaints.satisfaction import store_rating

    complaint = get_visible(complaint_id)
    if complaint.state != "closed":
        conflict(_("Only a closed complaint is rated."))
    if not store_rating(complaint, data["rating"], data["comment"], source="api"):
        db.session.rollback()
        conflict(_("This complaint is already rated."))
    db.session.commit()
    return complaint


@blp.route("/stats", methods=["GET"])
@requires(ALL)
@blp.response(200, ComplaintStatsSchema)
def stats_api():
    """The latest statistics snapshot (refreshed every 15 minutes); ``as_of`` says when."""
    from plugins.complaints.stats import latest

    snapshot = latest()
    return {"as_of": snapshot.computed_at.isoformat() if snapshot else None, "data": snapshot.data if snapshot else None}
