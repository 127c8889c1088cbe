"""Complaints tables (all prefixed ``complaints_``).

Sized for a million complaints: the lists filter on openness, team and assignee and
sort by id, so each of those has a composite ``(…, id)`` index; the escalation task reads
open, not yet escalated complaints by their deadlines, so the deadlines are indexed after
those equalities.
Durations (first response, resolution) are stored in seconds when they happen, so the
statistics aggregate plain integers in SQL on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.catalog.models import Money
from core.db import db, utcnow

NEW, ACKNOWLEDGED, INVESTIGATING, RESOLVED, CLOSED = "new", "acknowledged", "investigating", "resolved", "closed"
STATES = (NEW, ACKNOWLEDGED, INVESTIGATING, RESOLVED, CLOSED)
OPEN_STATES = (NEW, ACKNOWLEDGED, INVESTIGATING)
CHANNELS = ("staff", "phone", "email", "api", "portal")
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
FR_PENDING = "first_response_at IS NULL AND first_response_escalated_at IS NULL"
RES_PENDING = "resolution_escalated_at IS NULL"


class Category(db.Model):
    """What a complaint is about (product quality, delivery, billing, …); admins edit them.

    ``code`` marks a default the plugin created: its name is then shown in the
    reader's language until an admin renames it (see :func:`display_name`).
    """

    __tablename__ = "complaints_category"
    __audit__ = Audit("complaints.category", label=_l("Complaint category"), title="name",
                      ignore=("code",), fields={"position": _l("Position")})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Severity(db.Model):
    """How serious a complaint is; ``rank`` orders them (escalation raises to the next rank)."""

    __tablename__ = "complaints_severity"
    __audit__ = Audit("complaints.severity", label=_l("Severity"), title="name", ignore=("code",),
                      fields={"rank": _l("Rank")})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    rank: Mapped[int] = mapped_column(default=0, unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class RootCause(db.Model):
    """Root-cause categories chosen when resolving (required to resolve)."""

    __tablename__ = "complaints_root_cause"
    __audit__ = Audit("complaints.root_cause", label=_l("Root cause"), title="name", ignore=("code",))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)


class Team(db.Model):
    """A group of agents sharing a queue; ``manager_id`` hears escalations."""

    __tablename__ = "complaints_team"
    __audit__ = Audit("complaints.team", label=_l("Complaint team"), title="name", users=("manager_id",),
                      fields={"manager_id": _l("Manager"), "round_robin": _l("Round-robin assignment"),
                              "members": _l("Agents")},
                      collections={"members": lambda m: m.user.name or m.user.email if m.user else m.user_id})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    round_robin: Mapped[bool] = mapped_column(default=False)

    manager = relationship("User")
    members: Mapped[list["TeamMember"]] = relationship(back_populates="team", cascade="all, delete-orphan",
                                                       order_by="TeamMember.user_id")


class TeamMember(db.Model):
    """An agent in a team; ``last_assigned_at`` drives round-robin (least recently given first)."""

    __tablename__ = "complaints_team_member"
    __table_args__ = (sa.Index("ix_complaints_team_member_user", "user_id", "team_id"),)

    team_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints_team.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True)
    last_assigned_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship(back_populates="members")
    user = relationship("User")


class Settings(db.Model):
    """The business's complaint settings (one row): the working calendar (hours, working
    days, time zone) and the address whose mail opens complaints.

    ``weekdays`` holds ISO weekday digits (Monday = 1 … Sunday = 7), e.g. ``"12345"``.
    """

    __tablename__ = "complaints_settings"
    __audit__ = Audit("complaints.settings", label=_l("Complaint settings"),
                      fields={"timezone": _l("Time zone"), "day_start": _l("Working day starts"),
                              "day_end": _l("Working day ends"), "weekdays": _l("Working days"),
                              "intake_address": _l("Intake address")})

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    day_start: Mapped[time] = mapped_column(default=time(9, 0))
    day_end: Mapped[time] = mapped_column(default=time(17, 0))
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="12345")
    intake_address: Mapped[str] = mapped_column(sa.String(254), default="")


class Holiday(db.Model):
    """A non-working day of the calendar (a date in the business's time zone)."""

    __tablename__ = "complaints_holiday"
    __audit__ = Audit("complaints.holiday", label=_l("Holiday"), title="day", fields={"day": _l("Day")})

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")


class SlaPolicy(db.Model):
    """Targets in business hours for a category and/or severity (NULL = any).

    The most specific policy wins: category and severity, then severity, then
    category, then the default (both NULL). Escalation may raise the severity and/or
    hand the complaint to the team's manager.
    """

    __tablename__ = "complaints_sla_policy"
    __audit__ = Audit("complaints.sla_policy", label=_l("SLA policy"),
                      fields={"category_id": _l("Category"), "severity_id": _l("Severity"),
                              "first_response_hours": _l("First response (business hours)"),
                              "resolution_hours": _l("Resolution (business hours)"),
                              "raise_severity": _l("Raise the severity"),
                              "reassign_to_manager": _l("Hand over to the team manager")},
                      values={"category_id": "plugins.complaints.labels:category_name",
                              "severity_id": "plugins.complaints.labels:severity_name"})
    __table_args__ = (sa.UniqueConstraint("category_id", "severity_id", name="uq_complaints_sla_policy_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_category.id", ondelete="CASCADE"))
    severity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_severity.id", ondelete="CASCADE"))
    first_response_hours: Mapped[int] = mapped_column(default=8)
    resolution_hours: Mapped[int] = mapped_column(default=40)
    raise_severity: Mapped[bool] = mapped_column(default=False)
    reassign_to_manager: Mapped[bool] = mapped_column(default=False)

    category = relationship(Category)
    severity = relationship(Severity)


class Complaint(db.Model):
    """One complaint of one customer, from intake to satisfaction.

    The visibility rule reads the complaint's own ``team_id`` and ``assignee_id``
    (plugins/complaints/access.py). ``about_ref`` is what it is about, as offered by
    the ``complaint_subjects`` hook (``"sales.order:42"``), with ``about_label`` the
    label as it was then, so the complaint still reads right when that plugin is off.
    """

    __tablename__ = "complaints_complaint"
    # Audited like the core's records (core.audit): staff edits, transitions (change_state),
    # assignment and escalation. The customer's own words — a complaint that came by mail or
    # was typed in the portal, a rating comment — stay out (recorded as changed, no value), as
    # the core keeps message bodies out; the conversation (ComplaintMessage) is messages and
    # is not audited. Derived columns are left out.
    __audit__ = Audit(
        "complaints.complaint", label=_l("Complaint"), title="title", customer="customer_id",
        ignore=("is_open", "about_ref", "inbound_mail_id", "interaction_id", "first_response_seconds",
                "resolution_seconds", "first_response_business_seconds", "resolution_business_seconds",
                "first_response_escalated_at", "resolution_escalated_at"),
        private=lambda c: (("description", "rating_comment") if c.channel in ("email", "portal")
                           else ("rating_comment",)),
        users=("assignee_id", "created_by_id"),
        fields={"category_id": _l("Category"), "severity_id": _l("Severity"), "team_id": _l("Team"),
                "assignee_id": _l("Assigned to"), "about_label": _l("About"), "created_by_id": _l("Created by"),
                "first_response_due": _l("First response due"), "resolution_due": _l("Resolution due"),
                "first_response_at": _l("First response"), "escalation_count": _l("Escalations"),
                "acknowledged_at": _l("Acknowledged"), "resolved_at": _l("Resolved"),
                "resolved_in_time": _l("Resolved in time"), "closed_at": _l("Closed"),
                "reopened_count": _l("Reopened"), "root_cause_id": _l("Root cause"),
                "resolution": _l("Resolution"), "corrective_action": _l("Corrective action"),
                "compensation_amount": _l("Compensation"), "compensation_credit": _l("As a credit note"),
                "rating": _l("Rating"), "rating_comment": _l("Rating comment"), "rated_at": _l("Rated"),
                "rating_source": _l("Rating from")},
        values={"state": "plugins.complaints.labels:state_label",
                "channel": "plugins.complaints.labels:CHANNEL_LABELS",
                "rating_source": "plugins.complaints.labels:RATING_SOURCES",
                "category_id": "plugins.complaints.labels:category_name",
                "severity_id": "plugins.complaints.labels:severity_name",
                "team_id": "plugins.complaints.labels:team_name",
                "root_cause_id": "plugins.complaints.labels:root_cause_name"},
    )
    __table_args__ = (
        sa.Index("ix_complaints_complaint_customer", "customer_id", "id"),
        sa.Index("ix_complaints_complaint_state", "state", "id"),
        # lists of open complaints, newest first: one equality, then the order (no sort of 100,000 rows)
        sa.Index("ix_complaints_complaint_open", "is_open", "id"),
        sa.Index("ix_complaints_complaint_team", "team_id", "is_open", "id"),
        sa.Index("ix_complaints_complaint_assignee", "assignee_id", "is_open", "id"),
        # the escalation task: partial indexes of the breaches still to escalate, in deadline order
        # (small, and the planners cannot misjudge them: one ordered range, no sort)
        sa.Index("ix_complaints_complaint_fr_due", "first_response_due",
                 sqlite_where=sa.text(f"is_open = 1 AND {FR_PENDING}"),
                 postgresql_where=sa.text(f"is_open = true AND {FR_PENDING}")),
        sa.Index("ix_complaints_complaint_res_due", "resolution_due",
                 sqlite_where=sa.text(f"is_open = 1 AND {RES_PENDING}"),
                 postgresql_where=sa.text(f"is_open = true AND {RES_PENDING}")),
        sa.Index("ix_complaints_complaint_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a complaint outlives nothing silently; the customer cannot be deleted under it.
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    channel: Mapped[str] = mapped_column(sa.String(10), default="staff")
    state: Mapped[str] = mapped_column(sa.String(16), default=NEW)
    # state in OPEN_STATES, kept with every state change: lists filter on one value instead of
    # three (an IN over states cannot walk the id index in order)
    is_open: Mapped[bool] = mapped_column(default=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_category.id", ondelete="SET NULL"),
                                                    index=True)
    severity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_severity.id", ondelete="SET NULL"),
                                                    index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_team.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    about_ref: Mapped[str | None] = mapped_column(sa.String(80))
    about_label: Mapped[str] = mapped_column(sa.String(200), default="")
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_product.id", ondelete="SET NULL"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_interaction.id", ondelete="SET NULL"))
    inbound_mail_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_inbound_mail.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # SLA: deadlines computed in business hours; when the target was met; escalation marks.
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    first_response_seconds: Mapped[int | None]
    # The same durations counted in business hours on the SLA calendar (statistics show both).
    first_response_business_seconds: Mapped[int | None]
    first_response_escalated_at: Mapped[datetime | None]
    resolution_escalated_at: Mapped[datetime | None]
    escalation_count: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution_seconds: Mapped[int | None]
    resolution_business_seconds: Mapped[int | None]
    resolved_in_time: Mapped[bool | None]
    closed_at: Mapped[datetime | None]
    reopened_count: Mapped[int] = mapped_column(default=0)
    # Outcome.
    root_cause_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_root_cause.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    corrective_action: Mapped[str] = mapped_column(sa.Text, default="")
    compensation_amount: Mapped[Decimal | None] = mapped_column(Money)
    compensation_credit: Mapped[bool] = mapped_column(default=False)  # a credit note rather than a payment
    # Satisfaction (1-5), from the signed link or marketing's survey.
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    rated_at: Mapped[datetime | None]
    # Where the rating came from: "link" (our signed link), "portal", "api", "survey" (marketing's).
    rating_source: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    customer = relationship("Customer")
    category = relationship(Category)
    severity = relationship(Severity)
    team = relationship(Team)
    assignee = relationship("User", foreign_keys=[assignee_id])
    root_cause = relationship(RootCause)

    @property
    def reference(self) -> str:
        """The number customers quote (and that mail subjects carry): ``C-000042``."""
        return reference_for(self.id)


def reference_for(complaint_id: int) -> str:
    return f"C-{complaint_id:06d}"


class ComplaintMessage(db.Model):
    """A message of the conversation: our replies (sent through the outbox) and the customer's mail."""

    __tablename__ = "complaints_message"
    __table_args__ = (sa.Index("ix_complaints_message_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(sa.String(8))  # "out" / "in"
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_outbox_message.id", ondelete="SET NULL"),
                                                  index=True)
    inbound_mail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_inbound_mail.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class Escalation(db.Model):
    """One escalation of one missed target. Unique per (complaint, target, deadline): the
    periodic job may run any number of times, a breach is escalated once; a reopened
    complaint gets a new deadline and so may be escalated again."""

    __tablename__ = "complaints_escalation"
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "target", "due_at", name="uq_complaints_escalation_breach"),
        sa.Index("ix_complaints_escalation_complaint", "complaint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints_complaint.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(sa.String(16))  # first_response / resolution
    due_at: Mapped[datetime]
    escalated_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    reassigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    severity_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_severity.id", ondelete="SET NULL"))
    severity_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("complaints_severity.id", ondelete="SET NULL"))


class StatsSnapshot(db.Model):
    """The statistics page's figures as of ``computed_at`` (plugins/complaints/stats.py)."""

    __tablename__ = "complaints_stats_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
