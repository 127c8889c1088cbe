"""``/api/v1/service``: equipment, warranties, requests (with transitions) and visits.

Lists are keyset-paginated (``cursor``/``limit`` in, ``next_cursor`` out). Schema
errors answer 422 from marshmallow; business rules answer 422 (or 409 for a
duplicate serial) from :class:`plugins.service.service.ServiceInputError`, and
nothing is saved in either case.
"""
from __future__ import annotations


import sqlalchemy as sa
from flask.views import MethodView
from flask_login import current_user
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.orm import joinedload, selectinload

from core.api.base import Blueprint, api_page, documents_errors, input_error
from core.db import db
from core.security import ensure_visible, requires, scoped
from core.web.pagination import cursor_of
from plugins.service import service as svc
from plugins.service.models import Equipment, ServiceRequest, Visit, Warranty
from plugins.service.schemas import (
    EquipmentDetailSchema, EquipmentIn, EquipmentPageSchema, EquipmentPatch, EquipmentQuery, EquipmentSchema,
    FinishIn, LineIn, RequestIn, RequestPageSchema, RequestPatch, RequestQuery, RequestSchema, TransitionIn,
    VisitFinishedSchema, VisitIn, VisitPageSchema, VisitQuery, VisitSchema, WarrantyIn, WarrantyPageSchema,
    WarrantyQuery, WarrantySchema,
)
from core.l10n import local_today

blp = Blueprint("api_service", __name__, url_prefix="/service",
                description="Service: installed equipment, warranties, service requests, maintenance visits")

TECH, MANAGER = "service.technician", "service.manager"


def _errors(*codes):
    return documents_errors(blp, *codes)


# -- helpers -------------------------------------------------------------------------------------


def _fail(exc: svc.ServiceInputError):
    db.session.rollback()
    duplicate = any("serial" == k for k in exc.errors) and any("already" in m for m in exc.errors.get("serial", []))
    if duplicate or isinstance(exc, svc.ServiceStateConflict):
        abort(409, message=str(exc), errors={"json": exc.errors})
    input_error(exc.errors, message=str(exc))


def _get(model, obj_id):
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404, message=_("No such record."))
    return ensure_visible(obj)


def _equipment(equipment_id):
    """The equipment a body names, or a 422 on ``equipment_id`` (it is input, not the URL)."""
    eq = db.session.get(Equipment, equipment_id)
    if eq is None:
        input_error({"equipment_id": [_("Unknown equipment.")]})
    return eq


# -- equipment -----------------------------------------------------------------------------------


