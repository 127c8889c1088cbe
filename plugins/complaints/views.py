"""Complaints pages: the lists (My complaints, the queue, at risk, breached, all), a new
complaint (from the customer page or a phone call in the history), the complaint with
its workflow, assignment and replies, statistics, settings, and the public rating page.

Every view checks a permission; complaints are reached through ``get_visible`` (404 for
another team's) and lists through ``visible``. Rules live in workflow.py / mail.py.
"""
from __future__ import annotations

from datetime import date, time

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from core.db import db, utcnow
from core.security import public, requires
from core.web.pagination import BadCursor, keyset_page
from plugins.complaints import labels
from plugins.complaints.access import ALL, MANAGE, VIEW, get_visible, visible
from plugins.complaints.defaults import display_name
from plugins.complaints.forms import (
    AssignForm, ComplaintForm, HolidayForm, MemberForm, NameForm, PolicyForm, RatingForm, ReplyForm, SettingsForm,
    TeamForm, TransitionForm,
)
from plugins.complaints.models import (
    CHANNELS, OPEN_STATES, STATES, Category, Complaint, ComplaintMessage, Escalation, Holiday, RootCause, Settings,
    Severity, SlaPolicy, Team, TeamMember,
)
from plugins.complaints.sla import at_risk_clause, breached_clause, sla_status
from plugins.complaints.workflow import (
    ACTION_LABELS, TRANSITIONS, ComplaintConflict, ComplaintInputError, assign, create_complaint, subjects_for,
    transition,
)

bp = Blueprint("complaints", __name__, url_prefix="/complaints", template_folder="templates")

VIEWS = ("mine", "queue", "team", "at_risk", "breached", "all")


@bp.app_template_global()
def complaint_state_label(state):
    return labels.state_label(state)


@bp.app_template_global()
def complaint_sla(complaint, now=None):
    return sla_status(complaint, now)


@bp.app_template_global()
def complaints_name(row):
    return display_name(row)


@bp.app_template_global()
def complaint_labels():
    return labels


@bp.app_template_global()
def complaint_words():
    """States, SLA statuses and badge classes as plain strings, translated once per request
    (a list of 50 complaints would otherwise translate the same words 50 times)."""
    if "complaint_words" not in g:
        g.complaint_words = {
            "state": {s: labels.state_label(s) for s in STATES},
            "sla": {k: str(v) for k, v in labels.SLA_LABELS.items()},
            "state_badge": labels.STATE_BADGES, "sla_badge": labels.SLA_BADGES,
            "severity": {r.id: display_name(r) for r in db.session.execute(sa.select(Severity)).scalars()},
        }
    return g.complaint_words


@bp.app_template_global()
def complaint_about_url(complaint):
    """The page of what the complaint is about (``about_ref`` = ``"<endpoint>:<arg>=<id>"``), or
    None while the plugin that owns it is disabled."""
    from core.web.nav import record_url

    endpoint, _sep, arg = (complaint.about_ref or "").partition(":")
    name, _sep, value = arg.partition("=")
    if not (endpoint and name.isidentifier() and value.isascii() and value.isdigit()):
        return None
    return record_url(endpoint, **{name: int(value)})


@bp.app_template_global()
def complaint_when(value):
    """A stored (naive UTC) time in the business calendar's time zone, with the zone's abbreviation."""
    from datetime import timezone as tz

    from plugins.complaints.calendar import load_calendar

    if value is None:
        return ""
    local = value.replace(tzinfo=tz.utc).astimezone(load_calendar().tz)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


@bp.app_template_filter()
def complaint_stat_name(row):
    from plugins.complaints.charts import name_of

    return name_of(row)


@bp.app_template_global()
def complaint_duration(seconds):
    if seconds is None:
        return "—"
    hours = "%.1f" % (seconds / 3600)
    return _("%(n)s h", n=hours)


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
        joinedload(Complaint.customer), joinedload(Complaint.assignee))
    if view == "mine":
        stmt = stmt.where(Complaint.assignee_id == current_user.id, Complaint.state.in_(OPEN_STATES))
    elif view == "queue":
        stmt = stmt.where(Complaint.assignee_id.is_(None), Complaint.state.in_(OPEN_STATES))
    elif view == "team":
        stmt = stmt.where(Complaint.state.in_(OPEN_STATES))
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
    form.category_id.choices = _choices(Category, blank=_("Not classified"), order=(Category.position, Category.id))
    form.severity_id.choices = _choices(Severity, order=(Severity.rank,))
    form.team_id.choices = _team_choices(_("Shared queue"))
    form.channel.choices = [(c, labels.CHANNEL_LABELS[c]) for c in CHANNELS if c not in ("api", "portal")]
    subjects = subjects_for(customer) if customer is not None else []
    form.about_ref.choices = [("", _("Nothing in particular"))] + [
        (s["ref"], " · ".join(str(p) for p in (s.get("group"), s["label"], s.get("detail")) if p)) for s in subjects]


