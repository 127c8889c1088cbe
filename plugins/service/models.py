"""Service tables: installed equipment, warranties, service requests, maintenance.

Everything hangs off :class:`Equipment` (one physical unit at a customer). Dates
that matter for coverage and reliability are plain ``date`` columns so that a
warranty's first and last day compare exactly, whatever the time zone.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.catalog.models import Money
from core.db import db, utcnow

# Equipment status
IN_SERVICE, UNDER_REPAIR, RETIRED = "in_service", "under_repair", "retired"
EQUIPMENT_STATUSES = (IN_SERVICE, UNDER_REPAIR, RETIRED)

# Warranty kinds and coverage terms
STANDARD, EXTENDED, CONTRACT = "standard", "extended", "contract"
WARRANTY_KINDS = (STANDARD, EXTENDED, CONTRACT)
PARTS, LABOUR, BOTH = "parts", "labour", "both"
TERMS = (PARTS, LABOUR, BOTH)

# Service request workflow
NEW, DIAGNOSED, IN_REPAIR, DONE, CLOSED, CANCELLED = "new", "diagnosed", "in_repair", "done", "closed", "cancelled"
REQUEST_STATUSES = (NEW, DIAGNOSED, IN_REPAIR, DONE, CLOSED, CANCELLED)
OPEN_STATUSES = (NEW, DIAGNOSED, IN_REPAIR, DONE)
PRIORITIES = ("low", "normal", "high", "urgent")
REQUEST_CHANNELS = ("phone", "email", "visit", "portal", "other")
PROBLEM_CATEGORIES = ("no_power", "noise", "leak", "overheating", "display", "mechanical", "software", "other")

# Coverage decisions
COVERED, PARTLY, BILLABLE = "covered", "partly_covered", "billable"
DECISIONS = (COVERED, PARTLY, BILLABLE)

# Request line kinds
LINE_PART, LINE_LABOUR = "part", "labour"
LINE_KINDS = (LINE_PART, LINE_LABOUR)

# Visits
SCHEDULED, VISIT_DONE, VISIT_CANCELLED = "scheduled", "done", "cancelled"
VISIT_OUTCOMES = ("ok", "adjusted", "needs_repair", "no_access")


class Equipment(db.Model):
    """One unit installed at a customer: a catalog product or a free-text model."""

    __tablename__ = "service_equipment"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "serial", name="uq_service_equipment_product_serial"),
        sa.Index("ix_service_equipment_customer", "customer_id", "id"),
        sa.Index("ix_service_equipment_status", "status", "id"),
        sa.Index("ix_service_equipment_serial_key", "serial_key"),
        sa.Index("ix_service_equipment_order", "order_id"),
    )
    __audit__ = Audit(
        "service.equipment", label=_l("Equipment"), title=("model_name", "serial"), customer="customer_id",
        ignore=("serial_key",),
        fields={"product_id": _l("Catalog product"), "model_name": _l("Model"), "purchase_date": _l("Purchase date"),
                "install_date": _l("Installation date"), "retired_on": _l("Retired on"),
                "order_id": _l("Sales order"), "order_number": _l("Order number")},
        values={"status": "plugins.service.service:equipment_status_label"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_product.id", ondelete="RESTRICT"), index=True)
    model_name: Mapped[str] = mapped_column(sa.String(200), default="")
    serial: Mapped[str | None] = mapped_column(sa.String(100))
    serial_key: Mapped[str | None] = mapped_column(sa.String(100))
    purchase_date: Mapped[date | None]
    install_date: Mapped[date | None]
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=IN_SERVICE)
    retired_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")
    order_id: Mapped[int | None]
    order_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer = relationship("Customer")
    product = relationship("Product")
    warranties: Mapped[list["Warranty"]] = relationship(
        back_populates="equipment", cascade="all, delete-orphan", order_by="Warranty.start_date"
    )

    @property
    def label(self) -> str:
        name = self.product.name if self.product is not None else self.model_name
        return f"{name} · {self.serial}" if self.serial else name

    @property
    def model_label(self) -> str:
        return self.product.name if self.product is not None else self.model_name

    @property
    def in_use_since(self) -> date:
        """When the unit started working: installation, else purchase, else registration."""
        return self.install_date or self.purchase_date or self.created_at.date()



class Warranty(db.Model):
    """A standard or extended warranty, or a service contract, on one unit (dates inclusive)."""

    __tablename__ = "service_warranty"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates"),
        sa.Index("ix_service_warranty_end", "end_date", "id"),
    )
    __audit__ = Audit(
        "service.warranty", label=_l("Warranty"), customer="equipment.customer_id",
        fields={"equipment_id": _l("Equipment"), "terms": _l("Covers"), "start_date": _l("Start date"),
                "end_date": _l("End date (inclusive)"), "visits_per_year": _l("Included maintenance visits a year")},
        values={"kind": "plugins.service.views:service_kind_label", "terms": "plugins.service.views:service_terms_label"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("service_equipment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default=STANDARD)
    terms: Mapped[str] = mapped_column(sa.String(10), default=BOTH)
    start_date: Mapped[date]
    end_date: Mapped[date]
    visits_per_year: Mapped[int] = mapped_column(default=0)
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship(back_populates="warranties")

    def active_on(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date

    def status_on(self, day: date) -> str:
        if day < self.start_date:
            return "future"
        return "active" if day <= self.end_date else "expired"



class ServiceRequest(db.Model):
    """A reported problem on one unit and the repair that follows (a claim when covered)."""

    __tablename__ = "service_request"
    __table_args__ = (
        sa.Index("ix_service_request_status", "status", "id"),
        sa.Index("ix_service_request_tech", "technician_id", "status", "id"),
        sa.Index("ix_service_request_customer", "customer_id", "id"),
    )
    __audit__ = Audit(
        "service.request", label=_l("Service request"), customer="customer_id",
        fields={"equipment_id": _l("Equipment"), "technician_id": _l("Technician"), "created_by_id": _l("Created by"),
                "channel": _l("Came in by"), "problem": _l("Reported problem"), "problem_category": _l("Kind of problem"),
                "reported_on": _l("Reported on"), "diagnosis": _l("Diagnosis"),
                "faulty_serial": _l("Faulty serial (swapped out)"),
                "replacement_serial": _l("Replacement serial (swapped in)"), "coverage": _l("Coverage"),
                "coverage_terms": _l("Covers"), "coverage_warranty_id": _l("Warranty"),
                "coverage_override": _l("Decision"), "override_reason": _l("Reason"),
                "override_by_id": _l("Decided by"), "opened_at": _l("Opened"), "diagnosed_at": _l("Diagnosed"),
                "repair_started_at": _l("Repair started"), "done_at": _l("Done"), "closed_at": _l("Closed"),
                "cancelled_at": _l("Cancelled")},
        values={"status": "plugins.service.service:status_label", "coverage": "plugins.service.service:decision_label",
                "coverage_override": "plugins.service.service:decision_label",
                "priority": "plugins.service.forms:PRIORITY_LABELS", "channel": "plugins.service.forms:CHANNEL_LABELS",
                "problem_category": "plugins.service.forms:CATEGORY_LABELS",
                "coverage_terms": "plugins.service.views:service_terms_label"},
        users=("technician_id", "created_by_id", "override_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"))
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("service_equipment.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(20), default=NEW)
    priority: Mapped[str] = mapped_column(sa.String(10), default="normal")
    channel: Mapped[str] = mapped_column(sa.String(20), default="phone")
    problem: Mapped[str] = mapped_column(sa.Text, default="")
    problem_category: Mapped[str] = mapped_column(sa.String(30), default="other")
    reported_on: Mapped[date]
    diagnosis: Mapped[str] = mapped_column(sa.Text, default="")
    faulty_serial: Mapped[str | None] = mapped_column(sa.String(100))
    replacement_serial: Mapped[str | None] = mapped_column(sa.String(100))
    coverage: Mapped[str] = mapped_column(sa.String(20), default=BILLABLE)
    coverage_terms: Mapped[str | None] = mapped_column(sa.String(10))
    coverage_warranty_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_warranty.id", ondelete="SET NULL"), index=True
    )
    coverage_override: Mapped[str | None] = mapped_column(sa.String(20))
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    diagnosed_at: Mapped[datetime | None]
    repair_started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    warranty_claim: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # claimed in the portal

    customer = relationship("Customer")
    equipment: Mapped[Equipment] = relationship()
    technician = relationship("User", foreign_keys=[technician_id])
    lines: Mapped[list["RequestLine"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestLine.id"
    )

    @property
    def number(self) -> str:
        return f"SR-{self.id:06d}"

    @property
    def decision(self) -> str:
        """The coverage that applies: staff override if any, else the computed one."""
        return self.coverage_override or self.coverage



class RequestPhoto(db.Model):
    """A photo the customer attached to a request in the portal (plugins/service/photos.py)."""

    __tablename__ = "service_request_photo"
    __audit__ = Audit("service.request_photo", label=_l("Photo of a service request"), title="filename",
                      customer="customer_id", ignore=("sha256",), fields={"request_id": _l("Service request")})

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestLine(db.Model):
    """A part or a labour line on a repair (catalog product or service, or free text)."""

    __tablename__ = "service_request_line"
    __audit__ = Audit("service.request_line", label=_l("Repair line"), title="description",
                      customer="request.customer_id", fields={"request_id": _l("Service request")},
                      values={"kind": {"part": _l("Part"), "labour": _l("Labour")}})

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_product.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default=LINE_PART)
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    request: Mapped[ServiceRequest] = relationship(back_populates="lines")

    @property
    def total(self) -> Decimal:
        return (Decimal(self.quantity) * Decimal(self.unit_price)).quantize(Decimal("0.01"))



class MaintenancePlan(db.Model):
    """Preventive maintenance: every ``interval_months`` for a product, or under one contract."""

    __tablename__ = "service_plan"
    __table_args__ = (sa.CheckConstraint("interval_months > 0", name="interval"),)
    __audit__ = Audit("service.plan", label=_l("Maintenance plan"), title="name",
                      fields={"warranty_id": _l("Warranty"), "interval_months": _l("Every (months)"),
                              "checklist": _l("Checklist (one item a line)")})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_product.id", ondelete="CASCADE"), index=True)
    warranty_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_warranty.id", ondelete="CASCADE"), index=True)
    interval_months: Mapped[int] = mapped_column(default=12)
    checklist: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product = relationship("Product")
    warranty = relationship("Warranty")


class Visit(db.Model):
    """A scheduled or finished maintenance visit on one unit."""

    __tablename__ = "service_visit"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "equipment_id", "due_date", name="uq_service_visit_plan_equipment_due"),
        sa.Index("ix_service_visit_due", "status", "due_date", "id"),
        sa.Index("ix_service_visit_equipment", "equipment_id", "status"),
    )
    __audit__ = Audit(
        "service.visit", label=_l("Maintenance visit"), title="due_date", customer="customer_id",
        fields={"equipment_id": _l("Equipment"), "plan_id": _l("Maintenance plan"), "technician_id": _l("Technician"),
                "due_date": _l("Date"), "done_on": _l("Done on"), "outcome": _l("Outcome")},
        values={"outcome": "plugins.service.forms:OUTCOME_LABELS",
                "status": {"scheduled": _l("scheduled"), "done": _l("done"), "cancelled": _l("cancelled")}},
        users=("technician_id",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(sa.ForeignKey("service_equipment.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_plan.id", ondelete="SET NULL"), index=True)
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default=SCHEDULED)
    done_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    equipment: Mapped[Equipment] = relationship()
    customer = relationship("Customer")
    plan = relationship("MaintenancePlan")
    technician = relationship("User", foreign_keys=[technician_id])


class SalesOrderLink(db.Model):
    """The last sales-order event this plugin acted on, per order.

    Sales events are delivered at least once and, when a delivery is retried, not
    necessarily in order (an order's cancellation may arrive before the retried
    confirmation). The listeners compare event ids here: an event that is not newer
    than the last one handled is ignored, and a confirmation arriving after the
    cancellation registers nothing.
    """

    __tablename__ = "service_sales_order"

    order_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(sa.String(20))
    event_id: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReliabilitySnapshot(db.Model):
    """The reliability figures per model and the age of the installed base as of ``computed_at``
    (plugins/service/reliability.py): pages read the latest row, a periodic job writes a new one."""

    __tablename__ = "service_reliability_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    as_of: Mapped[date] = mapped_column(sa.Date)
    data: Mapped[dict] = mapped_column(sa.JSON)
