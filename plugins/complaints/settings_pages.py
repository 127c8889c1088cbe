"""Complaints › Settings: the working calendar and intake address, holidays, SLA targets,
teams and their agents, categories, severities and root causes (``complaints.manage``).

Routes of the ``complaints`` blueprint (views.py); destructive ones are confirmed POSTs.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import db
from core.security import requires
from plugins.complaints.access import MANAGE
from plugins.complaints.forms import HolidayForm, MemberForm, NameForm, PolicyForm, SettingsForm, TeamForm
from plugins.complaints.models import Category, Holiday, RootCause, Settings, Severity, SlaPolicy, Team, TeamMember
from plugins.complaints.views import _choices, _id, bp
from core.web.choices import select_choices


def _settings_row() -> Settings:
    row = db.session.execute(sa.select(Settings).order_by(Settings.id).limit(1)).scalar()
    if row is None:
        row = Settings(timezone=current_app.config.get("TIMEZONE") or "UTC")
        db.session.add(row)
        db.session.flush()
    return row


def _settings_page(form=None, status=200, **forms):
    row = _settings_row()
    form = form or SettingsForm(timezone=row.timezone, day_start=row.day_start, day_end=row.day_end,
                                weekdays=[int(c) for c in row.weekdays if c.isdigit()],
                                intake_address=row.intake_address)
    policy_form = forms.get("policy_form") or PolicyForm()
    policy_form.category_id.choices = select_choices(_choices(Category, blank=_("Any category")))
    policy_form.severity_id.choices = select_choices(_choices(Severity, blank=_("Any severity"), order=(Severity.rank,)))
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


@bp.route("/settings", methods=["GET", "POST"])
@requires(MANAGE)
def settings():
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    valid = form.validate_on_submit()  # then the checks across fields, so every error shows at once
    start, end = form.day_start.data, form.day_end.data
    if start is not None and end is not None and end <= start:
        form.day_end.errors.append(_("The working day must end after it starts."))
    days = "".join(str(d) for d in sorted(set(form.weekdays.data or ())))
    if not days and not form.weekdays.errors:
        form.weekdays.errors.append(_("Tick at least one working day."))
    address = (form.intake_address.data or "").strip()
    if address and ("@" not in address or " " in address):
        form.intake_address.errors.append(_("Not a valid email address."))
    if valid and not any(f.errors for f in form):
        row = _settings_row()
        row.timezone, row.day_start, row.day_end = form.timezone.data, start, end
        row.weekdays, row.intake_address = days, address
        db.session.commit()
        g.pop("complaints_calendar", None)
        flash(_("Settings saved. New deadlines follow the new calendar."), "success")
        return redirect(url_for("complaints.settings"))
    return _settings_page(form, 422)


@bp.post("/settings/holidays")
@requires(MANAGE)
def holiday_add():
    form = HolidayForm()
    day = form.day.data if form.validate_on_submit() else None
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
    form.category_id.choices = select_choices(_choices(Category, blank=""))
    form.severity_id.choices = select_choices(_choices(Severity, blank=""))
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
        team.members.append(TeamMember(user=user))  # through the collection: the audit lists the agents
        db.session.commit()
    flash(_("Agent added to the team."), "success")
    return redirect(url_for("complaints.settings"))


@bp.post("/settings/teams/<int:team_id>/members/<int:user_id>/delete")
@requires(MANAGE)
def member_delete(team_id, user_id):
    row = db.session.get(TeamMember, (team_id, user_id)) or abort(404)
    row.team.members.remove(row)  # delete-orphan: the row goes, and the audit lists the agents left
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