@blp.route("/equipment")
class EquipmentList(MethodView):
    @requires(TECH)
    @blp.arguments(EquipmentQuery, location="query")
    @blp.response(200, EquipmentPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Equipment, newest first; filter by customer, serial (exact, case-insensitive) or status."""
        # The model's name comes from the product: load the page's products with it (not one query per unit).
        stmt = sa.select(Equipment).options(joinedload(Equipment.product))
        if args["customer_id"] is not None:
            stmt = stmt.where(Equipment.customer_id == args["customer_id"])
        if args["serial"]:
            stmt = stmt.where(Equipment.serial_key == svc.fold_serial(args["serial"]))
        if args["status"]:
            stmt = stmt.where(Equipment.status == args["status"])
        return api_page(stmt, [Equipment.id], args, descending=True)

    @requires(TECH)
    @blp.arguments(EquipmentIn)
    @blp.response(201, EquipmentSchema)
    @_errors(401, 403, 409)
    def post(self, data):
        """Register equipment at a customer (409 when the product already has that serial)."""
        try:
            eq = svc.create_equipment(**data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return eq


@blp.route("/equipment/<int:equipment_id>")
class EquipmentItem(MethodView):
    @requires(TECH)
    @blp.response(200, EquipmentDetailSchema)
    @_errors(401, 403, 404)
    def get(self, equipment_id):
        """One unit with its warranties."""
        return _get(Equipment, equipment_id)

    @requires(TECH)
    @blp.arguments(EquipmentPatch)
    @blp.response(200, EquipmentSchema)
    @_errors(401, 403, 404, 409)
    def patch(self, data, equipment_id):
        """Change the fields sent."""
        eq = _get(Equipment, equipment_id)
        try:
            svc.update_equipment(eq, data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return eq


# -- warranties ----------------------------------------------------------------------------------


@blp.route("/warranties")
class WarrantyList(MethodView):
    @requires(TECH)
    @blp.arguments(WarrantyQuery, location="query")
    @blp.response(200, WarrantyPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Warranties by end date (soonest first); ``ending_before`` lists those still running that end by then."""
        stmt = sa.select(Warranty).join(Equipment).options(joinedload(Warranty.equipment))
        if args["customer_id"] is not None:
            stmt = stmt.where(Equipment.customer_id == args["customer_id"])
        if args["equipment_id"] is not None:
            stmt = stmt.where(Warranty.equipment_id == args["equipment_id"])
        if args["ending_before"]:
            stmt = stmt.where(Warranty.end_date >= local_today(), Warranty.end_date <= args["ending_before"],
                              Equipment.status != "retired")
        return api_page(stmt, [Warranty.end_date, Warranty.id], args, convert=cursor_of("date", "id"))

    @requires(MANAGER)
    @blp.arguments(WarrantyIn)
    @blp.response(201, WarrantySchema)
    @_errors(401, 403)
    def post(self, data):
        """Extend a warranty or sell a service contract."""
        eq = _equipment(data.pop("equipment_id"))
        try:
            w = svc.add_warranty(eq, **data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return w


# -- requests ---------------------------------------------------------------------------------------


@blp.route("/requests")
class RequestList(MethodView):
    @requires(TECH)
    @blp.arguments(RequestQuery, location="query")
    @blp.response(200, RequestPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Service requests visible to the caller (technicians: assigned to them), newest first."""
        stmt = scoped(sa.select(ServiceRequest), ServiceRequest).options(selectinload(ServiceRequest.lines))
        for key in ("status", "customer_id", "equipment_id"):
            if args[key] is not None:
                stmt = stmt.where(getattr(ServiceRequest, key) == args[key])
        return api_page(stmt, [ServiceRequest.id], args, descending=True)

    @requires(TECH)
    @blp.arguments(RequestIn)
    @blp.response(201, RequestSchema)
    @_errors(401, 403)
    def post(self, data):
        """Open a request; coverage is computed from the warranties active on ``reported_on``."""
        if not current_user.can(MANAGER):
            data["technician_id"] = current_user.id
        try:
            req = svc.open_request(**data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req


@blp.route("/requests/<int:request_id>")
class RequestItem(MethodView):
    @requires(TECH)
    @blp.response(200, RequestSchema)
    @_errors(401, 403, 404)
    def get(self, request_id):
        """One request with its lines and amounts."""
        return _get(ServiceRequest, request_id)

    @requires(TECH)
    @blp.arguments(RequestPatch)
    @blp.response(200, RequestSchema)
    @_errors(401, 403, 404)
    def patch(self, data, request_id):
        """Change fields; assigning a technician or overriding coverage needs ``service.manager``."""
        req = _get(ServiceRequest, request_id)
        manager_only = {"technician_id", "coverage_override", "override_reason"} & set(data)
        if manager_only and not current_user.can(MANAGER):
            abort(403, message=_("Changing %(fields)s needs the permission %(perm)s.",
                                 fields=", ".join(sorted(manager_only)), perm=MANAGER))
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
        return req


@blp.route("/requests/<int:request_id>/transitions")
class RequestTransition(MethodView):
    @requires(TECH)
    @blp.arguments(TransitionIn)
    @blp.response(200, RequestSchema)
    @_errors(401, 403, 404)
    def post(self, data, request_id):
        """Move the request: diagnosed, in_repair, done, closed or cancelled."""
        req = _get(ServiceRequest, request_id)
        try:
            svc.transition(req, data["to"], diagnosis=data["diagnosis"], user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req


@blp.route("/requests/<int:request_id>/lines")
class RequestLines(MethodView):
    @requires(TECH)
    @blp.arguments(LineIn)
    @blp.response(201, RequestSchema)
    @_errors(401, 403, 404)
    def post(self, data, request_id):
        """Add a part or labour line."""
        req = _get(ServiceRequest, request_id)
        try:
            svc.add_line(req, **data)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return req


# -- visits --------------------------------------------------------------------------------------------


@blp.route("/visits")
class VisitList(MethodView):
    @requires(TECH)
    @blp.arguments(VisitQuery, location="query")
    @blp.response(200, VisitPageSchema)
    @_errors(401, 403)
    def get(self, args):
        """Visits by due date; ``due_before`` gives the due and overdue list."""
        stmt = sa.select(Visit).where(Visit.status == args["status"])
        if args["due_before"]:
            stmt = stmt.where(Visit.due_date <= args["due_before"])
        if args["equipment_id"] is not None:
            stmt = stmt.where(Visit.equipment_id == args["equipment_id"])
        return api_page(stmt, [Visit.due_date, Visit.id], args, convert=cursor_of("date", "id"))

    @requires(TECH)
    @blp.arguments(VisitIn)
    @blp.response(201, VisitSchema)
    @_errors(401, 403)
    def post(self, data):
        """Book a one-off visit."""
        eq = _equipment(data["equipment_id"])
        try:
            visit = svc.schedule_visit(eq, due_date=data["due_date"], technician_id=data["technician_id"],
                                       notes=data["notes"])
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        return visit


@blp.route("/visits/<int:visit_id>/finish")
class VisitFinish(MethodView):
    @requires(TECH)
    @blp.arguments(FinishIn)
    @blp.response(200, VisitFinishedSchema)
    @_errors(401, 403, 404)
    def post(self, data, visit_id):
        """Record the visit; under a plan the next one is booked and returned as ``next``."""
        visit = _get(Visit, visit_id)
        try:
            nxt = svc.finish_visit(visit, **data, user_id=current_user.id)
            db.session.commit()
        except svc.ServiceInputError as exc:
            _fail(exc)
        visit.next = nxt  # shown as "next" by VisitFinishedSchema (not a column)
        return visit
