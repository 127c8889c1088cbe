"""Service operations: one implementation for the pages, the API, the CLI and events.

Each function validates everything first and raises :class:`ServiceInputError`
(messages by field) before touching the session, so bad input changes nothing.
Callers commit. Every step a customer would care about goes to their contact
history through :func:`core.history.service.log_event`.
"""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import pgettext

from core.catalog.models import PRODUCT, Product
from core.customers.models import Customer
from core.db import change_state, db, utcnow
from core.history.service import log_event
from core.l10n.dates import local_today
from core.text import fold
from plugins.service import TECH, coverage
from plugins.service.models import (
    BOTH, CANCELLED, CLOSED, CONTRACT, DECISIONS, DIAGNOSED, DONE, EQUIPMENT_STATUSES, IN_REPAIR, IN_SERVICE,
    LINE_KINDS, NEW, PRIORITIES, PROBLEM_CATEGORIES, REQUEST_CHANNELS, RETIRED, SCHEDULED, STANDARD, TERMS,
    UNDER_REPAIR, VISIT_DONE, VISIT_OUTCOMES, WARRANTY_KINDS, Equipment, MaintenancePlan, RequestLine,
    ServiceRequest, Visit, Warranty,
)

SOURCE = "service"


class ServiceInputError(ValueError):
    """Bad input; ``errors`` maps a field name to messages meant for the user."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ServiceStateConflict(ServiceInputError):
    """The record's state changed meanwhile (another request won the race): a 409."""


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ServiceInputError(dict(self))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 Jan + 1 month = 28/29 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fold_serial(serial: str | None) -> str | None:
    """Serials are searched like everything else: folded with :func:`core.text.fold`."""
    return fold(serial) or None


# -- equipment ----------------------------------------------------------------------------


def _clean_serial(value) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_equipment(errors: _Errors, *, customer_id, product_id, model_name, serial, purchase_date,
                     install_date, status, location="", exclude_id=None) -> None:
    if customer_id is None or db.session.get(Customer, customer_id) is None:
        errors.add("customer_id", _("Unknown customer."))
    if product_id is not None:
        if db.session.get(Product, product_id) is None:
            errors.add("product_id", _("Unknown product."))
    elif not (model_name or "").strip():
        errors.add("model_name", _("Choose a catalog product or type the model."))
    if len(model_name or "") > 200:
        errors.add("model_name", _("At most %(n)d characters.", n=200))
    if serial and len(serial) > 100:
        errors.add("serial", _("At most %(n)d characters.", n=100))
    if len(location or "") > 300:
        errors.add("location", _("At most %(n)d characters.", n=300))
    if serial and product_id is not None:
        stmt = sa.select(Equipment.id).where(Equipment.product_id == product_id, Equipment.serial == serial)
        if exclude_id:
            stmt = stmt.where(Equipment.id != exclude_id)
        if db.session.execute(stmt).first():
            errors.add("serial", _("This product already has a unit with serial number %(s)s.", s=serial))
    if purchase_date and install_date and install_date < purchase_date:
        errors.add("install_date", _("Installation cannot be before the purchase."))
    if status not in EQUIPMENT_STATUSES:
        errors.add("status", _("Not a known status."))


def create_equipment(*, customer_id: int, product_id: int | None = None, model_name: str = "",
                     serial: str | None = None, purchase_date: date | None = None,
                     install_date: date | None = None, location: str = "", status: str = IN_SERVICE,
                     notes: str = "", source: str = "manual", order_id: int | None = None,
                     order_number: str | None = None, user_id: int | None = None, log: bool = True) -> Equipment:
    serial = _clean_serial(serial)
    errors = _Errors()
    _check_equipment(errors, customer_id=customer_id, product_id=product_id, model_name=model_name, serial=serial,
                     purchase_date=purchase_date, install_date=install_date, status=status, location=location)
    errors.raise_if_any()
    eq = Equipment(customer_id=customer_id, product_id=product_id, model_name=(model_name or "").strip(),
                   serial=serial, serial_key=fold_serial(serial), purchase_date=purchase_date,
                   install_date=install_date, location=(location or "").strip(), status=status,
                   notes=notes or "", source=source, order_id=order_id, order_number=order_number)
    if product_id is not None:
        eq.product = db.session.get(Product, product_id)
        eq.model_name = eq.product.name
    if status == RETIRED:
        eq.retired_on = local_today()
    db.session.add(eq)
    db.session.flush()
    if log:
        log_event(customer_id, "service.equipment_registered", source=SOURCE, user_id=user_id,
                  subject_kind="service.equipment_registered", subject_params={"label": eq.label},
                  data={"equipment_id": eq.id}, permission=TECH)
    return eq


