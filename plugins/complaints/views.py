"""Complaints pages: the lists (My complaints, the queue, at risk, breached, all), a new
complaint (from the customer page or a phone call in the history), the complaint with
its workflow, assignment and replies, statistics, and the public rating page. Settings
are in settings_pages.py, what templates call in template_helpers.py.

Every view checks a permission; complaints are reached through ``get_visible`` (404 for
another team's) and lists through ``visible``. Rules live in workflow.py / mail.py.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from core.auth.models import User
from core.db import db, utcnow
from core.security import public, requires, user_can
from core.security import visible as customer_visible
from core.web.pagination import BadCursor, keyset_page
from plugins.complaints import labels
from plugins.complaints.access import ALL, VIEW, get_visible, visible
from plugins.complaints.defaults import display_name
from plugins.complaints.forms import AssignForm, ComplaintForm, RatingForm, ReplyForm, TransitionForm
from plugins.complaints.models import (
    CHANNELS, STATES, Category, Complaint, ComplaintMessage, Escalation, RootCause, Severity, Team,
)
from plugins.complaints.sla import at_risk_clause, breached_clause
from plugins.complaints.workflow import (
    ACTION_LABELS, TRANSITIONS, ComplaintConflict, ComplaintInputError, assign, create_complaint, subject_for,
    subjects_for, transition,
)
from core.web.choices import select_choices

bp = Blueprint("complaints", __name__, url_prefix="/complaints", template_folder="templates", static_folder="static")

VIEWS = ("mine", "queue", "team", "at_risk", "breached", "all")


def _int_arg(name):
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2 ** 31 else None


def _choices(model, *, blank=None, order=None):
    rows = db.session.execute(sa.select(model).where(model.active.is_(True))
                              .order_by(*(order or (model.id,)))).scalars().all()
    out = [("", blank)] if blank is not None else []
    return out + [(str(r.id), display_name(r)) for r in rows]


def _team_choices(blank):
    return [("", blank)] + [(str(t.id), t.name) for t in db.session.execute(sa.select(Team).order_by(Team.name)).scalars()]


def _id(value):
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    return int(value) if value.isascii() and value.isdigit() and len(value) < 11 else -1


def _form_errors(form, exc: ComplaintInputError):
    for key, messages in exc.errors.items():
        field = getattr(form, key, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = field.errors = list(target)
        target.extend(str(m) for m in messages)


# -- lists -------------------------------------------------------------------------------------


@bp.get("/")
@requires(VIEW)
def index():
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    if view == "all" and not current_user.can(ALL):
        view = "team"
    now = utcnow()
    stmt = visible(sa.select(Complaint), current_user).options(
        # The assignee's name only: not their roles (User.roles is selectin, a query per page).
        joinedload(Complaint.customer), joinedload(Complaint.assignee).lazyload(User.roles))
    if view == "mine":
        stmt = stmt.where(Complaint.assignee_id == current_user.id, Complaint.is_open == sa.true())
    elif view == "queue":
        stmt = stmt.where(Complaint.assignee_id.is_(None), Complaint.is_open == sa.true())
    elif view == "team":
        stmt = stmt.where(Complaint.is_open == sa.true())
    elif view == "at_risk":
        stmt = stmt.where(at_risk_clause(now))
    elif view == "breached":
        stmt = stmt.where(breached_clause(now))
    state = request.args.get("state", "")
    if state in STATES:
        stmt = stmt.where(Complaint.state == state)
    category_id = _int_arg("category_id")
    if category_id:
        stmt = stmt.where(Complaint.category_id == category_id)
    customer_id = _int_arg("customer_id")
    if customer_id:
        stmt = stmt.where(Complaint.customer_id == customer_id)
    try:
        page = keyset_page(db.session, stmt, [Complaint.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    return render_template("complaints/index.html", page=page, view=view, views=VIEWS, now=now, states=STATES,
                           categories=_choices(Category, order=(Category.position, Category.id)))


# -- intake ------------------------------------------------------------------------------------


def _fill_choices(form: ComplaintForm, customer):
    form.category_id.choices = select_choices(_choices(Category, blank=_("Not classified"),
                                                       order=(Category.position, Category.id)))
    form.severity_id.choices = select_choices(_choices(Severity, order=(Severity.rank,)))
    form.team_id.choices = select_choices(_team_choices(_("Shared queue")))
    form.channel.choices = select_choices((c, labels.CHANNEL_LABELS[c]) for c in CHANNELS if c not in ("api", "portal"))
    form.about_ref.choices = select_choices([("", _("Nothing in particular"))] + _subject_choices(
        customer, form.about_ref.data if request.method == "POST" else None))


def _subject_choices(customer, chosen: str | None = None) -> list[tuple[str, str]]:
    """``(ref, label)`` of what a complaint of ``customer`` may be about (``complaint_subjects``):
    the newest 50, and ``chosen`` if it is an older one of theirs (a form sent back with errors)."""
    subjects = subjects_for(customer) if customer is not None else []
    if customer is not None and chosen and chosen not in {s["ref"] for s in subjects}:
        subjects += [s for s in [subject_for(customer, chosen)] if s]
    return [(s["ref"], " · ".join(str(p) for p in (s.get("group"), s["label"], s.get("detail")) if p))
            for s in subjects]


def _customer(customer_id):
    """The customer ``customer_id`` if the user may see them (``customers.view`` and record rules), else None."""
    from core.customers.models import Customer

    customer = db.session.get(Customer, customer_id) if customer_id and customer_id > 0 else None
    if customer is None or not user_can("customers.view") or not customer_visible(customer):
        return None
    return customer


@bp.get("/subjects")
@requires(VIEW)
def subjects():
    """JSON for the form's *About* list when another customer is picked (complaint_form.js): the
    same choices the page would render for that customer, under the page's checks (404 for a
    customer the user may not see)."""
    customer = _customer(_int_arg("customer_id"))
    if customer is None:
        abort(404)
    response = jsonify({"customer_id": customer.id,
                        "subjects": [{"ref": ref, "label": label} for ref, label in _subject_choices(customer)]})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@requires(VIEW)
def new():
    from core.customers.models import Customer
    from core.history.guards import can_see_entry
    from core.history.models import Interaction

    form = ComplaintForm()
    customer_id = _id(form.customer_id.data if request.method == "POST" else request.args.get("customer_id"))
    customer = _customer(customer_id)
    if request.method == "GET" and customer_id and customer is None:
        abort(404)  # a customer the user may not see: never their name nor their orders
    if request.method == "GET":
        form.customer_id.data = str(customer.id) if customer else ""
        call_id = _int_arg("interaction_id")
        if call_id:
            call = db.session.get(Interaction, call_id)
            if call is None or not can_see_entry(call, current_user) or call.channel != "phone":
                abort(404)
            customer = db.session.get(Customer, call.customer_id)
            form.customer_id.data = str(call.customer_id)
            form.interaction_id.data = str(call.id)
            form.channel.data = "phone"
            form.title.data = call.subject
            form.description.data = call.body
    _fill_choices(form, customer)
    valid = request.method == "POST" and form.validate_on_submit()
    if valid and customer is None:  # no such customer, or one the user may not see
        form.customer_id.errors = [_("Choose the customer.")]
    elif valid:
        data = {"customer_id": customer_id, "title": form.title.data, "description": form.description.data,
                "category_id": _id(form.category_id.data), "severity_id": _id(form.severity_id.data),
                "team_id": _id(form.team_id.data), "about_ref": form.about_ref.data or None,
                "product_id": _id(form.product_id.data), "interaction_id": _id(form.interaction_id.data)}
        channel = form.channel.data if form.channel.data in CHANNELS else "staff"
        try:
            complaint = create_complaint(data, user=current_user, channel=channel)
            db.session.commit()
            flash(_("Complaint %(ref)s opened.", ref=complaint.reference), "success")
            return redirect(url_for("complaints.detail", complaint_id=complaint.id))
        except ComplaintInputError as exc:
            db.session.rollback()
            _form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("complaints/form.html", form=form, customer=customer), status


# -- one complaint -----------------------------------------------------------------------------


def _detail_page(complaint, *, transition_form=None, assign_form=None, reply_form=None, status=200, open_form=None):
    from plugins.complaints.mail import canned_replies

    transition_form = transition_form or TransitionForm()
    transition_form.root_cause_id.choices = select_choices(_choices(RootCause, blank=""))
    assign_form = assign_form or AssignForm(team_id=str(complaint.team_id or ""),
                                            assignee_id=str(complaint.assignee_id or ""))
    assign_form.team_id.choices = select_choices(_team_choices(_("Shared queue")))
    reply_form = reply_form or ReplyForm()
    reply_form.template.choices = select_choices([("", _("Free text"))] + [(t.key, t.name) for t in canned_replies()])
    messages = db.session.execute(sa.select(ComplaintMessage).where(ComplaintMessage.complaint_id == complaint.id)
                                  .order_by(ComplaintMessage.id.desc()).limit(100)).scalars().all()
    escalations = db.session.execute(sa.select(Escalation).where(Escalation.complaint_id == complaint.id)
                                     .order_by(Escalation.id.desc()).limit(20)).scalars().all()
    actions = [a for a, (expected, _target) in TRANSITIONS.items() if complaint.state in expected]
    return render_template("complaints/detail.html", c=complaint, messages=messages, escalations=escalations,
                           actions=actions, action_labels=ACTION_LABELS, transition_form=transition_form,
                           assign_form=assign_form, reply_form=reply_form, now=utcnow(), open_form=open_form), status


@bp.get("/<int:complaint_id>")
@requires(VIEW)
def detail(complaint_id):
    return _detail_page(get_visible(complaint_id))


@bp.post("/<int:complaint_id>/<action>")
@requires(VIEW)
def step(complaint_id, action):
    if action not in TRANSITIONS:
        abort(404)
    complaint = get_visible(complaint_id)
    form = TransitionForm()
    form.root_cause_id.choices = select_choices(_choices(RootCause, blank=""))
    if not form.validate_on_submit():
        return _detail_page(complaint, transition_form=form, status=422, open_form=action)
    data = {"resolution": form.resolution.data, "root_cause_id": _id(form.root_cause_id.data),
            "corrective_action": form.corrective_action.data, "compensation_amount": form.compensation_amount.data,
            "compensation_credit": form.compensation_credit.data}
    try:
        transition(complaint, action, data, user=current_user)
        db.session.commit()
    except ComplaintInputError as exc:
        db.session.rollback()
        _form_errors(form, exc)
        return _detail_page(get_visible(complaint_id), transition_form=form, status=422, open_form=action)
    except ComplaintConflict:
        db.session.rollback()
        complaint = get_visible(complaint_id)
        flash(_("This complaint is now “%(state)s”: someone else changed it first.",
                state=labels.state_label(complaint.state)), "warning")
        return _detail_page(complaint, status=409)
    flash(_("Complaint %(ref)s: %(step)s.", ref=complaint.reference, step=labels.state_label(complaint.state)),
          "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.post("/<int:complaint_id>/assign")
@requires(VIEW)
def assign_view(complaint_id):
    complaint = get_visible(complaint_id)
    form = AssignForm()
    form.team_id.choices = select_choices(_team_choices(_("Shared queue")))
    if not form.validate_on_submit():
        return _detail_page(complaint, assign_form=form, status=422, open_form="assign")
    try:
        assign(complaint, team_id=_id(form.team_id.data), assignee_id=_id(form.assignee_id.data),
               user=current_user, round_robin=form.round_robin.data)
        db.session.commit()
    except ComplaintInputError as exc:
        db.session.rollback()
        _form_errors(form, exc)
        return _detail_page(get_visible(complaint_id), assign_form=form, status=422, open_form="assign")
    flash(_("Assignment saved."), "success")
    if not get_visible_or_none(complaint_id):
        return redirect(url_for("complaints.index"))
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


def get_visible_or_none(complaint_id):
    from plugins.complaints.access import can_see

    return can_see(db.session.get(Complaint, complaint_id))


@bp.post("/<int:complaint_id>/take")
@requires(VIEW)
def take(complaint_id):
    """Take a complaint from the queue: one conditional UPDATE, so two agents cannot both take it."""
    complaint = get_visible(complaint_id)
    from plugins.complaints.workflow import update_if

    if not update_if(complaint, Complaint.assignee_id.is_(None), assignee_id=current_user.id):
        db.session.rollback()
        flash(_("Someone else took this complaint first."), "warning")
        return redirect(url_for("complaints.detail", complaint_id=complaint_id)), 303
    from plugins.complaints import history

    history.log(complaint, "assigned", user=current_user, team=complaint.team.name if complaint.team else "",
                assignee=current_user.name or current_user.email)
    db.session.commit()
    flash(_("The complaint is yours."), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


@bp.post("/<int:complaint_id>/reply")
@requires(VIEW)
def reply_view(complaint_id):
    from plugins.complaints.mail import canned_replies, reply

    complaint = get_visible(complaint_id)
    form = ReplyForm()
    form.template.choices = select_choices([("", _("Free text"))] + [(t.key, t.name) for t in canned_replies()])
    if not form.validate_on_submit():
        return _detail_page(complaint, reply_form=form, status=422, open_form="reply")
    try:
        reply(complaint, body=form.body.data or "", subject=form.subject.data or "", template=form.template.data or None,
              user=current_user)
        db.session.commit()
    except ComplaintInputError as exc:
        db.session.rollback()
        _form_errors(form, exc)
        return _detail_page(get_visible(complaint_id), reply_form=form, status=422, open_form="reply")
    flash(_("Reply queued; it leaves through the outbox."), "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


# -- statistics --------------------------------------------------------------------------------


@bp.get("/stats")
@requires(ALL)
def stats():
    """The latest snapshot (refreshed by a job every 15 minutes), charts with tables of the same numbers."""
    from plugins.complaints.charts import stats_charts
    from plugins.complaints.stats import latest

    snapshot = latest()
    data = snapshot.data if snapshot else None
    return render_template("complaints/stats.html", s=data, as_of=snapshot.computed_at if snapshot else None,
                           charts=stats_charts(data) if data else {})


@bp.post("/stats/refresh")
@requires(ALL)
def stats_refresh():
    from core.jobs import start_job

    job = start_job("complaints.refresh_stats", {}, user=current_user)
    db.session.commit()
    return redirect(url_for("jobs.detail", job_id=job.id))


# -- the customer's rating (public, signed link) ------------------------------------------------


@bp.route("/rate/<token>", methods=["GET", "POST"])
@public
def rate(token):
    from plugins.complaints.satisfaction import complaint_for_token, store_rating

    complaint = complaint_for_token(token)
    if complaint is None:
        abort(404)
    form = RatingForm()
    if complaint.rating is not None:
        return render_template("complaints/rate.html", complaint=complaint, form=None, done=True)
    if request.method == "POST":
        if form.validate_on_submit():
            store_rating(complaint, form.rating.data, (form.comment.data or "").strip(), source="link")
            db.session.commit()
            return render_template("complaints/rate.html", complaint=complaint, form=None, done=True)
        return render_template("complaints/rate.html", complaint=complaint, form=form, done=False), 422
    return render_template("complaints/rate.html", complaint=complaint, form=form, done=False)


