"""``/api/v1/service``: equipment, warranties, requests (with transitions) and visits.

Lists are keyset-paginated (``cursor``/``limit`` in, ``next_cursor`` out). Schema
errors answer 422 from marshmallow; business rules answer 422 (or 409 for a
duplicate serial) from :class:`plugins.service.service.ServiceInputError`, and
nothing is saved in either case.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy.orm import joinedload, selectinload
from marshmallow import Schema, fields, validate

from core.db import db
from core.security import ensure_visible, requires, scoped
from core.web.pagination import BadCursor, keyset_page
from plugins.service import service as svc
from plugins.service.models import (
    DECISIONS, EQUIPMENT_STATUSES, LINE_KINDS, PRIORITIES, PROBLEM_CATEGORIES, REQUEST_CHANNELS,
    REQUEST_STATUSES, TERMS, VISIT_OUTCOMES, WARRANTY_KINDS, Equipment, ServiceRequest, Visit, Warranty,
)

blp = Blueprint("api_service", __name__, url_prefix="/service",
                description="Service: installed equipment, warranties, service requests, maintenance visits")

TECH, MANAGER = "service.technician", "service.manager"


class PageArgs(Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class EquipmentQuery(PageArgs):
    customer_id = fields.Integer(load_default=None)
    serial = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(EQUIPMENT_STATUSES))


class EquipmentIn(Schema):
    customer_id = fields.Integer(required=True)
    product_id = fields.Integer(allow_none=True, load_default=None)
    model_name = fields.String(load_default="", validate=validate.Length(max=200))
    serial = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=100))
    purchase_date = fields.Date(allow_none=True, load_default=None)
    install_date = fields.Date(allow_none=True, load_default=None)
    location = fields.String(load_default="", validate=validate.Length(max=300))
    status = fields.String(load_default="in_service", validate=validate.OneOf(EQUIPMENT_STATUSES))
    notes = fields.String(load_default="", validate=validate.Length(max=10_000))


class EquipmentPatch(Schema):
    product_id = fields.Integer(allow_none=True)
    model_name = fields.String(validate=validate.Length(max=200))
    serial = fields.String(allow_none=True, validate=validate.Length(max=100))
    purchase_date = fields.Date(allow_none=True)
    install_date = fields.Date(allow_none=True)
    location = fields.String(validate=validate.Length(max=300))
    status = fields.String(validate=validate.OneOf(EQUIPMENT_STATUSES))
    notes = fields.String(validate=validate.Length(max=10_000))


class WarrantyQuery(PageArgs):
    customer_id = fields.Integer(load_default=None)
    equipment_id = fields.Integer(load_default=None)
    ending_before = fields.Date(load_default=None)


class WarrantyIn(Schema):
    equipment_id = fields.Integer(required=True)
    kind = fields.String(load_default="extended", validate=validate.OneOf(WARRANTY_KINDS))
    terms = fields.String(load_default="both", validate=validate.OneOf(TERMS))
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, load_default=None)
    months = fields.Integer(allow_none=True, load_default=None)
    visits_per_year = fields.Integer(load_default=0)
    price = fields.Decimal(allow_none=True, load_default=None, places=2)
    notes = fields.String(load_default="", validate=validate.Length(max=10_000))


class RequestQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(REQUEST_STATUSES))
    customer_id = fields.Integer(load_default=None)
    equipment_id = fields.Integer(load_default=None)


class RequestIn(Schema):
    equipment_id = fields.Integer(required=True)
    problem = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    problem_category = fields.String(load_default="other", validate=validate.OneOf(PROBLEM_CATEGORIES))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    channel = fields.String(load_default="phone", validate=validate.OneOf(REQUEST_CHANNELS))
    reported_on = fields.Date(allow_none=True, load_default=None)
    technician_id = fields.Integer(allow_none=True, load_default=None)


class RequestPatch(Schema):
    problem = fields.String(validate=validate.Length(min=1, max=10_000))
    problem_category = fields.String(validate=validate.OneOf(PROBLEM_CATEGORIES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    channel = fields.String(validate=validate.OneOf(REQUEST_CHANNELS))
    reported_on = fields.Date()
    technician_id = fields.Integer(allow_none=True)
    diagnosis = fields.String(validate=validate.Length(max=10_000))
    faulty_serial = fields.String(allow_none=True, validate=validate.Length(max=100))
    replacement_serial = fields.String(allow_none=True, validate=validate.Length(max=100))
    coverage_override = fields.String(allow_none=True, validate=validate.OneOf(DECISIONS))
    override_reason = fields.String(validate=validate.Length(max=2000))


class TransitionIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(REQUEST_STATUSES))
    diagnosis = fields.String(load_default=None, validate=validate.Length(max=10_000))


class LineIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    product_id = fields.Integer(allow_none=True, load_default=None)
    description = fields.String(load_default="", validate=validate.Length(max=300))
    quantity = fields.Decimal(load_default=1, places=2)
    unit_price = fields.Decimal(allow_none=True, load_default=None, places=2)


class VisitQuery(PageArgs):
    status = fields.String(load_default="scheduled", validate=validate.OneOf(("scheduled", "done", "cancelled")))
    due_before = fields.Date(load_default=None)
    equipment_id = fields.Integer(load_default=None)


class VisitIn(Schema):
    equipment_id = fields.Integer(required=True)
    due_date = fields.Date(required=True)
    technician_id = fields.Integer(allow_none=True, load_default=None)
    notes = fields.String(load_default="", validate=validate.Length(max=10_000))


class FinishIn(Schema):
    done_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(VISIT_OUTCOMES))
    notes = fields.String(load_default="", validate=validate.Length(max=10_000))
    technician_id = fields.Integer(allow_none=True, load_default=None)


# -- helpers -------------------------------------------------------------------------------------


def _fail(exc: svc.ServiceInputError):
    db.session.rollback()
    duplicate = any("serial" == k for k in exc.errors) and any("already" in m for m in exc.errors.get("serial", []))
    conflict = duplicate or isinstance(exc, svc.ServiceStateConflict)
    abort(409 if conflict else 422, message=str(exc), errors={"json": exc.errors})


def _listing(stmt, columns, args, serialise, *, descending=False, convert=None):
    try:
        page = keyset_page(db.session, stmt, columns, cursor=args["cursor"], limit=args["limit"],
                           descending=descending, convert=convert)
    except BadCursor:
        abort(400, message="Invalid cursor.")
    return {"items": [serialise(o) for o in page.items], "next_cursor": page.next_cursor}


def _get(model, obj_id):
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404, message=f"No {model.__name__.lower()} {obj_id}.")
    return ensure_visible(obj)


def _date_id(values):
    return [date.fromisoformat(values[0]), int(values[1])]


# -- equipment -----------------------------------------------------------------------------------


@blp.route("/equipment")
class EquipmentList(MethodView):
    @requires(TECH)
    @blp.arguments(EquipmentQuery, location="query")
    def get(self, args):
        """Equipment, newest first; filter by customer, serial (exact, case-insensitive) or status."""
        stmt = sa.select(Equipment)
        if args["customer_id"] is not None:
            stmt = stmt.where(Equipment.customer_id == args["customer_id"])
        if args["serial"]:
            stmt = stmt.where(Equipment.serial_key == svc.fold_serial(args["serial"]))
        if args["status"]:
            stmt = stmt.where(Equipment.status == args["status"])
        return _listing(stmt, [Equipment.id], args, Equipment.as_dict, descending=True)

    @requires(TECH)
    @blp.arguments(EquipmentIn)
    def post(self, data):
        """Register equipment at a customer."""
        try:
            eq = svc.create_equipment(**data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return eq.as_dict(), 201


@blp.route("/equipment/<int:equipment_id>")
class EquipmentItem(MethodView):
    @requires(TECH)
    def get(self, equipment_id):
        eq = _get(Equipment, equipment_id)
        return {**eq.as_dict(), "warranties": [w.as_dict() for w in eq.warranties]}

    @requires(TECH)
    @blp.arguments(EquipmentPatch)
    def patch(self, data, equipment_id):
        eq = _get(Equipment, equipment_id)
        try:
            svc.update_equipment(eq, data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return eq.as_dict()


# -- warranties ----------------------------------------------------------------------------------


@blp.route("/warranties")
class WarrantyList(MethodView):
    @requires(TECH)
    @blp.arguments(WarrantyQuery, location="query")
    def get(self, args):
        """Warranties by end date (soonest first); ``ending_before`` lists those still running that end by then."""
        stmt = sa.select(Warranty).join(Equipment).options(joinedload(Warranty.equipment))
        if args["customer_id"] is not None:
            stmt = stmt.where(Equipment.customer_id == args["customer_id"])
        if args["equipment_id"] is not None:
            stmt = stmt.where(Warranty.equipment_id == args["equipment_id"])
        if args["ending_before"]:
            stmt = stmt.where(Warranty.end_date >= date.today(), Warranty.end_date <= args["ending_before"],
                              Equipment.status != "retired")
        return _listing(stmt, [Warranty.end_date, Warranty.id], args, Warranty.as_dict, convert=_date_id)

    @requires(MANAGER)
    @blp.arguments(WarrantyIn)
    def post(self, data):
        """Extend a warranty or sell a service contract."""
        eq = db.session.get(Equipment, data.pop("equipment_id"))
        if eq is None:
            abort(422, message="Unknown equipment.", errors={"json": {"equipment_id": ["Unknown equipment."]}})
        try:
            w = svc.add_warranty(eq, **data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return w.as_dict(), 201


# -- requests ---------------------------------------------------------------------------------------


@blp.route("/requests")
class RequestList(MethodView):
    @requires(TECH)
    @blp.arguments(RequestQuery, location="query")
    def get(self, args):
        """Service requests visible to the caller (technicians: assigned to them), newest first."""
        stmt = scoped(sa.select(ServiceRequest), ServiceRequest).options(selectinload(ServiceRequest.lines))
        for key in ("status", "customer_id", "equipment_id"):
            if args[key] is not None:
                stmt = stmt.where(getattr(ServiceRequest, key) == args[key])
        return _listing(stmt, [ServiceRequest.id], args, ServiceRequest.as_dict, descending=True)

    @requires(TECH)
    @blp.arguments(RequestIn)
    def post(self, data):
        """Open a request; coverage is computed from the warranties active on ``reported_on``."""
        if not current_user.can(MANAGER):
            data["technician_id"] = current_user.id
        try:
            req = svc.open_request(**data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req.as_dict(), 201


@blp.route("/requests/<int:request_id>")
class RequestItem(MethodView):
    @requires(TECH)
    def get(self, request_id):
        return _get(ServiceRequest, request_id).as_dict()

    @requires(TECH)
    @blp.arguments(RequestPatch)
    def patch(self, data, request_id):
        """Change fields; assigning a technician or overriding coverage needs ``service.manager``."""
        req = _get(ServiceRequest, request_id)
        manager_only = {"technician_id", "coverage_override", "override_reason"} & set(data)
        if manager_only and not current_user.can(MANAGER):
            abort(403, message=f"Changing {', '.join(sorted(manager_only))} needs the permission {MANAGER}.")
        override = data.pop("coverage_override", "unchanged")
        reason = data.pop("override_reason", None)
        try:
            svc.update_request(req, data, user_id=current_user.id)
            if override != "unchanged" or reason is not None:
                decision = req.coverage_override if override == "unchanged" else override
                svc.override_coverage(req, decision, reason if reason is not None else req.override_reason,
                                      user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req.as_dict()


@blp.route("/requests/<int:request_id>/transitions")
class RequestTransition(MethodView):
    @requires(TECH)
    @blp.arguments(TransitionIn)
    def post(self, data, request_id):
        """Move the request: diagnosed, in_repair, done, closed or cancelled."""
        req = _get(ServiceRequest, request_id)
        try:
            svc.transition(req, data["to"], diagnosis=data["diagnosis"], user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req.as_dict()


@blp.route("/requests/<int:request_id>/lines")
class RequestLines(MethodView):
    @requires(TECH)
    @blp.arguments(LineIn)
    def post(self, data, request_id):
        """Add a part or labour line."""
        req = _get(ServiceRequest, request_id)
        try:
            svc.add_line(req, **data)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req.as_dict(), 201


# -- visits --------------------------------------------------------------------------------------------


@blp.route("/visits")
class VisitList(MethodView):
    @requires(TECH)
    @blp.arguments(VisitQuery, location="query")
    def get(self, args):
        """Visits by due date; ``due_before`` gives the due and overdue list."""
        stmt = sa.select(Visit).where(Visit.status == args["status"])
        if args["due_before"]:
            stmt = stmt.where(Visit.due_date <= args["due_before"])
        if args["equipment_id"] is not None:
            stmt = stmt.where(Visit.equipment_id == args["equipment_id"])
        return _listing(stmt, [Visit.due_date, Visit.id], args, Visit.as_dict, convert=_date_id)

    @requires(TECH)
    @blp.arguments(VisitIn)
    def post(self, data):
        """Book a one-off visit."""
        eq = db.session.get(Equipment, data["equipment_id"])
        if eq is None:
            abort(422, message="Unknown equipment.", errors={"json": {"equipment_id": ["Unknown equipment."]}})
        try:
            visit = svc.schedule_visit(eq, due_date=data["due_date"], technician_id=data["technician_id"],
                                       notes=data["notes"])
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return visit.as_dict(), 201


@blp.route("/visits/<int:visit_id>/finish")
class VisitFinish(MethodView):
    @requires(TECH)
    @blp.arguments(FinishIn)
    def post(self, data, visit_id):
        """Record the visit; under a plan the next one is booked and returned as ``next``."""
        visit = _get(Visit, visit_id)
        try:
            nxt = svc.finish_visit(visit, **data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return {**visit.as_dict(), "next": nxt.as_dict() if nxt else None}
