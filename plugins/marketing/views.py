"""Marketing pages: segments (rule editor with live count, members, static lists, export)
and campaigns (form, send, schedule, pause, resume, cancel, results). The pages a customer
reaches from a message (unsubscribe, click, open) are in :mod:`plugins.marketing.public`,
on the same blueprint so that they too answer 404 while the plugin is disabled.
"""
from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from core.customers.models import Customer
from core.db import db, parse_id
from core.l10n import format_number
from core.l10n.context import timezone, timezone_label
from core.l10n.fields import DateTimeField
from core.security import check_permission, requires, scoped, user_can
from core.web.pagination import BadCursor, keyset_page
from plugins.marketing import editor
from plugins.marketing.criteria import available_criteria
from plugins.marketing.models import CAMPAIGN_STATES, RULES, SEGMENT_KINDS, STATIC, Campaign, Recipient, Segment
from plugins.marketing.campaigns import campaign_or_404
from plugins.marketing.segments import (
    segment_or_404,
    SegmentInputError,
    SegmentUnavailable,
    add_members,
    clean_rules,
    count,
    count_rules,
    empty_rules,
    members_select,
    missing_criteria,
    remove_member,
    rules_members_select,
)

bp = Blueprint("marketing", __name__, url_prefix="/marketing", template_folder="templates",
               static_folder="static", static_url_path="/static")
PREVIEW = 10


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]






@bp.app_template_global()
def marketing_state_label(state):
    from plugins.marketing.campaigns import state_label

    return state_label(state)


@bp.app_template_global()
def marketing_skip_label(reason):
    from plugins.marketing.campaigns import skip_reason_label

    return skip_reason_label(reason)


# -- segments -------------------------------------------------------------------------------------


@bp.get("/segments")
@requires("marketing.user")
def segments():
    try:
        page = keyset_page(db.session, sa.select(Segment), [Segment.id], cursor=request.args.get("cursor"),
                           limit=_page_size(), descending=True)
    except BadCursor:
        abort(400)
    return render_template("marketing/segments.html", page=page)


def _param_labels(tree, criteria) -> dict:
    """Display labels of chosen products/users in the tree (for the pickers)."""
    from core.web.picker import lookup_for

    out = {}
    for path, node in editor.walk(tree):
        criterion = criteria.get(node.get("criterion")) if "criterion" in node else None
        for param in (criterion.params if criterion else ()):
            value = str((node.get("params") or {}).get(param.name) or "")
            if param.type in ("product", "user") and parse_id(value):
                lookup = lookup_for(param.type)
                item = lookup.label(parse_id(value)) if lookup else None
                out[f"{path}/{param.name}"] = item.label if item else value
    return out


def _editor_page(segment: Segment | None, status: int = 200, errors=None, tree=None, form=None):
    criteria = available_criteria()
    form = form or {}
    if tree is None:
        tree = (segment.rules if segment is not None and segment.rules else empty_rules())
    preview, live_count, problem = [], None, None
    kind = form.get("kind") or (segment.kind if segment else RULES)
    if kind == RULES:
        try:
            clean = clean_rules(tree, criteria)
            live_count = count_rules(db.session, clean)
            preview = db.session.execute(rules_members_select(clean).order_by(Customer.name_key, Customer.id)
                                         .limit(PREVIEW)).scalars().all()
        except SegmentInputError as exc:
            errors = errors if errors is not None else exc.errors
            if form.get("action") not in ("save",):
                errors = {}  # while editing, a half-filled criterion is not an error yet
                problem = _("Fill in every criterion to see the count.")
        except SegmentUnavailable as exc:
            problem = exc.message()
    missing = sorted({node.get("criterion") for _p, node in editor.walk(tree)
                      if "criterion" in node and node.get("criterion") not in criteria})
    return render_template(
        "marketing/segment_form.html", segment=segment, tree=tree, tree_json=json.dumps(tree), criteria=criteria,
        errors=errors or {}, live_count=live_count, preview=preview, problem=problem, missing=missing,
        form=form, kind=kind, kinds=SEGMENT_KINDS, labels=_param_labels(tree, criteria), walk=editor.walk,
    ), status


@bp.route("/segments/new", methods=["GET", "POST"])
@requires("marketing.user")
def segment_new():
    return _edit_segment(None)


@bp.route("/segments/<int:segment_id>/edit", methods=["GET", "POST"])
@requires("marketing.user")
def segment_edit(segment_id):
    return _edit_segment(segment_or_404(segment_id))


