"""marshmallow schemas of ``/api/v1/service``: what goes in, what comes out.

Types, sizes and ranges are checked here with the core's field types
(:mod:`core.api.fields`); the business rules (an existing customer, product or
technician, dates in order, allowed transitions, coverage) stay in ``service.py``.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import marshmallow as ma
from marshmallow import fields

from core.api.base import PageArgs
from core.api.fields import Choice, Date, Id, Integer, Money, Number, Text, UtcDateTime, page_of
from plugins.service.models import (
    DECISIONS, EQUIPMENT_STATUSES, LINE_KINDS, PRIORITIES, PROBLEM_CATEGORIES, REQUEST_CHANNELS,
    REQUEST_STATUSES, TERMS, VISIT_OUTCOMES, WARRANTY_KINDS,
)
from core.l10n import local_today

LONG_TEXT = 10_000

# -- input ------------------------------------------------------------------------------------


class EquipmentQuery(PageArgs):
    customer_id = Id(strict=False, load_default=None)
    serial = Text(load_default=None, max_length=100, metadata={"description": "exact, case and accents ignored"})
    status = Choice(EQUIPMENT_STATUSES, load_default=None)


class EquipmentPatch(ma.Schema):
    product_id = Id(allow_none=True, metadata={"description": "a catalog product, or null with model_name"})
    model_name = Text(max_length=200)
    serial = Text(allow_none=True, max_length=100)
    purchase_date = Date(allow_none=True)
    install_date = Date(allow_none=True)
    location = Text(max_length=300)
    status = Choice(EQUIPMENT_STATUSES)
    notes = Text(max_length=LONG_TEXT)


class EquipmentIn(EquipmentPatch):
    customer_id = Id(required=True)
    product_id = Id(allow_none=True, load_default=None)
    model_name = Text(load_default="", max_length=200)
    serial = Text(allow_none=True, load_default=None, max_length=100)
    purchase_date = Date(allow_none=True, load_default=None)
    install_date = Date(allow_none=True, load_default=None)
    location = Text(load_default="", max_length=300)
    status = Choice(EQUIPMENT_STATUSES, load_default="in_service")
    notes = Text(load_default="", max_length=LONG_TEXT)


class WarrantyQuery(PageArgs):
    customer_id = Id(strict=False, load_default=None)
    equipment_id = Id(strict=False, load_default=None)
    ending_before = Date(load_default=None, metadata={"description": "running warranties ending by this date"})


class WarrantyIn(ma.Schema):
    equipment_id = Id(required=True)
    kind = Choice(WARRANTY_KINDS, load_default="extended")
    terms = Choice(TERMS, load_default="both")
    start_date = Date(required=True)
    end_date = Date(allow_none=True, load_default=None)
    months = Integer(1, 240, allow_none=True, load_default=None, metadata={"description": "instead of end_date"})
    visits_per_year = Integer(0, 12, load_default=0)
    price = Money(allow_none=True, load_default=None)
    notes = Text(load_default="", max_length=LONG_TEXT)


class RequestQuery(PageArgs):
    status = Choice(REQUEST_STATUSES, load_default=None)
    customer_id = Id(strict=False, load_default=None)
    equipment_id = Id(strict=False, load_default=None)


class RequestIn(ma.Schema):
    equipment_id = Id(required=True)
    problem = Text(required=True, min_length=1, max_length=LONG_TEXT)
    problem_category = Choice(PROBLEM_CATEGORIES, load_default="other")
    priority = Choice(PRIORITIES, load_default="normal")
    channel = Choice(REQUEST_CHANNELS, load_default="phone")
    reported_on = Date(allow_none=True, load_default=None)
    technician_id = Id(allow_none=True, load_default=None, metadata={"description": "service.manager only"})


class RequestPatch(ma.Schema):
    problem = Text(min_length=1, max_length=LONG_TEXT)
    problem_category = Choice(PROBLEM_CATEGORIES)
    priority = Choice(PRIORITIES)
    channel = Choice(REQUEST_CHANNELS)
    reported_on = Date()
    technician_id = Id(allow_none=True, metadata={"description": "service.manager only"})
    diagnosis = Text(max_length=LONG_TEXT)
    faulty_serial = Text(allow_none=True, max_length=100)
    replacement_serial = Text(allow_none=True, max_length=100)
    coverage_override = Choice(DECISIONS, allow_none=True, metadata={"description": "service.manager only"})
    override_reason = Text(max_length=2000, metadata={"description": "service.manager only"})


class TransitionIn(ma.Schema):
    to = Choice(REQUEST_STATUSES, required=True)
    diagnosis = Text(load_default=None, allow_none=True, max_length=LONG_TEXT)


class LineIn(ma.Schema):
    kind = Choice(LINE_KINDS, required=True)
    product_id = Id(allow_none=True, load_default=None)
    description = Text(load_default="", max_length=300)
    quantity = Number(2, Decimal("0"), Decimal("999999999"), load_default=Decimal("1"),
                      metadata={"description": "more than 0; default 1"})
    unit_price = Money(allow_none=True, load_default=None, maximum=Decimal("999999999"),
                       metadata={"description": "default the product's price"})


class VisitQuery(PageArgs):
    status = Choice(("scheduled", "done", "cancelled"), load_default="scheduled")
    due_before = Date(load_default=None)
    equipment_id = Id(strict=False, load_default=None)


class VisitIn(ma.Schema):
    equipment_id = Id(required=True)
    due_date = Date(required=True)
    technician_id = Id(allow_none=True, load_default=None)
    notes = Text(load_default="", max_length=LONG_TEXT)


class FinishIn(ma.Schema):
    done_on = Date(required=True, metadata={"description": "not in the future"})
    outcome = Choice(VISIT_OUTCOMES, required=True)
    notes = Text(load_default="", max_length=LONG_TEXT)
    technician_id = Id(allow_none=True, load_default=None)


# -- output ------------------------------------------------------------------------------------


class WarrantySchema(ma.Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    customer_id = fields.Function(lambda w: w.equipment.customer_id, metadata={"type": "integer"})
    kind = fields.String()
    terms = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    visits_per_year = fields.Integer()
    price = Money()
    status = fields.Function(lambda w: w.status_on(local_today()),
                             metadata={"type": "string", "enum": ["future", "active", "expired"]})
    notes = fields.String()
    source = fields.String()
    created_at = UtcDateTime()


class EquipmentSchema(ma.Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    model = fields.String(attribute="model_label", metadata={"description": "the product's name, else model_name"})
    serial = fields.String(allow_none=True)
    purchase_date = fields.Date(allow_none=True)
    install_date = fields.Date(allow_none=True)
    location = fields.String()
    status = fields.String()
    retired_on = fields.Date(allow_none=True)
    notes = fields.String()
    source = fields.String()
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class EquipmentDetailSchema(EquipmentSchema):
    warranties = fields.List(fields.Nested(WarrantySchema))


class RequestLineSchema(ma.Schema):
    id = fields.Integer()
    product_id = fields.Integer(allow_none=True)
    kind = fields.String()
    description = fields.String()
    quantity = Number(2, Decimal("0"), Decimal("999999999"))
    unit_price = Money()
    total = Money(maximum=Decimal("9999999999999999999.99"))


def _amounts(req, which: int) -> str:
    from plugins.service.coverage import covered_amounts

    return str(covered_amounts(req)[which])


class RequestSchema(ma.Schema):
    id = fields.Integer()
    number = fields.String()
    customer_id = fields.Integer()
    equipment_id = fields.Integer()
    technician_id = fields.Integer(allow_none=True)
    status = fields.String()
    priority = fields.String()
    channel = fields.String()
    problem = fields.String()
    problem_category = fields.String()
    reported_on = fields.Date()
    diagnosis = fields.String()
    faulty_serial = fields.String(allow_none=True)
    replacement_serial = fields.String(allow_none=True)
    coverage = fields.String(metadata={"description": "computed from the warranties on reported_on"})
    coverage_override = fields.String(allow_none=True)
    override_reason = fields.String()
    decision = fields.String(metadata={"description": "the override if any, else coverage"})
    covered_amount = fields.Function(lambda r: _amounts(r, 0), metadata={"type": "string", "format": "decimal"})
    billable_amount = fields.Function(lambda r: _amounts(r, 1), metadata={"type": "string", "format": "decimal"})
    opened_at = UtcDateTime()
    diagnosed_at = UtcDateTime(allow_none=True)
    repair_started_at = UtcDateTime(allow_none=True)
    done_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)
    lines = fields.List(fields.Nested(RequestLineSchema))


class VisitSchema(ma.Schema):
    id = fields.Integer()
    equipment_id = fields.Integer()
    customer_id = fields.Integer()
    plan_id = fields.Integer(allow_none=True)
    technician_id = fields.Integer(allow_none=True)
    due_date = fields.Date()
    status = fields.String()
    done_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True)
    notes = fields.String()
    created_at = UtcDateTime()


class VisitFinishedSchema(VisitSchema):
    next = fields.Nested(VisitSchema, allow_none=True, metadata={"description": "the next visit under a plan"})


EquipmentPageSchema = page_of(EquipmentSchema)
WarrantyPageSchema = page_of(WarrantySchema)
RequestPageSchema = page_of(RequestSchema)
VisitPageSchema = page_of(VisitSchema)
