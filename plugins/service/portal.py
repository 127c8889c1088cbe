"""The service pages of the customer portal (``/portal/service/…``): equipment with serial
numbers, warranties with their terms and end dates, service and maintenance history, and
"request service / claim under warranty" with a description and photos; the request shows the
coverage decision once staff have decided (diagnosed or overridden).

Every query starts from ``core.portal.scoped_to()``: another customer's equipment, request or
photo answers 404.
"""
from __future__ import annotations


import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from markupsafe import Markup
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.db import db
from core.history.service import schedule_activity
from core.portal import current_portal, portal_login_required, record_portal_activity, scoped_to, staff_language
from core.web.pagination import BadCursor, keyset_page
from plugins.service import photos as photo_store
from plugins.service.models import RETIRED, Equipment, RequestPhoto, ServiceRequest, Visit, Warranty
from plugins.service.service import ServiceInputError, open_request
from core.l10n import local_today

bp = Blueprint("service_portal", __name__, template_folder="templates")

PAGE = 20


class ClaimForm(FlaskForm):
    problem = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=5000)])
    warranty_claim = BooleanField(_l("I claim this repair under warranty"))
    photos = MultipleFileField(_l("Photos (JPEG, PNG or WebP, up to 5)"))


def _equipment(equipment_id: int) -> Equipment:
    return scoped_to().get(Equipment, equipment_id)


def decided(req: ServiceRequest) -> bool:
    """Staff have decided the coverage: the request was diagnosed, or they overrode it."""
    return req.diagnosed_at is not None or req.coverage_override is not None


def tell_customer_coverage(req: ServiceRequest, *, first: bool) -> None:
    """Staff decided (``first``: diagnosed) or changed (an override) the coverage of a request
    the customer made in the portal: email them the decision in their language (core outbox;
    nothing without a portal account). Called by the service functions in the deciding
    transaction; the first decision is sent once, every later change again."""
    from core.portal.links import absolute_url
    from core.portal.notices import tell_customer
    from plugins.service.service import decision_label

    if req.channel != "portal" or not decided(req):
        return
    tell_customer(req.customer_id, "portal.coverage_decided", lambda: {
        "number": req.number, "decision": decision_label(req.decision),
        "link": absolute_url("service_portal.request_detail", request_id=req.id),
    }, ref=f"service.request:{req.id}:coverage", once=first)


@bp.get("/equipment")
@portal_login_required
def equipment_list():
    stmt = scoped_to().select(Equipment)
    try:
        page = keyset_page(db.session, stmt, [Equipment.id], cursor=request.args.get("cursor"), limit=PAGE,
                           descending=True)
    except BadCursor:
        abort(404)
    ids = [e.id for e in page.items]
    warranties: dict[int, list[Warranty]] = {}
    if ids:
        for w in db.session.execute(sa.select(Warranty).where(Warranty.equipment_id.in_(ids))
                                    .order_by(Warranty.end_date.desc())).scalars():
            warranties.setdefault(w.equipment_id, []).append(w)
    return render_template("service/portal_equipment_list.html", page=page, warranties=warranties,
                           today=local_today())


@bp.get("/equipment/<int:equipment_id>")
@portal_login_required
def equipment(equipment_id: int):
    eq = _equipment(equipment_id)
    requests = db.session.execute(scoped_to().select(ServiceRequest).where(ServiceRequest.equipment_id == eq.id)
                                  .order_by(ServiceRequest.id.desc()).limit(50)).scalars().all()
    visits = db.session.execute(scoped_to().select(Visit).where(Visit.equipment_id == eq.id)
                                .order_by(Visit.due_date.desc()).limit(50)).scalars().all()
    return render_template("service/portal_equipment.html", eq=eq, requests=requests, visits=visits,
                           today=local_today(), decided=decided)


