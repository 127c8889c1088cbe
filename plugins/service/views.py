"""Service pages: equipment, warranties, requests, maintenance, reliability.

Technicians (``service.technician``) see all equipment and the requests assigned
to them (record rule on ``ServiceRequest.technician_id``); managers see everything
and alone may sell warranties, manage plans, assign work and override coverage.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, load_only, selectinload
from markupsafe import Markup
from werkzeug.routing import BuildError

from core.auth.models import User
from core.catalog.models import PRODUCT, Product
from core.customers.models import Customer
from core.db import db
from core.l10n import format_date, format_number, local_today
from core.security import check_permission, ensure_visible, requires, scoped
from core.web.pagination import BadCursor, cursor_of, keyset_page
from plugins.service import forms as f
from plugins.service import service as svc
from plugins.service.coverage import covered_amounts
from plugins.service.models import (
    CANCELLED, CLOSED, EQUIPMENT_STATUSES, OPEN_STATUSES, REQUEST_STATUSES, SCHEDULED, Equipment,
    MaintenancePlan, RequestPhoto, ServiceRequest, Visit, Warranty,
)
from core.l10n import local_today
from core.web.choices import select_choices

bp = Blueprint("service", __name__, url_prefix="/service", template_folder="templates")

TECH, MANAGER = "service.technician", "service.manager"
MAX_CHOICES = 500


@bp.app_template_global("service_labels")
def service_labels():
    return {"status": svc.status_label, "decision": svc.decision_label, "outcome": svc.outcome_label,
            "equipment": svc.equipment_status_label,
            "category": dict(f.category_choices()), "priority": dict(f.priority_choices()),
            "channel": dict(f.channel_choices())}


@bp.app_template_global("service_customer_url")
def service_customer_url(customer_id: int) -> str | None:
    """Link to the core's customer page when it exists (its endpoint name is the core's to choose)."""
    for endpoint in ("customers.detail", "customers.show", "customers.view", "customers.customer"):
        try:
            return url_for(endpoint, customer_id=customer_id)
        except BuildError:
            continue
    return None


# -- helpers ------------------------------------------------------------------------------------


def _page_size() -> int:
    return current_app.config.get("PAGE_SIZE", 50)


def _page(stmt, columns, *, descending=False, convert=None):
    try:
        return keyset_page(db.session, stmt, columns, cursor=request.args.get("cursor"), limit=_page_size(),
                           descending=descending, convert=convert)
    except BadCursor:
        abort(400)


def _apply_errors(form, exc: svc.ServiceInputError) -> None:
    for name, messages in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


def technicians() -> list[User]:
    """Active users who can do service work (admins included), by name."""
    users = db.session.execute(sa.select(User).where(User.active.is_(True)).limit(2000)).scalars()
    return sorted((u for u in users if u.can(TECH)), key=lambda u: u.display_name.lower())


def _tech_choices(blank=None):
    return select_choices([("", blank or _("— unassigned —"))] + [(str(u.id), u.display_name) for u in technicians()])


def _equipment_or_404(equipment_id: int) -> Equipment:
    return ensure_visible(db.session.get(Equipment, equipment_id))


def _request_or_404(request_id: int) -> ServiceRequest:
    return ensure_visible(db.session.get(ServiceRequest, request_id))


# -- equipment ------------------------------------------------------------------------------------


@bp.get("/equipment")
@requires(TECH)
def equipment_list():
    """The installed base: filter by serial (prefix), status or customer."""
    # Only the columns the list shows (issue 17), not whole units, customers, models and warranties.
    stmt = sa.select(Equipment).options(
        load_only(Equipment.customer_id, Equipment.product_id, Equipment.model_name, Equipment.serial,
                  Equipment.install_date, Equipment.status),
        joinedload(Equipment.customer).load_only(Customer.name), joinedload(Equipment.product).load_only(Product.name),
        selectinload(Equipment.warranties).load_only(Warranty.equipment_id, Warranty.end_date))
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    customer_id = request.args.get("customer_id", type=int)
    if q:
        stmt = stmt.where(Equipment.serial_key.startswith(svc.fold_serial(q), autoescape=True))
    if status in EQUIPMENT_STATUSES:
        stmt = stmt.where(Equipment.status == status)
    customer = None
    if customer_id:
        customer = db.session.get(Customer, customer_id)
        stmt = stmt.where(Equipment.customer_id == customer_id)
    page = _page(stmt, [Equipment.id], descending=True)
    return render_template("service/equipment_list.html", page=page, q=q, status=status, customer=customer,
                           statuses=EQUIPMENT_STATUSES, today=local_today())


@bp.route("/equipment/new", methods=["GET", "POST"])
@requires(TECH)
def equipment_new():
    form = f.EquipmentForm(customer_id=request.args.get("customer_id", type=int))
    if form.validate_on_submit():
        try:
            eq = svc.create_equipment(
                customer_id=form.customer_id.data, product_id=form.product_id.data, model_name=form.model_name.data,
                serial=form.serial.data, purchase_date=form.purchase_date.data,
                install_date=form.install_date.data, location=form.location.data, status=form.status.data,
                notes=form.notes.data, user_id=current_user.id)
            db.session.commit()
            flash(_("Equipment registered."), "success")
            return redirect(url_for("service.equipment", equipment_id=eq.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("service/equipment_form.html", form=form, equipment=None), status


@bp.route("/equipment/<int:equipment_id>/edit", methods=["GET", "POST"])
@requires(TECH)
def equipment_edit(equipment_id: int):
    eq = _equipment_or_404(equipment_id)
    form = f.EquipmentForm(obj=eq)
    if request.method == "GET" and eq.product_id:
        form.model_name.data = ""
    if form.validate_on_submit():
        try:
            svc.update_equipment(eq, {k: getattr(form, k).data for k in svc.EQUIPMENT_FIELDS}, user_id=current_user.id)
            db.session.commit()
            flash(_("Equipment saved."), "success")
            return redirect(url_for("service.equipment", equipment_id=eq.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            eq = _equipment_or_404(equipment_id)
            _apply_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("service/equipment_form.html", form=form, equipment=eq), status


def equipment_timeline(eq: Equipment) -> list[dict]:
    """Warranties, requests (those the user may see), visits and swaps in one list, newest first."""
    items = []
    for w in eq.warranties:
        items.append({"day": w.start_date, "kind": "warranty", "title": _("%(kind)s starts", kind=_kind_label(w.kind)),
                      "detail": _("%(start)s – %(end)s, covers %(terms)s", start=format_date(w.start_date),
                                  end=format_date(w.end_date), terms=_terms_label(w.terms)), "url": None})
        if w.end_date <= local_today():
            items.append({"day": w.end_date, "kind": "warranty_end", "title": _("%(kind)s ends", kind=_kind_label(w.kind)),
                          "detail": "", "url": None})
    reqs = db.session.execute(scoped(sa.select(ServiceRequest), ServiceRequest)
                              .where(ServiceRequest.equipment_id == eq.id).order_by(ServiceRequest.id.desc())
                              .limit(200)).scalars()
    for r in reqs:
        covered, billable = covered_amounts(r)
        detail = f"{svc.status_label(r.status)} · {svc.decision_label(r.decision)}"
        if r.replacement_serial:
            detail += " · " + _("swapped %(a)s → %(b)s", a=r.faulty_serial or "?", b=r.replacement_serial)
        items.append({"day": r.reported_on, "kind": "request", "title": f"{r.number}: {r.problem[:120]}",
                      "detail": detail, "url": url_for("service.request_detail", request_id=r.id)})
    visits = db.session.execute(sa.select(Visit).where(Visit.equipment_id == eq.id)
                                .order_by(Visit.due_date.desc()).limit(200)).scalars()
    for v in visits:
        title = _("Maintenance visit") if v.plan_id else pgettext("maintenance", "Visit")
        detail = svc.outcome_label(v.outcome) if v.status == "done" else (
            _("scheduled") if v.status == SCHEDULED else _("cancelled"))
        items.append({"day": v.done_on or v.due_date, "kind": "visit", "title": title, "detail": detail,
                      "url": url_for("service.visit_detail", visit_id=v.id)})
    if eq.install_date:
        items.append({"day": eq.install_date, "kind": "install", "title": _("Installed"), "detail": eq.location,
                      "url": None})
    if eq.purchase_date:
        detail = _("order %(n)s", n=eq.order_number) if eq.order_number else ""
        items.append({"day": eq.purchase_date, "kind": "purchase", "title": _("Purchased"), "detail": detail,
                      "url": None})
    if eq.retired_on:
        items.append({"day": eq.retired_on, "kind": "retired", "title": _("Retired"), "detail": "", "url": None})
    order = {"retired": 0, "warranty_end": 1, "visit": 2, "request": 3, "warranty": 4, "install": 5, "purchase": 6}
    return sorted(items, key=lambda i: (i["day"], -order[i["kind"]]), reverse=True)


def _kind_label(kind):
    return {"standard": _("Standard warranty"), "extended": _("Extended warranty"),
            "contract": _("Service contract")}.get(kind, kind)


def _terms_label(terms):
    return {"both": _("parts and labour"), "parts": _("parts"), "labour": _("labour")}.get(terms, terms)


@bp.app_template_global("service_kind_label")
def service_kind_label(kind):
    return _kind_label(kind)


@bp.app_template_global("service_terms_label")
def service_terms_label(terms):
    return _terms_label(terms)


@bp.get("/equipment/<int:equipment_id>")
@requires(TECH)
def equipment(equipment_id: int):
    eq = _equipment_or_404(equipment_id)
    visit_form = f.VisitForm(due_date=local_today() + timedelta(days=7))
    return render_template("service/equipment.html", eq=eq, timeline=equipment_timeline(eq), today=local_today(),
                           visit_form=visit_form)


@bp.post("/equipment/<int:equipment_id>/visits")
@requires(TECH)
def visit_new(equipment_id: int):
    eq = _equipment_or_404(equipment_id)
    form = f.VisitForm()
    if form.validate_on_submit():
        try:
            visit = svc.schedule_visit(eq, due_date=form.due_date.data, notes=form.notes.data)
            db.session.commit()
            flash(_("Visit scheduled."), "success")
            return redirect(url_for("service.visit_detail", visit_id=visit.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            eq = _equipment_or_404(equipment_id)
            _apply_errors(form, exc)
    return render_template("service/equipment.html", eq=eq, timeline=equipment_timeline(eq), today=local_today(),
                           visit_form=form), 422


# -- warranties -----------------------------------------------------------------------------------


@bp.route("/equipment/<int:equipment_id>/warranties/new", methods=["GET", "POST"])
@requires(MANAGER)
def warranty_new(equipment_id: int):
    """Extend a warranty or sell a service contract by hand."""
    eq = _equipment_or_404(equipment_id)
    last_end = max((w.end_date for w in eq.warranties), default=None)
    start = last_end + timedelta(days=1) if last_end and last_end >= local_today() else local_today()
    form = f.WarrantyForm(start_date=start)
    if form.validate_on_submit():
        try:
            svc.add_warranty(eq, kind=form.kind.data, terms=form.terms.data, start_date=form.start_date.data,
                             end_date=form.end_date.data, months=form.months.data,
                             visits_per_year=form.visits_per_year.data or 0, price=form.price.data,
                             notes=form.notes.data, user_id=current_user.id)
            db.session.commit()
            flash(_("Warranty saved."), "success")
            return redirect(url_for("service.equipment", equipment_id=eq.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            eq = _equipment_or_404(equipment_id)
            _apply_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("service/warranty_form.html", form=form, eq=eq), status


@bp.get("/warranties/ending")
@requires(TECH)
def warranties_ending():
    """Warranties ending in the next N days, soonest first: the renewal offers to make."""
    days = min(max(request.args.get("days", default=60, type=int), 1), 3650)
    today = local_today()
    stmt = (sa.select(Warranty).join(Equipment)
            .options(joinedload(Warranty.equipment).joinedload(Equipment.customer),
                     joinedload(Warranty.equipment).joinedload(Equipment.product))
            .where(Warranty.end_date >= today, Warranty.end_date <= today + timedelta(days=days),
                   Equipment.status != "retired"))
    page = _page(stmt, [Warranty.end_date, Warranty.id], convert=cursor_of("date", "id"))
    return render_template("service/warranties_ending.html", page=page, days=days, today=today)


# -- requests -------------------------------------------------------------------------------------


@bp.get("/")
@requires(TECH)
def index():
    """Service requests: the work queue, and the service area's home page."""
    status = request.args.get("status") or "open"
    stmt = scoped(sa.select(ServiceRequest), ServiceRequest).options(
        joinedload(ServiceRequest.customer), joinedload(ServiceRequest.technician).lazyload(User.roles),
        joinedload(ServiceRequest.equipment).joinedload(Equipment.product))
    if status == "open":
        stmt = stmt.where(ServiceRequest.status.in_(OPEN_STATUSES))
    elif status in REQUEST_STATUSES:
        stmt = stmt.where(ServiceRequest.status == status)
    else:
        status = "all"
    mine = request.args.get("mine") == "1"
    if mine:
        stmt = stmt.where(ServiceRequest.technician_id == current_user.id)
    page = _page(stmt, [ServiceRequest.id], descending=True)
    return render_template("service/requests.html", page=page, status=status, mine=mine,
                           statuses=REQUEST_STATUSES)