EQUIPMENT_FIELDS = ("product_id", "model_name", "serial", "purchase_date", "install_date", "location", "status", "notes")


def update_equipment(eq: Equipment, changes: dict, *, user_id: int | None = None) -> Equipment:
    """Apply ``changes`` (a subset of :data:`EQUIPMENT_FIELDS`); all or nothing."""
    values = {f: getattr(eq, f) for f in EQUIPMENT_FIELDS}
    values.update({k: v for k, v in changes.items() if k in EQUIPMENT_FIELDS})
    values["serial"] = _clean_serial(values["serial"])
    errors = _Errors()
    _check_equipment(errors, customer_id=eq.customer_id, product_id=values["product_id"],
                     model_name=values["model_name"] if values["product_id"] is None else "x",
                     serial=values["serial"], purchase_date=values["purchase_date"],
                     install_date=values["install_date"], status=values["status"], location=values["location"],
                     exclude_id=eq.id)
    errors.raise_if_any()
    old_status = eq.status
    for f, v in values.items():
        setattr(eq, f, v.strip() if isinstance(v, str) and f != "serial" else v)
    eq.serial_key = fold_serial(eq.serial)
    if eq.product_id is not None:
        eq.product = db.session.get(Product, eq.product_id)
        eq.model_name = eq.product.name
    if eq.status == RETIRED and old_status != RETIRED:
        eq.retired_on = local_today()
        log_event(eq.customer_id, "service.equipment_retired", source=SOURCE, user_id=user_id,
                  subject_kind="service.equipment_retired", subject_params={"label": eq.label},
                  data={"equipment_id": eq.id}, permission=TECH)
    elif eq.status != RETIRED:
        eq.retired_on = None
    db.session.flush()
    return eq


# -- warranties --------------------------------------------------------------------------