@bp.route("/equipment/<int:equipment_id>/request", methods=["GET", "POST"])
@portal_login_required
def new_request(equipment_id: int):
    eq = _equipment(equipment_id)
    if eq.status == RETIRED:
        abort(404)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            req = open_claim(eq, form.problem.data, form.warranty_claim.data, request.files.getlist(form.photos.name))
            db.session.commit()
        except ServiceInputError as exc:
            db.session.rollback()
            for field_name, messages in exc.errors.items():
                target = getattr(form, field_name, None) or form.problem
                target.errors = list(target.errors) + messages
            return render_template("service/portal_request_form.html", eq=eq, form=form), 422
        flash(_("Your request %(n)s was sent. We will tell you how it is covered.", n=req.number), "success")
        return redirect(url_for("service_portal.request_detail", request_id=req.id))
    status = 422 if request.method == "POST" else 200
    return render_template("service/portal_request_form.html", eq=eq, form=form), status


def open_claim(eq: Equipment, problem: str, warranty_claim: bool, uploads) -> ServiceRequest:
    """A service request from the portal, with its photos (all checked before anything is kept),
    logged on the portal channel and handed to staff as a follow-up."""
    req = open_request(equipment_id=eq.id, problem=problem, channel="portal")
    req.warranty_claim = bool(warranty_claim)
    photo_store.attach(req, uploads)
    record_portal_activity("service.portal_request", subject_kind="service.portal_request",
                           subject_params={"warranty": req.warranty_claim, "number": req.number, "label": eq.label},
                           body=req.problem, data={"request_id": req.id}, record=req)
    with staff_language():  # a follow-up's summary is plain text, for staff
        kind = _("Warranty claim") if req.warranty_claim else _("Service request")
        schedule_activity(req.customer_id, summary=_("%(kind)s %(n)s from the portal: decide the coverage",
                                                     kind=kind, n=req.number),
                          due_date=local_today(), assignee_id=req.technician_id or current_portal.customer.owner_id,
                          source="service", ref=f"service.request:{req.id}", record=req)
    return req


@bp.get("/requests")
@portal_login_required
def requests_list():
    try:
        page = keyset_page(db.session, scoped_to().select(ServiceRequest), [ServiceRequest.id],
                           cursor=request.args.get("cursor"), limit=PAGE, descending=True)
    except BadCursor:
        abort(404)
    return render_template("service/portal_requests.html", page=page, decided=decided)


@bp.get("/requests/<int:request_id>")
@portal_login_required
def request_detail(request_id: int):
    req = scoped_to().get(ServiceRequest, request_id)
    photos = db.session.execute(scoped_to().select(RequestPhoto).where(RequestPhoto.request_id == req.id)
                                .order_by(RequestPhoto.id)).scalars().all()
    return render_template("service/portal_request.html", req=req, photos=photos, decided=decided(req))


@bp.get("/photos/<int:photo_id>")
@portal_login_required
def photo(photo_id: int):
    return photo_store.serve(scoped_to().get(RequestPhoto, photo_id))


# -- contributions to the portal (called from plugins/service/__init__.py) -----------------------------


def menu_items():
    from core.contrib import PortalMenuItem

    return [PortalMenuItem(_l("Equipment and warranties"), "service_portal.equipment_list", weight=30),
            PortalMenuItem(_l("Service requests"), "service_portal.requests_list", weight=35)]


def cards(portal):
    from core.contrib import PortalCard

    def render():
        today = local_today()
        units = db.session.execute(scoped_to(portal).select(Equipment).where(Equipment.status != RETIRED)
                                   .order_by(Equipment.id.desc()).limit(5)).scalars().all()
        ending = {}
        if units:
            rows = db.session.execute(sa.select(Warranty.equipment_id, sa.func.max(Warranty.end_date))
                                      .where(Warranty.equipment_id.in_([u.id for u in units]),
                                             Warranty.end_date >= today)
                                      .group_by(Warranty.equipment_id)).all()
            ending = dict(rows)
        return Markup(render_template("service/portal_card.html", units=units, ending=ending))

    return [PortalCard(_l("Your equipment"), render, weight=30, url=url_for("service_portal.equipment_list"))]