def _edit_segment(segment: Segment | None):
    if request.method == "GET":
        return _editor_page(segment, form={"name": segment.name if segment else "",
                                            "description": segment.description if segment else "",
                                            "kind": segment.kind if segment else RULES})
    form = request.form
    criteria = available_criteria()
    tree = editor.tree_from_form(form, criteria)
    action = form.get("action", "")
    if action != "save":
        tree = editor.apply_action(tree, action, form, criteria)
        return _editor_page(segment, tree=tree, form=form)
    errors = {}
    name = (form.get("name") or "").strip()
    if not name or len(name) > 200:
        errors["name"] = _("A name of 1 to 200 characters is required.")
    kind = form.get("kind") if form.get("kind") in SEGMENT_KINDS else None
    if kind is None:
        errors["kind"] = _("Either rules or a static list.")
    if segment is not None and kind != segment.kind:
        errors["kind"] = _("A segment keeps its kind; make a new one instead.")
    clean = None
    if kind == RULES:
        try:
            clean = clean_rules(tree, criteria)
        except SegmentInputError as exc:
            errors.update(exc.errors)
    if errors:
        return _editor_page(segment, 422, errors=errors, tree=tree, form=form)
    if segment is None:
        segment = Segment(created_by_id=current_user.id)
        db.session.add(segment)
    segment.name, segment.description, segment.kind = name, (form.get("description") or "")[:5000], kind
    segment.rules = clean if kind == RULES else None
    db.session.commit()
    flash(_("Segment saved."), "success")
    return redirect(url_for("marketing.segment", segment_id=segment.id))


@bp.post("/segments/count")
@requires("marketing.user")
def segment_count():
    """The live count for the editor's script: JSON ``{"count": n}`` or ``{"problem": "…"}``."""
    criteria = available_criteria()
    tree = editor.tree_from_form(request.form, criteria)
    try:
        number = count_rules(db.session, clean_rules(tree, criteria))
        # The count in the reader's digits: Flask-Babel's ngettext would put the bare int into %(num)s.
        text = get_translations().ngettext("%(num)s customer matches.", "%(num)s customers match.", number)
        return jsonify({"count": number, "text": text % {"num": format_number(number)}})
    except SegmentInputError:
        return jsonify({"problem": _("Fill in every criterion to see the count.")})
    except SegmentUnavailable as exc:
        return jsonify({"problem": exc.message()})


@bp.get("/segments/<int:segment_id>")
@requires("marketing.user")
def segment(segment_id):
    segment = segment_or_404(segment_id)
    missing = missing_criteria(segment)
    page, total = None, None
    if not missing:
        total = count(db.session, segment)
        try:
            page = keyset_page(db.session, members_select(segment), [Customer.name_key, Customer.id],
                               cursor=request.args.get("cursor"), limit=_page_size())
        except BadCursor:
            abort(400)
    return render_template("marketing/segment.html", segment=segment, missing=missing, page=page, total=total,
                           unavailable=SegmentUnavailable(missing).message() if missing else None)


@bp.post("/segments/<int:segment_id>/members")
@requires("marketing.user")
def segment_add_member(segment_id):
    segment = segment_or_404(segment_id)
    if segment.kind != STATIC:
        abort(404)
    check_permission("customers.view")
    raw = (request.form.get("customer_id") or "").strip()
    customer = db.session.get(Customer, parse_id(raw) or 0)
    if customer is None:
        flash(_("Choose a customer from the list."), "danger")
    elif add_members(db.session, segment, [customer.id]):
        db.session.commit()
        flash(_("%(name)s added to the list.", name=customer.name), "success")
    else:
        flash(_("%(name)s is already on the list.", name=customer.name), "info")
    return redirect(url_for("marketing.segment", segment_id=segment.id))


@bp.post("/segments/<int:segment_id>/members/<int:customer_id>/remove")
@requires("marketing.user")
def segment_remove_member(segment_id, customer_id):
    segment = segment_or_404(segment_id)
    if segment.kind != STATIC or not remove_member(db.session, segment, customer_id):
        abort(404)
    db.session.commit()
    flash(_("Removed from the list."), "success")
    return redirect(url_for("marketing.segment", segment_id=segment.id))