@bp.route("/new", methods=["GET", "POST"])
@requires(VIEW)
def new():
    from core.customers.models import Customer
    from core.history.guards import can_see_entry
    from core.history.models import Interaction

    form = ComplaintForm()
    customer_id = _id(form.customer_id.data if request.method == "POST" else request.args.get("customer_id"))
    customer = db.session.get(Customer, customer_id) if customer_id and customer_id > 0 else None
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
    if request.method == "POST" and form.validate_on_submit():
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
    transition_form.root_cause_id.choices = _choices(RootCause, blank="")
    assign_form = assign_form or AssignForm(team_id=str(complaint.team_id or ""),
                                            assignee_id=str(complaint.assignee_id or ""))
    assign_form.team_id.choices = _team_choices(_("Shared queue"))
    reply_form = reply_form or ReplyForm()
    reply_form.template.choices = [("", _("Free text"))] + [(t.key, t.name) for t in canned_replies()]
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
    form.root_cause_id.choices = _choices(RootCause, blank="")
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
    form.team_id.choices = _team_choices(_("Shared queue"))
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
    won = db.session.execute(sa.update(Complaint).where(Complaint.id == complaint.id, Complaint.assignee_id.is_(None))
                             .values(assignee_id=current_user.id, version=Complaint.version + 1)
                             .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        flash(_("Someone else took this complaint first."), "warning")
        return redirect(url_for("complaints.detail", complaint_id=complaint_id)), 303
    db.session.refresh(complaint)
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
    form.template.choices = [("", _("Free text"))] + [(t.key, t.name) for t in canned_replies()]
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


# -- settings ----------------------------------------------------------------------------------


def _settings_row() -> Settings:
    row = db.session.execute(sa.select(Settings).order_by(Settings.id).limit(1)).scalar()
    if row is None:
        row = Settings(timezone=current_app.config.get("TIMEZONE") or "UTC")
        db.session.add(row)
        db.session.flush()
    return row


def _settings_page(form=None, status=200, **forms):
    row = _settings_row()
    form = form or SettingsForm(obj=row, day_start=row.day_start.strftime("%H:%M"),
                                day_end=row.day_end.strftime("%H:%M"))
    policy_form = forms.get("policy_form") or PolicyForm()
    policy_form.category_id.choices = _choices(Category, blank=_("Any category"))
    policy_form.severity_id.choices = _choices(Severity, blank=_("Any severity"), order=(Severity.rank,))
    ctx = {
        "form": form, "policy_form": policy_form,
        "holiday_form": forms.get("holiday_form") or HolidayForm(),
        "team_form": forms.get("team_form") or TeamForm(), "member_form": MemberForm(),
        "name_form": forms.get("name_form") or NameForm(),
        "holidays": db.session.execute(sa.select(Holiday).order_by(Holiday.day).limit(200)).scalars().all(),
        "policies": db.session.execute(sa.select(SlaPolicy).order_by(SlaPolicy.id)).scalars().all(),
        "teams": db.session.execute(sa.select(Team).order_by(Team.name)).scalars().all(),
        "categories": db.session.execute(sa.select(Category).order_by(Category.position, Category.id)).scalars().all(),
        "severities": db.session.execute(sa.select(Severity).order_by(Severity.rank)).scalars().all(),
        "root_causes": db.session.execute(sa.select(RootCause).order_by(RootCause.id)).scalars().all(),
    }
    return render_template("complaints/settings.html", **ctx), status


def _parse_time(text: str) -> time | None:
    try:
        return time.fromisoformat((text or "").strip())
    except ValueError:
        return None


@bp.route("/settings", methods=["GET", "POST"])
@requires(MANAGE)
def settings():
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    if form.validate_on_submit():
        start, end = _parse_time(form.day_start.data), _parse_time(form.day_end.data)
        try:
            ZoneInfo(form.timezone.data.strip())
        except (ZoneInfoNotFoundError, ValueError):
            form.timezone.errors.append(_("Not a known time zone."))
        if start is None or end is None or end <= start:
            form.day_end.errors.append(_("The working day must end after it starts."))
        days = form.weekdays.data.strip()
        if not days or any(c not in "1234567" for c in days):
            form.weekdays.errors.append(_("Use the digits 1 to 7."))
        address = (form.intake_address.data or "").strip()
        if address and ("@" not in address or " " in address):
            form.intake_address.errors.append(_("Not a valid email address."))
        if not any(f.errors for f in form):
            row = _settings_row()
            row.timezone, row.day_start, row.day_end = form.timezone.data.strip(), start, end
            row.weekdays, row.intake_address = "".join(sorted(set(days))), address
            db.session.commit()
            g.pop("complaints_calendar", None)
            flash(_("Settings saved. New deadlines follow the new calendar."), "success")
            return redirect(url_for("complaints.settings"))
    return _settings_page(form, 422)


@bp.post("/settings/holidays")
@requires(MANAGE)
def holiday_add():
    form = HolidayForm()
    day = None
    if form.validate_on_submit():
        try:
            day = date.fromisoformat(form.day.data.strip())
        except ValueError:
            form.day.errors.append(_("Not a valid date."))
    if day is None:
        return _settings_page(holiday_form=form, status=422)
    if db.session.execute(sa.select(Holiday.id).where(Holiday.day == day)).scalar() is None:
        db.session.add(Holiday(day=day, name=(form.name.data or "").strip()))
        db.session.commit()
    flash(_("Holiday saved."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/holidays/<int:holiday_id>/delete")
@requires(MANAGE)
def holiday_delete(holiday_id):
    row = db.session.get(Holiday, holiday_id) or abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("Holiday removed."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/policies")
@requires(MANAGE)
def policy_save():
    form = PolicyForm()
    form.category_id.choices = _choices(Category, blank="")
    form.severity_id.choices = _choices(Severity, blank="")
    if not form.validate_on_submit():
        return _settings_page(policy_form=form, status=422)
    category_id, severity_id = _id(form.category_id.data), _id(form.severity_id.data)
    if (category_id and db.session.get(Category, category_id) is None) or (
            severity_id and db.session.get(Severity, severity_id) is None):
        abort(404)
    policy = db.session.execute(sa.select(SlaPolicy).where(
        SlaPolicy.category_id.is_(None) if category_id is None else SlaPolicy.category_id == category_id,
        SlaPolicy.severity_id.is_(None) if severity_id is None else SlaPolicy.severity_id == severity_id)).scalar()
    if policy is None:
        policy = SlaPolicy(category_id=category_id, severity_id=severity_id)
        db.session.add(policy)
    policy.first_response_hours, policy.resolution_hours = form.first_response_hours.data, form.resolution_hours.data
    policy.raise_severity, policy.reassign_to_manager = form.raise_severity.data, form.reassign_to_manager.data
    db.session.commit()
    flash(_("SLA target saved; it applies to complaints opened from now on."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/policies/<int:policy_id>/delete")
@requires(MANAGE)
def policy_delete(policy_id):
    row = db.session.get(SlaPolicy, policy_id) or abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("SLA target removed."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/teams")
@requires(MANAGE)
def team_add():
    from core.auth.models import User

    form = TeamForm()
    if not form.validate_on_submit():
        return _settings_page(team_form=form, status=422)
    manager_id = _id(form.manager_id.data)
    if manager_id and db.session.get(User, manager_id) is None:
        abort(404)
    name = form.name.data.strip()
    if db.session.execute(sa.select(Team.id).where(Team.name == name)).scalar() is not None:
        form.name.errors.append(_("A team of that name exists."))
        return _settings_page(team_form=form, status=422)
    db.session.add(Team(name=name, manager_id=manager_id, round_robin=form.round_robin.data))
    db.session.commit()
    flash(_("Team saved."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/teams/<int:team_id>/members")
@requires(MANAGE)
def member_add(team_id):
    from core.auth.models import User

    team = db.session.get(Team, team_id) or abort(404)
    form = MemberForm()
    user_id = _id(form.user_id.data) if form.validate_on_submit() else None
    user = db.session.get(User, user_id) if user_id and user_id > 0 else None
    if user is None:
        flash(_("Choose an agent."), "danger")
        return redirect(url_for("complaints.settings"))
    if db.session.get(TeamMember, (team.id, user.id)) is None:
        db.session.add(TeamMember(team_id=team.id, user_id=user.id))
        db.session.commit()
    flash(_("Agent added to the team."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/teams/<int:team_id>/members/<int:user_id>/delete")
@requires(MANAGE)
def member_delete(team_id, user_id):
    row = db.session.get(TeamMember, (team_id, user_id)) or abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(_("Agent removed from the team."), "success")
    return redirect(url_for("complaints.settings"))


NAMED = {"category": Category, "severity": Severity, "root_cause": RootCause}


@bp.post("/settings/names")
@requires(MANAGE)
def name_add():
    form = NameForm()
    model = NAMED.get(form.kind.data or "")
    if model is None:
        abort(404)
    if not form.validate_on_submit():
        return _settings_page(name_form=form, status=422)
    row = model(name=form.name.data.strip())
    if model is Severity:
        top = db.session.execute(sa.select(sa.func.max(Severity.rank))).scalar() or 0
        row.rank = top + 1
    db.session.add(row)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/names/<kind>/<int:row_id>/toggle")
@requires(MANAGE)
def name_toggle(kind, row_id):
    if kind not in NAMED:
        abort(404)
    row = db.session.get(NAMED[kind], row_id) or abort(404)
    row.active = not row.active
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("complaints.settings"))


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
            store_rating(complaint, form.rating.data, (form.comment.data or "").strip())
            db.session.commit()
            return render_template("complaints/rate.html", complaint=complaint, form=None, done=True)
        return render_template("complaints/rate.html", complaint=complaint, form=form, done=False), 422
    return render_template("complaints/rate.html", complaint=complaint, form=form, done=False)


