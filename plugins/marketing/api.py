"""``/api/v1/marketing/``: segments (create, count, members) and campaigns (create,
schedule, send, stats) over JSON.

Schemas are built from ``core.api.fields`` (the API's one definition of safe text, ids,
times). Bad input is a 422 with messages per field (rule paths such as ``rules.items.0.params.min``)
and nothing is saved; a state conflict (sending twice, scheduling a sent campaign) is a
409; a segment that uses a disabled plugin's criteria answers 409 with the reason.
Campaigns follow the record rule of the pages: a marketing user sees their own.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from core.api.base import Blueprint, PageArgs, api_page, conflict, documents_errors, input_error
from core.api.fields import Choice, Id, Integer, Text, UtcDateTime, page_of
from core.customers.models import Customer
from core.db import db, parse_id
from core.security import check_permission, requires, scoped
from plugins.marketing.models import RULES, SEGMENT_KINDS, STATIC, Campaign, Segment
from plugins.marketing.campaigns import campaign_or_404
from plugins.marketing.segments import (
    segment_or_404,
    SegmentInputError,
    SegmentUnavailable,
    add_members,
    clean_rules,
    count,
    members_select,
)

blp = Blueprint("api_marketing", __name__, url_prefix="/marketing",
                description="Marketing: segments, campaigns and survey results")


class SegmentIn(Schema):
    name = Text(required=True, min_length=1, max_length=200, strip=True)
    description = Text(load_default="", max_length=5000)
    kind = Choice(SEGMENT_KINDS, load_default=RULES)
    rules = fields.Dict(load_default=None, metadata={"description": "Rule tree: {op, items: [...]} (docs/api.md)."})
    customer_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=10_000),
                               metadata={"description": "Members of a static list."})


class SegmentOut(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    kind = fields.String()
    rules = fields.Dict(allow_none=True)


class CountOut(Schema):
    count = fields.Integer()


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    preferred_language = fields.String(allow_none=True)


MembersOut = page_of(MemberOut)


class CampaignIn(Schema):
    name = Text(required=True, min_length=1, max_length=200, strip=True)
    channel = Choice(("email", "sms"), load_default="email")
    segment_id = Id(required=True)
    template_key = Text(required=True, min_length=1, max_length=80)
    frequency_cap_days = Integer(0, 365, load_default=0)
    conversion_days = Integer(0, 365, load_default=14)
    rate_per_minute = Integer(0, 100_000, load_default=0)
    survey_id = Id(load_default=None, allow_none=True)
    ab_template_key = Text(load_default=None, allow_none=True, max_length=80,
                           metadata={"description": "Variant B's template: turns on the A/B test."})
    ab_sample_percent = Integer(2, 50, load_default=None)
    ab_metric = Choice(("opens", "clicks"), load_default="opens")
    ab_wait_hours = Integer(1, 168, load_default=4)


class CampaignOut(Schema):
    id = fields.Integer()
    name = fields.String()
    channel = fields.String()
    state = fields.String()
    segment_id = fields.Integer(allow_none=True)
    template_key = fields.String()
    scheduled_at = UtcDateTime(allow_none=True)
    frequency_cap_days = fields.Integer()
    conversion_days = fields.Integer()
    rate_per_minute = fields.Integer()
    job_id = fields.Integer(allow_none=True)
    survey_id = fields.Integer(allow_none=True)
    ab_template_key = fields.String(allow_none=True)
    ab_sample_percent = fields.Integer()
    ab_metric = fields.String()
    ab_wait_hours = fields.Integer()
    ab_winner = fields.String(allow_none=True)


CampaignPage = page_of(CampaignOut)


class ScheduleIn(Schema):
    at = UtcDateTime(required=True, metadata={"description": "ISO 8601 with its offset."})


class StatsOut(Schema):
    recipients = fields.Integer()
    queued = fields.Integer()
    skipped = fields.Integer()
    pending = fields.Integer()
    sent = fields.Integer()
    opened = fields.Integer()
    clicked = fields.Integer()
    bounced = fields.Integer()
    unsubscribed = fields.Integer()
    converted = fields.Integer()
    revenue = fields.String()
    skip_reasons = fields.Dict(keys=fields.String(), values=fields.Integer())


# -- segments ---------------------------------------------------------------------------------------


@blp.route("/segments", methods=["POST"])
@requires("marketing.user")
@blp.arguments(SegmentIn)
@blp.response(201, SegmentOut)
@documents_errors(blp, 422)
def create_segment(data):
    segment = Segment(name=data["name"].strip(), description=data["description"], kind=data["kind"],
                      created_by_id=current_user.id)
    if data["kind"] == RULES:
        try:
            segment.rules = clean_rules(data["rules"] if data["rules"] is not None else {"op": "and", "items": []})
        except SegmentInputError as exc:
            input_error({f"rules.{k}" if k != "rules" else k: [v] for k, v in exc.errors.items()})
    db.session.add(segment)
    db.session.flush()
    if data["kind"] == STATIC and data["customer_ids"]:
        known = set(db.session.execute(sa.select(Customer.id).where(Customer.id.in_(data["customer_ids"])))
                    .scalars())
        unknown = sorted(set(data["customer_ids"]) - known)
        if unknown:
            db.session.rollback()
            input_error({"customer_ids": [_("No such customer: %(ids)s.", ids=", ".join(map(str, unknown[:20])))]})
        add_members(db.session, segment, data["customer_ids"])
    db.session.commit()
    return segment


@blp.route("/segments/<int:segment_id>", methods=["GET"])
@requires("marketing.user")
@blp.response(200, SegmentOut)
@documents_errors(blp, 404)
def get_segment(segment_id):
    return segment_or_404(segment_id)


@blp.route("/segments/<int:segment_id>/count", methods=["GET"])
@requires("marketing.user")
@blp.response(200, CountOut)
@documents_errors(blp, 404, 409)
def segment_count(segment_id):
    segment = segment_or_404(segment_id)
    try:
        return {"count": count(db.session, segment)}
    except SegmentUnavailable as exc:
        conflict(exc.message())


@blp.route("/segments/<int:segment_id>/members", methods=["GET"])
@requires("marketing.user")
@blp.arguments(PageArgs, location="query")
@blp.response(200, MembersOut)
@documents_errors(blp, 404, 409)
def segment_members(args, segment_id):
    check_permission("customers.view")
    segment = segment_or_404(segment_id)
    try:
        return api_page(members_select(segment), [Customer.id], args)
    except SegmentUnavailable as exc:
        conflict(exc.message())


# -- campaigns --------------------------------------------------------------------------------------


@blp.route("/campaigns", methods=["POST"])
@requires("marketing.user")
@blp.arguments(CampaignIn)
@blp.response(201, CampaignOut)
@documents_errors(blp, 422)
def create_campaign_api(data):
    from plugins.marketing.campaigns import CampaignInputError, create_campaign

    try:
        campaign = create_campaign(data, owner_id=current_user.id)
    except CampaignInputError as exc:
        db.session.rollback()
        input_error(exc.errors)
    db.session.commit()
    return campaign


@blp.route("/campaigns", methods=["GET"])
@requires("marketing.user")
@blp.arguments(PageArgs, location="query")
@blp.response(200, CampaignPage)
def list_campaigns(args):
    """Newest first, keyset-paged (``limit``, ``cursor``: the last page's ``next_cursor``)."""
    return api_page(scoped(sa.select(Campaign), Campaign), [Campaign.id], args, descending=True)


@blp.route("/campaigns/<int:campaign_id>", methods=["GET"])
@requires("marketing.user")
@blp.response(200, CampaignOut)
@documents_errors(blp, 404)
def get_campaign(campaign_id):
    return campaign_or_404(campaign_id)


@blp.route("/campaigns/<int:campaign_id>/schedule", methods=["POST"])
@requires("marketing.user")
@blp.arguments(ScheduleIn)
@blp.response(200, CampaignOut)
@documents_errors(blp, 404, 409)
def schedule_campaign(data, campaign_id):
    from plugins.marketing.campaigns import schedule

    campaign = campaign_or_404(campaign_id)
    if not schedule(campaign, data["at"]):
        db.session.rollback()
        conflict(_("Only a draft or scheduled campaign can be scheduled."))
    db.session.commit()
    return campaign


@blp.route("/campaigns/<int:campaign_id>/send", methods=["POST"])
@requires("marketing.user")
@blp.response(202, CampaignOut)
@documents_errors(blp, 404, 409)
def send_campaign_api(campaign_id):
    from plugins.marketing.campaigns import start_sending
    from plugins.marketing.segments import missing_criteria

    campaign = campaign_or_404(campaign_id)
    if campaign.segment is None or missing_criteria(campaign.segment):
        conflict(_("The campaign's segment cannot be used now."))
    if not start_sending(campaign, current_user, expected=("draft", "scheduled", "paused")):
        db.session.rollback()
        conflict(_("The campaign is already being sent, finished or cancelled."))
    db.session.commit()
    return campaign


@blp.route("/campaigns/<int:campaign_id>/stats", methods=["GET"])
@requires("marketing.user")
@blp.response(200, StatsOut)
@documents_errors(blp, 404)
def campaign_stats(campaign_id):
    from plugins.marketing.campaigns import stats

    return stats(campaign_or_404(campaign_id).id).as_dict()


# -- surveys ----------------------------------------------------------------------------------------


class SurveyResultsOut(Schema):
    survey_id = fields.Integer()
    kind = fields.String(metadata={"description": "csat (1-5) or nps (0-10)"})
    invited = fields.Integer()
    answered = fields.Integer()
    average = fields.Float(allow_none=True)
    nps = fields.Integer(allow_none=True, metadata={"description": "% promoters (9-10) - % detractors (0-6)"})
    csat_percent = fields.Integer(allow_none=True, metadata={"description": "% of answers scoring 4 or 5"})
    promoters = fields.Integer()
    detractors = fields.Integer()
    trend = fields.List(fields.Dict(), metadata={"description": "[{month: 'YYYY-MM', value, answers}]"})


@blp.route("/surveys/<int:survey_id>/results", methods=["GET"])
@requires("marketing.user")
@blp.response(200, SurveyResultsOut)
@documents_errors(blp, 404)
def survey_results(survey_id):
    from plugins.marketing.models import Survey
    from plugins.marketing.surveys import results, trend

    survey = db.session.get(Survey, parse_id(survey_id) or 0)
    if survey is None:
        from flask_smorest import abort

        abort(404)
    out = results(survey.id)
    out.update(survey_id=survey.id, kind=survey.kind,
               trend=[{"month": m, "value": v, "answers": n} for m, v, n in trend(survey)])
    return out