def _cell(text: str) -> str:
    """A name as a spreadsheet shows it, never as a formula (CSV injection: "=HYPERLINK(…)")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/segments/<int:segment_id>/export.csv")
@requires("marketing.user")
def segment_export(segment_id):
    """Members as CSV (id, name, email, phone, language), streamed in keyset batches."""
    segment = segment_or_404(segment_id)
    if missing_criteria(segment):
        abort(409)
    check_permission("customers.view")
    stmt = members_select(segment).options(sa.orm.selectinload(Customer.emails),
                                           sa.orm.selectinload(Customer.phones))
    app = current_app._get_current_object()

    def rows():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "name", "email", "phone", "language"])
        cursor = None
        with app.app_context():
            while True:
                page = keyset_page(db.session, stmt, [Customer.id], cursor=cursor, limit=1000)
                for c in page.items:
                    writer.writerow([c.id, _cell(c.name), c.primary_email or "", c.primary_phone or "",
                                     c.preferred_language or ""])
                yield out.getvalue()
                out.seek(0)
                out.truncate()
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
    filename = f"segment-{segment.id}.csv"
    return Response(rows(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- campaigns ------------------------------------------------------------------------------------


@bp.get("/")
@requires("marketing.user")
def campaigns():
    stmt = scoped(sa.select(Campaign), Campaign)
    state = request.args.get("state")
    if state in CAMPAIGN_STATES:
        stmt = stmt.where(Campaign.state == state)
    try:
        page = keyset_page(db.session, stmt, [Campaign.id], cursor=request.args.get("cursor"),
                           limit=_page_size(), descending=True)
    except BadCursor:
        abort(400)
    return render_template("marketing/campaigns.html", page=page, states=CAMPAIGN_STATES)


def _campaign_choices(channel=None):
    from core.messaging.models import MessageTemplate

    from plugins.marketing.models import Survey

    templates = db.session.execute(sa.select(MessageTemplate.key, MessageTemplate.name, MessageTemplate.channel)
                                   .order_by(MessageTemplate.name).limit(500)).all()
    surveys = db.session.execute(sa.select(Survey.id, Survey.name).where(Survey.active.is_(True))
                                 .order_by(Survey.name).limit(500)).all()
    return templates, surveys


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires("marketing.user")
def campaign_new():
    from plugins.marketing.campaigns import CampaignInputError, create_campaign

    errors, form = {}, request.form
    if request.method == "POST":
        try:
            campaign = create_campaign(form.to_dict(), owner_id=current_user.id)
        except CampaignInputError as exc:
            errors = exc.errors
        else:
            db.session.commit()
            flash(_("Campaign saved as a draft."), "success")
            return redirect(url_for("marketing.campaign", campaign_id=campaign.id))
    templates, surveys = _campaign_choices()
    raw = str(form.get("segment_id") or "")
    segment = db.session.get(Segment, parse_id(raw) or 0)
    return render_template("marketing/campaign_form.html", form=form, errors=errors, templates=templates,
                           surveys=surveys, segment_label=segment.name if segment else ""), (422 if errors else 200)


class ScheduleForm(FlaskForm):
    """When to send, typed in the user's own time zone and date form (stored as naive UTC)."""

    scheduled_at = DateTimeField(_l("Send at"), validators=[InputRequired()])


@bp.get("/campaigns/<int:campaign_id>")
@requires("marketing.user")
def campaign(campaign_id):
    return _campaign_page(campaign_or_404(campaign_id))


def _campaign_page(campaign, schedule_form=None, status=200):
    from plugins.marketing.campaigns import stats
    from plugins.marketing.charts import funnel

    figures = stats(campaign.id)
    preview, preview_error, preview_customer = None, None, None
    raw = request.args.get("preview_customer", "")
    if parse_id(raw) and user_can("customers.view"):
        from core.messaging import TemplateError
        from plugins.marketing.campaigns import preview as render_preview

        preview_customer = db.session.get(Customer, parse_id(raw))
        if preview_customer is not None:
            try:
                preview = render_preview(campaign, preview_customer)
            except TemplateError as exc:
                preview_error = str(exc)
    job = None
    if campaign.job_id:
        from core.jobs.models import Job

        job = db.session.get(Job, campaign.job_id)
    from plugins.marketing.sending import ab_rates

    ab = ab_rates(campaign.id, campaign.ab_metric) if campaign.ab_template_key else None
    from core.jobs.views import bar_class, bar_width, progress_text, status_class

    # The jobs page's own progress bar, redrawn in place by static/js/jobs.js while the job runs.
    return render_template("marketing/campaign.html", campaign=campaign, figures=figures, chart=funnel(figures),
                           preview=preview, preview_error=preview_error, preview_customer=preview_customer, job=job,
                           ab=ab, bar_class=bar_class, bar_width=bar_width, progress_text=progress_text,
                           status_class=status_class,
                           schedule_form=schedule_form or ScheduleForm(formdata=None,
                                                                       scheduled_at=campaign.scheduled_at),
                           zone=timezone_label(timezone().key)), status