@bp.route("/requests/new", methods=["GET", "POST"])
@requires(TECH)
def request_new():
    form = f.RequestForm(equipment_id=request.args.get("equipment_id", type=int), reported_on=local_today())
    customer_id = request.args.get("customer_id", type=int)
    if customer_id:  # opened from a customer's page: offer that customer's equipment
        form.equipment_id.picker_params["customer"] = str(customer_id)
    form.technician_id.choices = _tech_choices()
    is_manager = current_user.can(MANAGER)
    if request.method == "GET" and not is_manager:
        form.technician_id.data = current_user.id
    eq = db.session.get(Equipment, form.equipment_id.data) if form.equipment_id.data else None
    if form.validate_on_submit():
        # A technician's own request is assigned to them, or they could not see it afterwards.
        tech = form.technician_id.data if is_manager else current_user.id
        try:
            req = svc.open_request(equipment_id=form.equipment_id.data, problem=form.problem.data,
                                   reported_on=form.reported_on.data, priority=form.priority.data,
                                   channel=form.channel.data, problem_category=form.problem_category.data,
                                   technician_id=tech, user_id=current_user.id)
            db.session.commit()
            flash(_("Service request %(n)s opened.", n=req.number), "success")
            return redirect(url_for("service.request_detail", request_id=req.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("service/request_form.html", form=form, eq=eq, is_manager=is_manager), status


def _request_page(req, *, edit_form=None, line_form=None, override_form=None, status=200):
    edit_form = edit_form or f.RequestEditForm(obj=req)
    edit_form.technician_id.choices = _tech_choices()
    line_form = line_form or f.LineForm()
    override_form = override_form or f.OverrideForm(decision=req.coverage_override or "", reason=req.override_reason)
    covered, billable = covered_amounts(req)
    warranty = db.session.get(Warranty, req.coverage_warranty_id) if req.coverage_warranty_id else None
    photos = db.session.execute(sa.select(RequestPhoto).where(RequestPhoto.request_id == req.id)
                                .order_by(RequestPhoto.id)).scalars().all()
    return render_template("service/request.html", req=req, edit_form=edit_form, line_form=line_form, photos=photos,
                           override_form=override_form, covered=covered, billable=billable, warranty=warranty,
                           currency=current_app.config["DEFAULT_CURRENCY"],
                           transitions=svc.allowed_transitions(req), is_manager=current_user.can(MANAGER),
                           locked=req.status in (CLOSED, CANCELLED)), status


@bp.get("/requests/<int:request_id>")
@requires(TECH)
def request_detail(request_id: int):
    return _request_page(_request_or_404(request_id))


@bp.get("/requests/<int:request_id>/photos/<int:photo_id>")
@requires(TECH)
def request_photo(request_id: int, photo_id: int):
    """A photo the customer attached in the portal, for staff who may see the request."""
    from plugins.service.photos import serve

    req = _request_or_404(request_id)
    photo = db.session.get(RequestPhoto, photo_id)
    if photo is None or photo.request_id != req.id:
        abort(404)
    return serve(photo)


@bp.post("/requests/<int:request_id>")
@requires(TECH)
def request_update(request_id: int):
    req = _request_or_404(request_id)
    form = f.RequestEditForm()
    form.technician_id.choices = _tech_choices()
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in ("priority", "problem_category", "diagnosis",
                                                       "faulty_serial", "replacement_serial")}
        if current_user.can(MANAGER):
            changes["technician_id"] = form.technician_id.data
        try:
            svc.update_request(req, changes, user_id=current_user.id)
            db.session.commit()
            flash(_("Request saved."), "success")
            return redirect(url_for("service.request_detail", request_id=req.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            req = _request_or_404(request_id)
            _apply_errors(form, exc)
    return _request_page(req, edit_form=form, status=422)


@bp.post("/requests/<int:request_id>/transition")
@requires(TECH)
def request_transition(request_id: int):
    req = _request_or_404(request_id)
    form = f.TransitionForm()
    if form.validate_on_submit():
        try:
            svc.transition(req, form.to.data, user_id=current_user.id)
            db.session.commit()
            flash(_("%(n)s is now %(s)s.", n=req.number, s=svc.status_label(req.status)), "success")
            return redirect(url_for("service.request_detail", request_id=req.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for m in messages:
                    flash(m, "error")
            req = _request_or_404(request_id)
            return _request_page(req, status=409 if isinstance(exc, svc.ServiceStateConflict) else 422)
    req = _request_or_404(request_id)
    return _request_page(req, status=422)


@bp.post("/requests/<int:request_id>/lines")
@requires(TECH)
def request_line_add(request_id: int):
    req = _request_or_404(request_id)
    form = f.LineForm()
    if form.validate_on_submit():
        try:
            svc.add_line(req, kind=form.kind.data, description=form.description.data,
                         product_id=form.product_id.data, quantity=form.quantity.data,
                         unit_price=form.unit_price.data)
            db.session.commit()
            return redirect(url_for("service.request_detail", request_id=req.id) + "#lines")
        except svc.ServiceInputError as exc:
            db.session.rollback()
            req = _request_or_404(request_id)
            _apply_errors(form, exc)
    return _request_page(req, line_form=form, status=422)


@bp.post("/requests/<int:request_id>/lines/<int:line_id>/delete")
@requires(TECH)
def request_line_remove(request_id: int, line_id: int):
    req = _request_or_404(request_id)
    try:
        svc.remove_line(req, line_id)
        db.session.commit()
    except svc.ServiceInputError as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for m in messages:
                flash(m, "error")
    return redirect(url_for("service.request_detail", request_id=request_id) + "#lines")


@bp.post("/requests/<int:request_id>/coverage")
@requires(MANAGER)
def request_override(request_id: int):
    req = _request_or_404(request_id)
    form = f.OverrideForm()
    if form.validate_on_submit():
        try:
            svc.override_coverage(req, form.decision.data or None, form.reason.data, user_id=current_user.id)
            db.session.commit()
            flash(_("Coverage decision saved."), "success")
            return redirect(url_for("service.request_detail", request_id=req.id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            req = _request_or_404(request_id)
            _apply_errors(form, exc)
    return _request_page(req, override_form=form, status=422)


# -- maintenance ------------------------------------------------------------------------------------


@bp.get("/maintenance")
@requires(TECH)
def maintenance():
    """Scheduled visits due within N days, overdue first (oldest due date on top)."""
    days = min(max(request.args.get("days", default=30, type=int), 0), 3650)
    today = local_today()
    stmt = sa.select(Visit).options(
        joinedload(Visit.customer), joinedload(Visit.plan), joinedload(Visit.technician).lazyload(User.roles),
        joinedload(Visit.equipment).joinedload(Equipment.product),
    ).where(Visit.status == SCHEDULED, Visit.due_date <= today + timedelta(days=days))
    if request.args.get("mine") == "1":
        stmt = stmt.where(Visit.technician_id == current_user.id)
    page = _page(stmt, [Visit.due_date, Visit.id], convert=cursor_of("date", "id"))
    return render_template("service/maintenance.html", page=page, days=days, today=today)


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@requires(TECH)
def visit_detail(visit_id: int):
    visit = ensure_visible(db.session.get(Visit, visit_id))
    form = f.FinishVisitForm(done_on=local_today(), technician_id=visit.technician_id or current_user.id,
                             notes=visit.notes or (visit.plan.checklist if visit.plan else ""))
    form.technician_id.choices = _tech_choices()
    if form.validate_on_submit():
        try:
            nxt = svc.finish_visit(visit, done_on=form.done_on.data, outcome=form.outcome.data, notes=form.notes.data,
                                   technician_id=form.technician_id.data, user_id=current_user.id)
            db.session.commit()
            if nxt:
                flash(_("Visit recorded; the next one is due on %(d)s.", d=format_date(nxt.due_date)), "success")
            else:
                flash(_("Visit recorded."), "success")
            return redirect(url_for("service.equipment", equipment_id=visit.equipment_id))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            visit = db.session.get(Visit, visit_id)
            _apply_errors(form, exc)
            if isinstance(exc, svc.ServiceStateConflict):
                return render_template("service/visit.html", visit=visit, form=form, today=local_today()), 409
    status = 422 if request.method == "POST" else 200
    return render_template("service/visit.html", visit=visit, form=form, today=local_today()), status


@bp.route("/plans", methods=["GET", "POST"])
@requires(MANAGER)
def plans():
    form = f.PlanForm()
    if form.validate_on_submit():
        try:
            svc.create_plan(name=form.name.data, product_id=form.product_id.data,
                            interval_months=form.interval_months.data, checklist=form.checklist.data)
            db.session.commit()
            flash(_("Maintenance plan saved. Run the scheduler to book its visits."), "success")
            return redirect(url_for("service.plans"))
        except svc.ServiceInputError as exc:
            db.session.rollback()
            _apply_errors(form, exc)
    page = _page(sa.select(MaintenancePlan), [MaintenancePlan.id], descending=True)
    status = 422 if request.method == "POST" else 200
    return render_template("service/plans.html", page=page, form=form), status


@bp.post("/plans/schedule")
@requires(MANAGER)
def plans_schedule():
    created = svc.schedule_due_visits()
    db.session.commit()
    flash(ngettext("%(count)s visit scheduled.", "%(count)s visits scheduled.", created, count=format_number(created)),
          "success")
    return redirect(url_for("service.maintenance"))


@bp.post("/plans/<int:plan_id>/toggle")
@requires(MANAGER)
def plan_toggle(plan_id: int):
    plan = db.session.get(MaintenancePlan, plan_id) or abort(404)
    plan.active = not plan.active
    db.session.commit()
    return redirect(url_for("service.plans"))


# -- reliability -----------------------------------------------------------------------------------


@bp.get("/reliability")
@requires(MANAGER)
def reliability():
    from plugins.service.reliability import snapshot

    snap = snapshot()  # refreshed hourly by a job: a view never regroups every unit and request
    figures = snap.figures
    rate_items = [(m.label, m.repairs_per_100_per_year) for m in figures if m.exposure_days][:12]
    ages = [(_age_label(label), n) for label, n in snap.ages]
    return render_template("service/reliability.html", figures=figures, ages=ages, rate_items=rate_items,
                           categories=dict(f.category_choices()), currency=current_app.config["DEFAULT_CURRENCY"],
                           computed_at=snap.computed_at)


def _age_label(bucket: str) -> str:
    """``"< 1"``, ``"1–2"``, ``"5+"`` (reliability.AGE_BUCKETS) in the reader's words and digits."""
    from core.l10n import format_number

    numbers = [int(n) for n in bucket.replace("<", " ").replace("+", " ").replace("–", " ").split()]
    if bucket.startswith("<"):
        return _("under %(n)s", n=format_number(numbers[0]))
    if bucket.endswith("+"):
        return _("%(n)s or more", n=format_number(numbers[0]))
    return f"{format_number(numbers[0])}–{format_number(numbers[1])}"


# -- contributions (dashboard, customer page, search) -----------------------------------------------


def render_dashboard_widget():
    from plugins.service.reliability import snapshot

    today = local_today()
    open_stmt = scoped(sa.select(sa.func.count(ServiceRequest.id)), ServiceRequest).where(
        ServiceRequest.status.in_(OPEN_STATUSES))
    open_requests = db.session.execute(open_stmt).scalar()
    overdue = db.session.execute(sa.select(sa.func.count(Visit.id)).where(
        Visit.status == SCHEDULED, Visit.due_date < today)).scalar()
    snap = snapshot() if current_user.can(MANAGER) else None
    worst = [m for m in snap.figures if m.failures][:5] if snap else []
    return Markup(render_template("service/_widget.html", open_requests=open_requests, overdue=overdue, worst=worst,
                                  computed_at=snap.computed_at if snap else None))


def render_customer_panel(customer_id: int, loaded: dict | None = None):
    """The Equipment tab: the 20 latest units with their models and warranties. The open
    requests (the tab's badge) are counted by a sub-select of the same statement and left in
    ``loaded["open"]`` for :func:`open_request_count`."""
    from plugins.service.models import OPEN_STATUSES

    open_ = (scoped(sa.select(sa.func.count()).select_from(ServiceRequest), ServiceRequest)
             .where(ServiceRequest.customer_id == customer_id, ServiceRequest.status.in_(OPEN_STATUSES))
             .correlate(None).scalar_subquery())
    rows = db.session.execute(sa.select(Equipment, open_).options(joinedload(Equipment.product),
                                                                   selectinload(Equipment.warranties))
                              .where(Equipment.customer_id == customer_id)
                              .order_by(Equipment.id.desc()).limit(21)).all()
    if loaded is not None and rows:  # no unit: open_request_count asks (a moved unit's requests stay)
        loaded["open"] = rows[0][1] or None
    equipment = [r[0] for r in rows]
    more = len(equipment) > 20
    return Markup(render_template("service/_customer_panel.html", equipment=equipment[:20], more=more,
                                  customer_id=customer_id, today=local_today()))


def open_request_count(customer_id: int, loaded: dict | None = None) -> int | None:
    """Service requests of this customer still being worked on (the customer page's tab badge)."""
    from plugins.service.models import OPEN_STATUSES

    if loaded is not None and "open" in loaded:
        return loaded["open"]
    n = db.session.execute(scoped(sa.select(sa.func.count()).select_from(ServiceRequest), ServiceRequest)
                           .where(ServiceRequest.customer_id == customer_id,
                                  ServiceRequest.status.in_(OPEN_STATUSES))).scalar()
    return n or None


def search_equipment(query: str, limit: int):
    """Equipment whose serial number starts with the (folded) query."""
    key = svc.fold_serial(query)
    if not key:
        return []
    rows = db.session.execute(sa.select(Equipment).options(joinedload(Equipment.customer), joinedload(Equipment.product))
                              .where(Equipment.serial_key.startswith(key, autoescape=True))
                              .order_by(Equipment.serial_key, Equipment.id).limit(limit)).scalars()
    return [(eq.label, url_for("service.equipment", equipment_id=eq.id), eq.customer.name) for eq in rows]