def add_warranty(eq: Equipment, *, kind: str = STANDARD, terms: str = BOTH, start_date: date | None,
                 end_date: date | None = None, months: int | None = None, visits_per_year: int = 0,
                 price: Decimal | None = None, notes: str = "", source: str = "manual",
                 user_id: int | None = None, log: bool = True) -> Warranty:
    """A warranty or service contract; ``months`` computes the end date when none is given.

    A service contract with ``visits_per_year`` gets its own maintenance plan, so the
    scheduler books the included visits while the contract runs.
    """
    errors = _Errors()
    if kind not in WARRANTY_KINDS:
        errors.add("kind", _("Not one of: %(c)s.", c=", ".join(WARRANTY_KINDS)))
    if terms not in TERMS:
        errors.add("terms", _("Not one of: %(c)s.", c=", ".join(TERMS)))
    if start_date is None:
        errors.add("start_date", _("A start date is required."))
    if end_date is None and months:
        if months < 1 or months > 240:
            errors.add("months", _("Between 1 and 240 months."))
        elif start_date:
            end_date = add_months(start_date, months)
    if end_date is None:
        errors.add("end_date", _("An end date (or a number of months) is required."))
    elif start_date and end_date < start_date:
        errors.add("end_date", _("The warranty cannot end before it starts."))
    if not 0 <= (visits_per_year or 0) <= 12:
        errors.add("visits_per_year", _("Between 0 and 12 visits a year."))
    if price is not None and price < 0:
        errors.add("price", _("The price cannot be negative."))
    errors.raise_if_any()
    w = Warranty(equipment=eq, kind=kind, terms=terms, start_date=start_date, end_date=end_date,
                 visits_per_year=visits_per_year or 0, price=price or Decimal("0"), notes=notes or "", source=source)
    db.session.add(w)
    db.session.flush()
    if kind == CONTRACT and w.visits_per_year:
        db.session.add(MaintenancePlan(
            name=_("Contract visits: %(label)s", label=eq.label)[:200], warranty_id=w.id,
            interval_months=max(1, 12 // w.visits_per_year), checklist=""))
    if log:
        log_event(eq.customer_id, f"service.warranty_{kind}", source=SOURCE, user_id=user_id,
                  subject_kind="service.warranty_added",
                  subject_params={"kind": kind, "label": eq.label, "end": end_date.isoformat()},
                  data={"equipment_id": eq.id, "warranty_id": w.id}, permission=TECH)
    return w


# -- service requests ---------------------------------------------------------------------


def _check_request_fields(errors: _Errors, data: dict) -> None:
    if "priority" in data and data["priority"] not in PRIORITIES:
        errors.add("priority", _("Not one of: %(c)s.", c=", ".join(PRIORITIES)))
    if "channel" in data and data["channel"] not in REQUEST_CHANNELS:
        errors.add("channel", _("Not one of: %(c)s.", c=", ".join(REQUEST_CHANNELS)))
    if "problem_category" in data and data["problem_category"] not in PROBLEM_CATEGORIES:
        errors.add("problem_category", _("Not one of: %(c)s.", c=", ".join(PROBLEM_CATEGORIES)))
    _check_technician(errors, data.get("technician_id"))
    for f in ("faulty_serial", "replacement_serial"):
        if data.get(f) and len(data[f]) > 100:
            errors.add(f, _("At most %(n)d characters.", n=100))


def _check_technician(errors: _Errors, technician_id: int | None) -> None:
    """A technician is an active staff user (a missing one is a 422 on the field, not a 500)."""
    if technician_id is None:
        return
    from core.auth.models import User

    user = db.session.get(User, technician_id)
    if user is None or not user.active:
        errors.add("technician_id", _("Unknown technician."))


def recompute_coverage(req: ServiceRequest) -> None:
    d = coverage.decide(req.equipment.warranties, req.reported_on)
    req.coverage, req.coverage_terms, req.coverage_warranty_id = d.decision, d.terms, d.warranty_id


def open_request(*, equipment_id: int | None, problem: str, reported_on: date | None = None,
                 priority: str = "normal", channel: str = "phone", problem_category: str = "other",
                 technician_id: int | None = None, user_id: int | None = None, when=None) -> ServiceRequest:
    errors = _Errors()
    eq = db.session.get(Equipment, equipment_id) if equipment_id is not None else None
    if eq is None:
        errors.add("equipment_id", _("Unknown equipment."))
    elif eq.status == RETIRED:
        errors.add("equipment_id", _("This equipment is retired."))
    problem = (problem or "").strip()
    if not problem:
        errors.add("problem", _("Describe the reported problem."))
    reported_on = reported_on or local_today()
    if reported_on > local_today():  # the reader's today: past 22:00 UTC it is already tomorrow in Athens
        errors.add("reported_on", _("The report date cannot be in the future."))
    _check_request_fields(errors, {"priority": priority, "channel": channel, "problem_category": problem_category,
                                   "technician_id": technician_id})
    errors.raise_if_any()
    req = ServiceRequest(equipment=eq, customer_id=eq.customer_id, problem=problem, reported_on=reported_on,
                         priority=priority, channel=channel, problem_category=problem_category,
                         technician_id=technician_id, created_by_id=user_id, status=NEW)
    if when is not None:
        req.opened_at = when
    recompute_coverage(req)
    db.session.add(req)
    db.session.flush()
    log_event(eq.customer_id, "service.request_opened", source=SOURCE, user_id=user_id,
              subject_kind="service.request_opened", subject_params={"number": req.number, "label": eq.label},
              body=problem, data={"request_id": req.id, "equipment_id": eq.id, "coverage": req.coverage},
              occurred_at=when, record=req)
    return req


REQUEST_FIELDS = ("problem", "priority", "channel", "problem_category", "technician_id", "diagnosis",
                  "faulty_serial", "replacement_serial", "reported_on")


def update_request(req: ServiceRequest, changes: dict, *, user_id: int | None = None) -> ServiceRequest:
    changes = {k: v for k, v in changes.items() if k in REQUEST_FIELDS}
    errors = _Errors()
    if req.status in (CLOSED, CANCELLED):
        errors.add("status", _("A closed or cancelled request cannot be changed."))
    _check_request_fields(errors, changes)
    if "problem" in changes and not (changes["problem"] or "").strip():
        errors.add("problem", _("Describe the reported problem."))
    if changes.get("reported_on") and changes["reported_on"] > local_today():
        errors.add("reported_on", _("The report date cannot be in the future."))
    errors.raise_if_any()
    old_tech = req.technician_id
    for k, v in changes.items():
        if k in ("faulty_serial", "replacement_serial"):
            v = _clean_serial(v)
        elif k == "reported_on" and v is None:
            continue
        setattr(req, k, v.strip() if isinstance(v, str) else v)
    if "reported_on" in changes:
        recompute_coverage(req)
    if req.technician_id != old_tech and req.technician_id is not None:
        from core.auth.models import User

        tech = db.session.get(User, req.technician_id)
        log_event(req.customer_id, "service.request_assigned", source=SOURCE, user_id=user_id,
                  subject_kind="service.request_assigned",
                  subject_params={"number": req.number, "name": tech.display_name},
                  data={"request_id": req.id}, record=req)
    db.session.flush()
    return req


TRANSITIONS = {
    NEW: (DIAGNOSED, CANCELLED),
    DIAGNOSED: (IN_REPAIR, DONE, CANCELLED),
    IN_REPAIR: (DONE, CANCELLED),
    DONE: (CLOSED, IN_REPAIR),
    CLOSED: (),
    CANCELLED: (),
}


def allowed_transitions(req: ServiceRequest) -> tuple[str, ...]:
    return TRANSITIONS.get(req.status, ())


def transition(req: ServiceRequest, to: str, *, user_id: int | None = None, diagnosis: str | None = None,
               when=None) -> ServiceRequest:
    """Move a request along new → diagnosed → in repair → done → closed (or cancelled)."""
    errors = _Errors()
    if diagnosis is not None and diagnosis.strip():
        pending_diagnosis = diagnosis.strip()
    else:
        pending_diagnosis = (req.diagnosis or "").strip()
    if to not in TRANSITIONS:
        errors.add("status", _("Not a known status."))
    elif to == CLOSED and req.diagnosed_at is None:
        errors.add("status", _("A request must be diagnosed before it can be closed."))
    elif to not in TRANSITIONS[req.status]:
        raise ServiceStateConflict({"status": [_("A request that is %(a)s cannot become %(b)s.",
                                                 a=status_label(req.status), b=status_label(to))]})
    elif to == DIAGNOSED and not pending_diagnosis:
        errors.add("diagnosis", _("Write the diagnosis first."))
    errors.raise_if_any()
    now = when or utcnow()
    stamp = {DIAGNOSED: "diagnosed_at", IN_REPAIR: "repair_started_at", DONE: "done_at", CLOSED: "closed_at",
             CANCELLED: "cancelled_at"}[to]
    # Atomic: of simultaneous transitions from the same state exactly one happens; only it
    # changes the equipment and writes the history (the others get a 409).
    before = req.status
    if not change_state(req, "status", before, status=to, diagnosis=pending_diagnosis, **{stamp: now}):
        raise ServiceStateConflict({"status": [_("A request that is %(a)s cannot become %(b)s.",
                                                 a=status_label(req.status), b=status_label(to))]})
    eq = req.equipment
    if to == IN_REPAIR:
        if eq.status != RETIRED:
            eq.status = UNDER_REPAIR
    elif to == DONE:
        if eq.status == UNDER_REPAIR:
            eq.status = IN_SERVICE
        # A whole unit swapped: the equipment now carries the replacement's serial.
        if req.replacement_serial and req.faulty_serial and eq.serial and req.faulty_serial == eq.serial:
            eq.serial, eq.serial_key = req.replacement_serial, fold_serial(req.replacement_serial)
    elif to == CANCELLED:
        if eq.status == UNDER_REPAIR:
            eq.status = IN_SERVICE
    db.session.flush()
    text, params = "service.request_status", {"number": req.number, "status": to}
    if to == DONE:
        amount_covered, amount_billable = coverage.covered_amounts(req)
        text, params = "service.request_repaired", {
            "number": req.number, "decision": req.decision, "covered": str(amount_covered),
            "billable": str(amount_billable), "currency": current_app.config["DEFAULT_CURRENCY"]}
    log_event(req.customer_id, f"service.request_{to}", source=SOURCE, user_id=user_id, subject_kind=text,
              subject_params=params,
              body=req.diagnosis if to == DIAGNOSED else "", data={"request_id": req.id}, occurred_at=when,
              record=req)
    if to == DIAGNOSED:
        from plugins.service.portal import tell_customer_coverage

        tell_customer_coverage(req, first=True)
    return req


def _decimal(value, field: str, errors: _Errors, *, minimum=Decimal("0")) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, _("Not a number."))
        return None
    if not d.is_finite() or d < minimum or d > Decimal("999999999"):
        errors.add(field, _("Not an acceptable amount."))
        return None
    return d


def add_line(req: ServiceRequest, *, kind: str, description: str = "", product_id: int | None = None,
             quantity=1, unit_price=None) -> RequestLine:
    errors = _Errors()
    if req.status in (CLOSED, CANCELLED):
        errors.add("status", _("A closed or cancelled request cannot be changed."))
    if kind not in LINE_KINDS:
        errors.add("kind", _("Either part or labour."))
    product = None
    if product_id is not None:
        product = db.session.get(Product, product_id)
        if product is None:
            errors.add("product_id", _("Unknown product."))
    description = (description or "").strip() or (product.name if product else "")
    if not description:
        errors.add("description", _("Choose a catalog item or describe the line."))
    elif len(description) > 300:
        errors.add("description", _("At most %(n)d characters.", n=300))
    qty = _decimal(quantity, "quantity", errors)
    if qty is not None and qty <= 0:
        errors.add("quantity", _("The quantity must be above zero."))
    price = _decimal(unit_price if unit_price not in (None, "") else (product.unit_price if product else None),
                     "unit_price", errors)
    errors.raise_if_any()
    line = RequestLine(request=req, kind=kind, description=description, product_id=product_id,
                       quantity=qty, unit_price=price)
    db.session.add(line)
    db.session.flush()
    return line


def remove_line(req: ServiceRequest, line_id: int) -> None:
    line = next((ln for ln in req.lines if ln.id == line_id), None)
    errors = _Errors()
    if line is None:
        errors.add("line", _("Unknown line."))
    elif req.status in (CLOSED, CANCELLED):
        errors.add("status", _("A closed or cancelled request cannot be changed."))
    errors.raise_if_any()
    req.lines.remove(line)
    db.session.flush()


def override_coverage(req: ServiceRequest, decision: str | None, reason: str, *, user_id: int | None) -> None:
    """Staff decide differently from the computed coverage; the reason is required and logged."""
    errors = _Errors()
    reason = (reason or "").strip()
    if decision not in (None, "", *DECISIONS):
        errors.add("decision", _("Not one of: %(c)s.", c=", ".join(DECISIONS)))
    if decision and not reason:
        errors.add("reason", _("Give a reason for the override."))
    if req.status in (CLOSED, CANCELLED):
        errors.add("status", _("A closed or cancelled request cannot be changed."))
    errors.raise_if_any()
    req.coverage_override = decision or None
    req.override_reason = reason if decision else ""
    req.override_by_id = user_id if decision else None
    db.session.flush()
    log_event(req.customer_id, "service.coverage_override", source=SOURCE, user_id=user_id,
              subject_kind="service.coverage_override",
              subject_params={"number": req.number, "decision": req.decision},
              body=reason, data={"request_id": req.id, "computed": req.coverage, "override": req.coverage_override}, record=req)
    from plugins.service.portal import tell_customer_coverage

    tell_customer_coverage(req, first=False)


# -- maintenance -------------------------------------------------------------------------------


def create_plan(*, name: str, interval_months: int, product_id: int | None = None, checklist: str = "") -> MaintenancePlan:
    errors = _Errors()
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors.add("name", _("A name of 1 to 200 characters is required."))
    if product_id is None or db.session.get(Product, product_id) is None:
        errors.add("product_id", _("Unknown product."))
    if not interval_months or not 1 <= interval_months <= 120:
        errors.add("interval_months", _("Between 1 and 120 months."))
    errors.raise_if_any()
    plan = MaintenancePlan(name=name, product_id=product_id, interval_months=interval_months, checklist=checklist or "")
    db.session.add(plan)
    db.session.flush()
    return plan


def _first_due(plan: MaintenancePlan, eq: Equipment) -> date:
    last_done = db.session.execute(
        sa.select(sa.func.max(Visit.done_on)).where(Visit.equipment_id == eq.id, Visit.plan_id == plan.id,
                                                    Visit.status == VISIT_DONE)
    ).scalar()
    if last_done:
        return add_months(last_done, plan.interval_months)
    start = plan.warranty.start_date if plan.warranty_id else eq.in_use_since
    return add_months(start, plan.interval_months)


def _plan_targets(plan: MaintenancePlan):
    if plan.warranty_id:
        eq = plan.warranty.equipment
        return [eq] if eq.status != RETIRED else []
    return db.session.execute(
        sa.select(Equipment).where(Equipment.product_id == plan.product_id, Equipment.status != RETIRED)
    ).scalars()


def schedule_due_visits(today: date | None = None, horizon_days: int = 30) -> int:
    """Create the next visit for every plan and unit that has none open and is due soon.

    Idempotent: a unit with an open (scheduled) visit under a plan gets nothing new,
    and a unique constraint on (plan, equipment, due date) backs that up.
    Returns the number of visits created; the caller commits.
    """
    from datetime import timedelta

    today = today or local_today()
    limit = today + timedelta(days=horizon_days)
    open_pairs = set(db.session.execute(
        sa.select(Visit.plan_id, Visit.equipment_id).where(Visit.status == SCHEDULED, Visit.plan_id.is_not(None))
    ).all())
    created = 0
    plans = db.session.execute(sa.select(MaintenancePlan).where(MaintenancePlan.active.is_(True))).scalars().all()
    for plan in plans:
        for eq in _plan_targets(plan):
            if (plan.id, eq.id) in open_pairs:
                continue
            due = _first_due(plan, eq)
            if due > limit or (plan.warranty_id and due > plan.warranty.end_date):
                continue
            db.session.add(Visit(equipment_id=eq.id, customer_id=eq.customer_id, plan_id=plan.id, due_date=due))
            open_pairs.add((plan.id, eq.id))
            created += 1
    db.session.flush()
    return created


def schedule_visit(eq: Equipment, *, due_date: date | None, technician_id: int | None = None,
                   notes: str = "") -> Visit:
    errors = _Errors()
    if due_date is None:
        errors.add("due_date", _("A date is required."))
    if eq.status == RETIRED:
        errors.add("equipment_id", _("This equipment is retired."))
    _check_technician(errors, technician_id)
    errors.raise_if_any()
    visit = Visit(equipment_id=eq.id, customer_id=eq.customer_id, due_date=due_date,
                  technician_id=technician_id, notes=notes or "")
    db.session.add(visit)
    db.session.flush()
    return visit


def finish_visit(visit: Visit, *, done_on: date | None, outcome: str, notes: str = "",
                 technician_id: int | None = None, user_id: int | None = None) -> Visit | None:
    """Record a visit; under a plan, book the next one. Returns the next visit (or None)."""
    errors = _Errors()
    if visit.status != SCHEDULED:
        raise ServiceStateConflict({"status": [_("This visit is not scheduled any more.")]})
    if done_on is None:
        errors.add("done_on", _("A date is required."))
    elif done_on > local_today():
        errors.add("done_on", _("The visit date cannot be in the future."))
    if outcome not in VISIT_OUTCOMES:
        errors.add("outcome", _("Not one of: %(c)s.", c=", ".join(VISIT_OUTCOMES)))
    _check_technician(errors, technician_id)
    errors.raise_if_any()
    changes = {"done_on": done_on, "outcome": outcome, "notes": (notes or "").strip() or visit.notes}
    if technician_id is not None:
        changes["technician_id"] = technician_id
    if not change_state(visit, "status", SCHEDULED, status=VISIT_DONE, **changes):
        raise ServiceStateConflict({"status": [_("This visit is not scheduled any more.")]})
    log_event(visit.customer_id, "service.visit_done", source=SOURCE, user_id=user_id,
              subject_kind="service.visit_done", subject_params={"label": visit.equipment.label, "outcome": outcome},
              body=visit.notes, data={"visit_id": visit.id, "equipment_id": visit.equipment_id}, permission=TECH)
    nxt = None
    plan = visit.plan
    if plan is not None and plan.active and visit.equipment.status != RETIRED:
        due = add_months(done_on, plan.interval_months)
        if not (plan.warranty_id and due > plan.warranty.end_date):
            nxt = Visit(equipment_id=visit.equipment_id, customer_id=visit.customer_id, plan_id=plan.id,
                        due_date=due, technician_id=visit.technician_id)
            db.session.add(nxt)
            db.session.flush()
    return nxt


# -- sales events --------------------------------------------------------------------------------


def _tracked_products(ids) -> dict[int, Product]:
    """Products that become equipment: a default warranty, or an active maintenance plan."""
    if not ids:
        return {}
    products = db.session.execute(sa.select(Product).where(Product.id.in_(ids))).scalars().all()
    planned = set(db.session.execute(
        sa.select(MaintenancePlan.product_id).where(MaintenancePlan.product_id.in_(ids),
                                                     MaintenancePlan.active.is_(True))
    ).scalars())
    return {p.id: p for p in products if p.kind == PRODUCT and (p.warranty_months > 0 or p.id in planned)}


def register_from_order(order: dict) -> list[Equipment]:
    """Equipment and standard warranties for a confirmed sales order (idempotent per order)."""
    order_id = order.get("id")
    if db.session.execute(sa.select(Equipment.id).where(Equipment.source == "sales",
                                                        Equipment.order_id == order_id)).first():
        return []
    customer_id = order.get("customer_id")
    if db.session.get(Customer, customer_id) is None:
        return []
    confirmed = date.fromisoformat(str(order.get("confirmed_at"))[:10])
    lines = order.get("lines") or []
    tracked = _tracked_products({int(ln["product_id"]) for ln in lines if ln.get("product_id") is not None})
    created = []
    for ln in lines:
        product = tracked.get(int(ln["product_id"])) if ln.get("product_id") is not None else None
        if product is None:
            continue
        try:
            units = int(Decimal(str(ln.get("quantity") or 0)))
        except (InvalidOperation, ValueError):
            continue
        months = ln.get("warranty_months")
        months = int(months) if months not in (None, "") else product.warranty_months
        for _unit in range(max(0, min(units, 1000))):
            eq = create_equipment(customer_id=customer_id, product_id=product.id, purchase_date=confirmed,
                                  source="sales", order_id=order_id, order_number=order.get("number"), log=False)
            if months > 0:
                add_warranty(eq, kind=STANDARD, terms=BOTH, start_date=confirmed, months=months, source="sales",
                             log=False)
            created.append(eq)
    if created:
        log_event(customer_id, "service.equipment_registered", source=SOURCE,
                  subject_kind="service.units_registered",
                  subject_params={"count": len(created), "number": str(order.get("number") or order_id)},
                  data={"order_id": order_id, "equipment_ids": [e.id for e in created]}, permission=TECH)
    return created


def retire_from_order(order: dict) -> tuple[int, int]:
    """Retire what an order registered, unless work was already done on it.

    Returns ``(retired, kept)``; a unit is kept when it has a service request or a
    finished visit, because then it clearly exists at the customer.
    """
    units = db.session.execute(
        sa.select(Equipment).where(Equipment.source == "sales", Equipment.order_id == order.get("id"),
                                   Equipment.status != RETIRED)
    ).scalars().all()
    retired = kept = 0
    today = local_today()
    for eq in units:
        worked = db.session.execute(sa.select(ServiceRequest.id).where(ServiceRequest.equipment_id == eq.id)).first() \
            or db.session.execute(sa.select(Visit.id).where(Visit.equipment_id == eq.id,
                                                            Visit.status == VISIT_DONE)).first()
        if worked:
            kept += 1
            continue
        eq.status, eq.retired_on = RETIRED, today
        for w in eq.warranties:
            if w.end_date >= today and w.source == "sales":
                w.end_date = max(w.start_date, today)
                w.notes = (w.notes + "\n" if w.notes else "") + _("Order cancelled.")
        # Through the ORM, not one UPDATE statement, so each cancelled visit is audited.
        for visit in db.session.execute(
                sa.select(Visit).where(Visit.equipment_id == eq.id, Visit.status == SCHEDULED)).scalars():
            visit.status = "cancelled"
        retired += 1
    if units:
        log_event(units[0].customer_id, "service.equipment_retired", source=SOURCE,
                  subject_kind="service.units_retired",
                  subject_params={"number": str(order.get("number") or order.get("id")), "retired": retired,
                                  "kept": kept},
                  data={"order_id": order.get("id")}, permission=TECH)
    db.session.flush()
    return retired, kept


# -- labels --------------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return {
        NEW: pgettext("service request", "new"), DIAGNOSED: pgettext("service request", "diagnosed"),
        IN_REPAIR: pgettext("service request", "in repair"), DONE: pgettext("service request", "done"),
        CLOSED: pgettext("service request", "closed"), CANCELLED: pgettext("service request", "cancelled"),
    }.get(status, status)


def decision_label(decision: str | None) -> str:
    return {"covered": _("covered"), "partly_covered": _("partly covered"), "billable": _("billable")}.get(
        decision or "", decision or "")


def outcome_label(outcome: str | None) -> str:
    return {"ok": _("all fine"), "adjusted": _("adjusted"), "needs_repair": _("needs repair"),
            "no_access": _("no access")}.get(outcome or "", outcome or "")


def equipment_status_label(status: str) -> str:
    return {IN_SERVICE: _("in service"), UNDER_REPAIR: _("under repair"), RETIRED: _("retired")}.get(status, status)


def erase_customer_data(customer_id: int) -> None:
    """GDPR erasure: the units stay (warranties, repairs, reliability figures) but not where
    they are installed, which is the person's address (the core's ``erase_customer_data`` hook)."""
    db.session.execute(sa.update(Equipment).where(Equipment.customer_id == customer_id).values(location=""))
    from plugins.service.photos import erase_photos

    erase_photos(customer_id)  # photos show the person's home: rows now, files after the commit


def equipment_facts() -> sa.Select:
    """The ``service_equipment`` query hook (see ``hookspecs.py``)."""
    warranty_end = (sa.select(sa.func.max(Warranty.end_date)).where(Warranty.equipment_id == Equipment.id)
                    .correlate(Equipment).scalar_subquery())
    return (
        sa.select(
            Equipment.id.label("equipment_id"), Equipment.customer_id.label("customer_id"),
            Equipment.product_id.label("product_id"),
            sa.func.coalesce(Product.name, Equipment.model_name).label("model"), Equipment.serial.label("serial"),
            Equipment.purchase_date.label("purchase_date"), Equipment.install_date.label("install_date"),
            Equipment.status.label("status"), Equipment.retired_on.label("retired_on"),
            Equipment.source.label("source"), Equipment.order_id.label("order_id"),
            sa.type_coerce(warranty_end, sa.Date).label("warranty_end"),
        )
        .outerjoin(Product, Equipment.product_id == Product.id)
    )