@bp.post("/campaigns/<int:campaign_id>/winner")
@requires("marketing.user")
def campaign_winner(campaign_id):
    """End an A/B test now: the better variant goes to the rest."""
    from plugins.marketing.sending import pick_winner

    campaign = campaign_or_404(campaign_id)
    winner = pick_winner(campaign, current_user) if campaign.state == "testing" else None
    if winner is None:
        db.session.rollback()
        flash(_("The campaign changed meanwhile; nothing was done."), "warning")
        return redirect(url_for("marketing.campaign", campaign_id=campaign_id)), 409
    db.session.commit()
    flash(_("Variant %(v)s won; it is being sent to the rest.", v=winner.upper()), "success")
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/send")
@requires("marketing.user")
def campaign_send(campaign_id):
    return _campaign_action(campaign_id, "send")


@bp.post("/campaigns/<int:campaign_id>/pause")
@requires("marketing.user")
def campaign_pause(campaign_id):
    return _campaign_action(campaign_id, "pause")


@bp.post("/campaigns/<int:campaign_id>/resume")
@requires("marketing.user")
def campaign_resume(campaign_id):
    return _campaign_action(campaign_id, "resume")


@bp.post("/campaigns/<int:campaign_id>/cancel")
@requires("marketing.user")
def campaign_cancel(campaign_id):
    return _campaign_action(campaign_id, "cancel")


def _campaign_action(campaign_id, action):
    from plugins.marketing import campaigns as service
    from plugins.marketing.segments import missing_criteria as missing

    campaign = campaign_or_404(campaign_id)
    if action in ("send", "resume"):
        if campaign.segment is None or missing(campaign.segment):
            flash(_("The campaign's segment cannot be used now."), "danger")
            return redirect(url_for("marketing.campaign", campaign_id=campaign.id)), 409
        expected = ("draft", "scheduled") if action == "send" else ("paused",)
        won = service.start_sending(campaign, current_user, expected=expected)
    elif action == "pause":
        won = service.pause(campaign)
    else:
        won = service.cancel(campaign)
    if not won:
        db.session.rollback()
        flash(_("The campaign changed meanwhile; nothing was done."), "warning")
        return redirect(url_for("marketing.campaign", campaign_id=campaign_id)), 409
    db.session.commit()
    flash({"send": _("Sending started."), "resume": _("Sending resumed."), "pause": _("Sending paused."),
           "cancel": _("Campaign cancelled.")}[action], "success")
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/schedule")
@requires("marketing.user")
def campaign_schedule(campaign_id):
    from plugins.marketing.campaigns import schedule

    campaign = campaign_or_404(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _campaign_page(campaign, schedule_form=form, status=422)
    if not schedule(campaign, form.scheduled_at.data):
        db.session.rollback()
        flash(_("The campaign changed meanwhile; nothing was done."), "warning")
        return redirect(url_for("marketing.campaign", campaign_id=campaign_id)), 409
    db.session.commit()
    flash(_("Campaign scheduled."), "success")
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/test")
@requires("marketing.user")
def campaign_test(campaign_id):
    from core.messaging import MessageInputError, TemplateError
    from plugins.marketing.campaigns import CampaignInputError, test_send

    campaign = campaign_or_404(campaign_id)
    raw = request.form.get("preview_customer", "")
    customer = db.session.get(Customer, parse_id(raw)) if parse_id(raw) and user_can("customers.view") else None
    try:
        test_send(campaign, current_user, customer)
    except (MessageInputError, CampaignInputError) as exc:
        db.session.rollback()
        flash("; ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
    except TemplateError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(_("A test message is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("marketing.campaign", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/recipients")
@requires("marketing.user")
def campaign_recipients(campaign_id):
    campaign = campaign_or_404(campaign_id)
    stmt = sa.select(Recipient).where(Recipient.campaign_id == campaign.id).options(
        sa.orm.joinedload(Recipient.customer))
    status = request.args.get("status")
    if status in ("pending", "queued", "skipped"):
        stmt = stmt.where(Recipient.status == status)
    try:
        page = keyset_page(db.session, stmt, [Recipient.id], cursor=request.args.get("cursor"), limit=_page_size())
    except BadCursor:
        abort(400)
    return render_template("marketing/recipients.html", campaign=campaign, page=page)


from plugins.marketing import public, survey_views  # noqa: E402,F401  (more routes on bp)
