"""Sales tables (all prefixed ``sales_``).

Sized for ten million order lines: every foreign key and every column a list
filters or sorts on has an index, and the composite indexes match the keyset
orderings used by the pages and the API (``(sort column, id)``).
Amounts are ``Money`` (Numeric(14, 2)); quantities Numeric(12, 3); percentages
Numeric(5, 2). Line amounts are stored as computed at save time so that reports
never recompute them and a confirmed order keeps exactly what was confirmed.
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

OPEN, WON, LOST = "open", "won", "lost"
DRAFT, SENT, CONFIRMED, CANCELLED = "draft", "sent", "confirmed", "cancelled"
ORDER_STATES = (DRAFT, SENT, CONFIRMED, CANCELLED)
STAFF, PORTAL = "staff", "portal"  # where an order was made
SOURCES = ("website", "referral", "phone", "email", "event", "partner", "walk_in", "other")

Quantity = sa.Numeric(12, 3)
Percent = sa.Numeric(5, 2)


class Stage(db.Model):
    """A pipeline column. ``is_won``/``is_lost`` stages close the opportunity."""

    __tablename__ = "sales_stage"
    __table_args__ = (sa.Index("ix_sales_stage_position", "position", "id"),)
    __audit__ = Audit("sales.stage", label=_l("Pipeline stage"), title="name",
                      fields={"position": _l("Order"), "probability": _l("Default probability (%)"),
                              "is_won": _l("Won stage"), "is_lost": _l("Lost stage")})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    probability: Mapped[int] = mapped_column(default=10)  # percent, 0-100
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)

    @property
    def status(self) -> str:
        return WON if self.is_won else LOST if self.is_lost else OPEN


class LostReason(db.Model):
    __tablename__ = "sales_lost_reason"
    __audit__ = Audit("sales.lost_reason", label=_l("Lost reason"), title="name")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class Opportunity(db.Model):
    """A lead or opportunity, for a customer or for a prospect not yet a customer."""

    __tablename__ = "sales_opportunity"
    __table_args__ = (
        sa.Index("ix_sales_opportunity_stage_list", "stage_id", "updated_at", "id"),
        sa.Index("ix_sales_opportunity_owner_status", "owner_id", "status", "expected_close", "id"),
        sa.Index("ix_sales_opportunity_status_close", "status", "expected_close", "id"),
        sa.Index("ix_sales_opportunity_owner_closed", "owner_id", "closed_at"),
        sa.Index("ix_sales_opportunity_customer", "customer_id", "id"),
        # The salesperson's rule is owner_id = ? (plugins/sales/access.py): these answer it in
        # the order the list/API (id) and the kanban (stage, updated_at) read rows.
        sa.Index("ix_sales_opportunity_owner_list", "owner_id", "id"),
        sa.Index("ix_sales_opportunity_owner_stage", "owner_id", "stage_id", "updated_at", "id"),
    )
    __audit__ = Audit(
        "sales.opportunity", label=_l("Opportunity"), title="title", customer="customer_id",
        fields={"prospect_name": _l("Prospect name"), "prospect_email": _l("Prospect email"),
                "prospect_phone": _l("Prospect phone"), "stage_id": _l("Stage"),
                "expected_revenue": _l("Expected revenue"), "expected_close": _l("Expected close date"),
                "lost_reason_id": _l("Lost reason"), "lost_note": _l("Note"), "closed_at": _l("Closed")},
        values={"status": {OPEN: _l("open"), WON: _l("won"), LOST: _l("lost")},
                "source": "plugins.sales.forms:SOURCE_LABELS"},
        users=("owner_id",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"))
    prospect_name: Mapped[str] = mapped_column(sa.String(200), default="")
    prospect_email: Mapped[str] = mapped_column(sa.String(254), default="")
    prospect_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_stage.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(sa.String(10), default=OPEN)
    expected_revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    probability: Mapped[int] = mapped_column(default=10)
    expected_close: Mapped[date | None] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(20), default="other")
    tags: Mapped[str] = mapped_column(sa.String(300), default="")  # comma separated, folded on save
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    lost_reason_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_lost_reason.id", ondelete="SET NULL"), index=True
    )
    lost_note: Mapped[str] = mapped_column(sa.String(500), default="")
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking (core/web/versions.py)

    __mapper_args__ = {"version_id_col": version}

    stage: Mapped[Stage] = relationship()
    lost_reason: Mapped[LostReason | None] = relationship()
    customer = relationship("Customer")
    owner = relationship("User")

    @property
    def display_customer(self) -> str:
        return self.customer.name if self.customer_id and self.customer else self.prospect_name

    @property
    def weighted_revenue(self) -> Decimal:
        return (self.expected_revenue * Decimal(self.probability) / 100).quantize(Decimal("0.01"))

    @property
    def tag_list(self) -> list[str]:
        return [t for t in (self.tags or "").split(",") if t]


class StageTotal(db.Model):
    """How many opportunities, and how much expected revenue, each stage holds per owner and
    currency: the kanban's column headers (issue 17).

    Kept by database triggers on ``sales_opportunity`` (migration sales_0020), so every
    write counts — ORM, bulk ``UPDATE`` (``change_state``), imports, ``ON DELETE SET NULL``
    of an owner — in the writer's own transaction: the headers never disagree with the
    cards, and a page view reads a few rows instead of summing the stage. ``owner_key`` is
    the owner's id, 0 for none (a primary key cannot hold NULL). Amounts are whole cents,
    so that running sums stay exact on SQLite as on PostgreSQL. Rows whose ``n`` falls to
    0 stay (the next deal reuses them). Read-only for the application.
    """

    __tablename__ = "sales_stage_total"

    stage_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class OpenTotal(db.Model):
    """The open pipeline (deals whose *status* is open) per owner, currency and expected-close
    month: the forecast, the open columns of the performance page and the dashboard card
    (issue 17).

    Kept by triggers on ``sales_opportunity`` (migration sales_0031) exactly like
    :class:`StageTotal`. ``close_month`` is ``YYYY-MM`` of ``expected_close``, ``''`` for
    none; ``weighted_cp`` is Σ amount in cents × probability in percent, so the weighted
    pipeline (÷ 10,000) stays exact. Read-only for the application.
    """

    __tablename__ = "sales_open_total"

    owner_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    close_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    weighted_cp: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class CloseTotal(db.Model):
    """Won and lost deals per owner, currency, status and month of ``closed_at`` (UTC, as
    stored): the closed columns of the performance page (issue 17).

    Kept by triggers on ``sales_opportunity`` (migration sales_0031). ``seconds`` is Σ whole
    seconds from ``created_at`` to ``closed_at``, so the average days to close is exact to
    the second. Periods are months or quarters, so a period is a run of whole months.
    Read-only for the application.
    """

    __tablename__ = "sales_close_total"
    __table_args__ = (sa.Index("ix_sales_close_total_month", "currency", "closed_month"),)

    owner_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    closed_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)



class Order(db.Model):
    """A quotation while draft or sent; an order once confirmed."""

    __tablename__ = "sales_order"
    __table_args__ = (
        sa.Index("ix_sales_order_customer_confirmed", "customer_id", "confirmed_at"),
        sa.Index("ix_sales_order_state_created", "state", "created_at", "id"),
        sa.Index("ix_sales_order_owner_created", "owner_id", "created_at", "id"),
        sa.Index("ix_sales_order_created", "created_at", "id"),
        sa.Index("ix_sales_order_confirmed", "confirmed_at", "id"),
        sa.Index("ix_sales_order_owner_list", "owner_id", "id"),  # a salesperson's list and API, newest first
    )
    __audit__ = Audit(
        "sales.order", label=_l("Quotation or order"), title="number", customer="customer_id",
        fields={"number": _l("Number"), "opportunity_id": _l("Opportunity"), "valid_until": _l("Valid until"),
                "subtotal": _l("Subtotal"), "tax_total": _l("Tax"), "total": _l("Total"), "sent_at": _l("Sent"),
                "confirmed_at": _l("Confirmed"), "cancelled_at": _l("Cancelled")},
        values={"state": "plugins.sales.orders:state_label"},
        users=("owner_id",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"))
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_opportunity.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking (core/web/versions.py)

    __mapper_args__ = {"version_id_col": version}
    sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The customer portal: an order the customer placed there ("portal"), a quotation accepted
    # (the name they typed) or declined there.
    origin: Mapped[str] = mapped_column(sa.String(10), default=STAFF, server_default=STAFF)
    accepted_by: Mapped[str | None] = mapped_column(sa.String(200))
    accepted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )
    customer = relationship("Customer")
    owner = relationship("User")
    opportunity: Mapped[Opportunity | None] = relationship()

    @property
    def editable(self) -> bool:
        return self.state in (DRAFT, SENT)

    @property
    def label(self) -> str:
        return self.number or f"#{self.id}"



class OrderLine(db.Model):
    __tablename__ = "sales_order_line"
    __table_args__ = (sa.Index("ix_sales_order_line_order", "order_id", "position"),)
    __audit__ = Audit(
        "sales.order_line", label=_l("Order line"), title=("sku", "description"), customer="order.customer_id",
        fields={"order_id": _l("Quotation or order"), "discount_percent": _l("Discount %"), "tax_rate": _l("Tax %"),
                "line_total": _l("Line total"), "tax_amount": _l("Tax"), "warranty_months": _l("Warranty (months)")},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_order.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_product.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    sku: Mapped[str] = mapped_column(sa.String(64), default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="product")
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)  # the product's cost when saved; None: unknown
    discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    tax_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    line_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # net, after discount
    tax_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    warranty_months: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    product = relationship("Product")



class Target(db.Model):
    """A salesperson's revenue target for one month or quarter (``period`` like 2026-03 or 2026-Q1)."""

    __tablename__ = "sales_target"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "period", "currency", name="uq_sales_target_user_period"),
        sa.Index("ix_sales_target_period", "period", "user_id"),
    )
    __audit__ = Audit("sales.target", label=_l("Sales target"), title="period",
                      fields={"user_id": _l("Salesperson")}, users=("user_id",))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(sa.String(7))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")

    user = relationship("User")
