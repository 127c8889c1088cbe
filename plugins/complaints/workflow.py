"""The complaint's life: open, acknowledge, investigate, resolve, close, reopen.

Views, the API, inbound mail and the portal all go through these functions, so each
rule lives once. The caller commits. Every state change is one conditional UPDATE
(``core.db.change_state``): of N simultaneous transitions one wins, the others get
:class:`ComplaintConflict` (409) and cause nothing. Each step is recorded in the
customer's contact history and announced as a durable event (see hookspecs.py).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.db import announce, change_state, db, utcnow
from plugins.complaints import history
from plugins.complaints.models import (
    ACKNOWLEDGED, CHANNELS, CLOSED, INVESTIGATING, NEW, OPEN_STATES, RESOLVED, Category, Complaint, RootCause,
    Severity, Team, TeamMember,
)
from plugins.complaints.sla import business_seconds, set_deadlines

TITLE_MAX = 200
TEXT_MAX = 20000
REF_MAX = 80  # complaints_complaint.about_ref

# action -> (states it leaves, state it reaches)
TRANSITIONS = {
    "acknowledge": ((NEW,), ACKNOWLEDGED),
    "investigate": ((NEW, ACKNOWLEDGED), INVESTIGATING),
    "resolve": ((NEW, ACKNOWLEDGED, INVESTIGATING), RESOLVED),
    "close": ((RESOLVED,), CLOSED),
    "reopen": ((RESOLVED, CLOSED), INVESTIGATING),
}
ACTION_LABELS = {
    "acknowledge": _l("Acknowledge"), "investigate": _l("Start investigating"), "resolve": _l("Resolve"),
    "close": _l("Close"), "reopen": _l("Reopen"),
}


class ComplaintInputError(Exception):
    """Bad input: ``errors`` maps a field to its messages; nothing was saved."""

    def __init__(self, errors: dict[str, list]):
        super().__init__("; ".join(str(m) for msgs in errors.values() for m in msgs))
        self.errors = errors


class ComplaintConflict(Exception):
    """The complaint is no longer in a state that allows this (another request got there first)."""


def _text(data, key, errors, *, required=False, limit=TEXT_MAX, label=None) -> str:
    value = data.get(key)
    value = "" if value is None else value
    if not isinstance(value, str):
        errors.setdefault(key, []).append(_l("Text expected."))
        return ""
    value = value.strip()
    if "\x00" in value:
        errors.setdefault(key, []).append(_l("This text contains characters that cannot be stored."))
    elif required and not value:
        errors.setdefault(key, []).append(_l("This field is required."))
    elif len(value) > limit:
        errors.setdefault(key, []).append(_l("At most %(max)d characters.", max=limit))
    return value


def _row(model, value, key, errors, *, required=False):
    if value in (None, ""):
        if required:
            errors.setdefault(key, []).append(_l("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2 ** 31:
        errors.setdefault(key, []).append(_l("Not a valid choice."))
        return None
    row = db.session.get(model, value)
    if row is None or getattr(row, "active", True) is False:
        errors.setdefault(key, []).append(_l("Not a valid choice."))
        return None
    return row


def subjects_for(customer) -> list[dict]:
    """What the customer's complaint may be about, offered by enabled plugins (``complaint_subjects``):
    each plugin's newest 50."""
    return _subjects(customer, None)


def subject_for(customer, ref: str | None) -> dict | None:
    """The one subject ``ref`` if an enabled plugin offers it to this customer, however old
    (``complaint_subjects`` asked for that ref alone), else None."""
    if not isinstance(ref, str) or not ref or len(ref) > REF_MAX:
        return None
    return next(iter(_subjects(customer, ref)), None)


def _subjects(customer, ref: str | None) -> list[dict]:
    registry = current_app.extensions["rapport"].plugins
    out = []
    for _plugin, items in registry.call("complaint_subjects", customer=customer, ref=ref):
        out.extend(i for i in items if isinstance(i, dict) and i.get("ref") and i.get("label")
                   and (ref is None or i["ref"] == ref))
    return out


def create_complaint(data: dict, *, user=None, channel: str = "staff", inbound_mail_id: int | None = None,
                     acknowledge: bool = True, at: datetime | None = None) -> Complaint:
    """Open a complaint from ``data`` (customer_id, title, description, category_id, severity_id,
    about_ref, product_id, interaction_id, team_id). Raises :class:`ComplaintInputError`.
    ``at``: when it came in, if not now (demo data; deadlines count from then)."""
    from core.customers.models import Customer
    from core.catalog.models import Product
    from core.history.models import Interaction

    errors: dict[str, list] = {}
    customer = _row(Customer, data.get("customer_id"), "customer_id", errors, required=True)
    title = _text(data, "title", errors, required=True, limit=TITLE_MAX)
    description = _text(data, "description", errors)
    category = _row(Category, data.get("category_id"), "category_id", errors)
    severity = _row(Severity, data.get("severity_id"), "severity_id", errors)
    team = _row(Team, data.get("team_id"), "team_id", errors)
    product = _row(Product, data.get("product_id"), "product_id", errors)
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append(_l("Not a valid choice."))
    about_ref, about_label = data.get("about_ref") or None, ""
    if about_ref and customer is not None:
        offered = subject_for(customer, about_ref)
        if offered is None:
            errors.setdefault("about_ref", []).append(_l("Not one of this customer's orders or equipment."))
        else:
            about_label = str(offered["label"])[:200]
            if product is None and offered.get("product_id"):
                product = db.session.get(Product, offered["product_id"])
    interaction = None
    if data.get("interaction_id") not in (None, ""):
        interaction = _row(Interaction, data.get("interaction_id"), "interaction_id", errors)
        if interaction is not None and customer is not None and interaction.customer_id != customer.id:
            errors.setdefault("interaction_id", []).append(_l("That call belongs to another customer."))
    if errors:
        raise ComplaintInputError(errors)
    if severity is None:
        severity = db.session.execute(sa.select(Severity).where(Severity.active.is_(True))
                                      .order_by(Severity.rank).limit(1)).scalar()
    complaint = Complaint(customer_id=customer.id, title=title, description=description, channel=channel,
                          category=category, severity=severity, team=team, about_ref=about_ref,
                          about_label=about_label, product_id=product.id if product else None,
                          interaction_id=interaction.id if interaction else None, inbound_mail_id=inbound_mail_id,
                          created_by_id=user.id if user else None, created_at=at or utcnow())
    db.session.add(complaint)
    db.session.flush()
    set_deadlines(complaint)
    if team is not None and team.round_robin:
        complaint.assignee_id = next_in_rotation(team)
    history.log(complaint, "opened", user=user, channel=channel, occurred_at=at)
    announce("complaint_opened", complaint=as_event(complaint))
    if acknowledge:
        from plugins.complaints.mail import send_acknowledgement

        send_acknowledgement(complaint)
    return complaint


def next_in_rotation(team: Team) -> int | None:
    """Round-robin: the team member given a complaint least recently (never first)."""
    member = db.session.execute(
        sa.select(TeamMember).where(TeamMember.team_id == team.id)
        .order_by(TeamMember.last_assigned_at.is_not(None), TeamMember.last_assigned_at, TeamMember.user_id)
        .limit(1)).scalar()
    if member is None:
        return None
    member.last_assigned_at = utcnow()
    return member.user_id


def assign(complaint: Complaint, *, team_id=None, assignee_id=None, user=None, round_robin: bool = False) -> None:
    """Put the complaint in a team's queue and/or give it to someone (``round_robin``: the team's next agent)."""
    from core.auth.models import User

    errors: dict[str, list] = {}
    team = _row(Team, team_id, "team_id", errors) if team_id not in (None, "") else None
    assignee = _row(User, assignee_id, "assignee_id", errors) if assignee_id not in (None, "") else None
    if assignee is not None and not (assignee.active and assignee.can("complaints.view")):
        errors.setdefault("assignee_id", []).append(_l("This user does not handle complaints."))
    if round_robin and team is None:
        errors.setdefault("team_id", []).append(_l("Choose the team whose agents take turns."))
    if errors:
        raise ComplaintInputError(errors)
    complaint.team_id = team.id if team else None
    if round_robin:
        complaint.assignee_id = next_in_rotation(team)
    else:
        complaint.assignee_id = assignee.id if assignee else None
    history.log(complaint, "assigned", user=user, team=team.name if team else "",
                assignee=(complaint.assignee.name or complaint.assignee.email) if complaint.assignee_id else "")


def _money(value, errors) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault("compensation_amount", []).append(_l("Not a valid amount."))
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors.setdefault("compensation_amount", []).append(_l("Not a valid amount."))
        return None
    return amount.quantize(Decimal("0.01"))


def transition(complaint: Complaint, action: str, data: dict | None = None, *, user=None,
               now: datetime | None = None, ask_rating: bool = True) -> None:
    """Move the complaint along the workflow; resolve needs a resolution and a root cause.
    Closing asks the customer for a rating unless ``ask_rating`` is False (demo data)."""
    data = data or {}
    if action not in TRANSITIONS:
        raise ComplaintInputError({"action": [_l("Not a valid choice.")]})
    expected, target = TRANSITIONS[action]
    now = now or utcnow()
    values: dict = {}
    errors: dict[str, list] = {}
    if action == "resolve":
        values["resolution"] = _text(data, "resolution", errors, required=True)
        cause = _row(RootCause, data.get("root_cause_id"), "root_cause_id", errors, required=True)
        values["root_cause_id"] = cause.id if cause else None
        values["corrective_action"] = _text(data, "corrective_action", errors)
        values["compensation_amount"] = _money(data.get("compensation_amount"), errors)
        values["compensation_credit"] = bool(data.get("compensation_credit"))
        values["resolved_at"] = now
        values.update(_durations("resolution", complaint, now))
        values["resolved_in_time"] = complaint.resolution_due is None or now <= complaint.resolution_due
    elif action == "acknowledge":
        values["acknowledged_at"] = now
    elif action == "close":
        values["closed_at"] = now
    elif action == "reopen":
        values.update(resolved_at=None, resolution_seconds=None, resolution_business_seconds=None,
                      resolved_in_time=None, closed_at=None,
                      resolution_escalated_at=None, reopened_count=Complaint.reopened_count + 1)
    if errors:
        raise ComplaintInputError(errors)
    if complaint.state not in expected:
        raise ComplaintConflict(complaint.state)
    if action in ("acknowledge", "investigate", "resolve") and complaint.first_response_at is None:
        values.update(first_response_at=now, **_durations("first_response", complaint, now))
    if not change_state(complaint, "state", expected, state=target, is_open=target in OPEN_STATES, updated_at=now,
                        **values):
        raise ComplaintConflict(complaint.state)
    if action == "reopen":
        set_deadlines(complaint, start=now, first_response=False)
    params = {}
    if action == "resolve":
        params = {"root_cause": complaint.root_cause.name if complaint.root_cause else ""}
    history.log(complaint, action, user=user, occurred_at=now, **params)
    if action == "close":
        announce("complaint_closed", complaint=as_event(complaint))
        if ask_rating:
            from plugins.complaints.satisfaction import request_rating

            request_rating(complaint)


def update_if(complaint: Complaint, condition, **values) -> bool:
    """Set ``values`` on ``complaint`` only while ``condition`` holds, in one conditional
    UPDATE (taking from the queue, the first response, the one rating): True when this
    call did it. Like ``core.db.change_state`` for conditions other than "state IN …":
    the version moves on, ``complaint`` is refreshed either way and the winner's change
    is recorded in the audit log."""
    from core.audit.recorder import note_changed

    before = {key: getattr(complaint, key) for key in values}
    stmt = (sa.update(Complaint).where(Complaint.id == complaint.id, condition)
            .values(version=Complaint.version + 1, **values).execution_options(synchronize_session=False))
    won = db.session.execute(stmt).rowcount == 1
    db.session.refresh(complaint)
    if won:
        note_changed(complaint, before)
    return won


def record_first_response(complaint: Complaint, now: datetime | None = None) -> None:
    """A reply to the customer is the first response when none was given yet (one UPDATE)."""
    now = now or utcnow()
    if complaint.first_response_at is None:
        update_if(complaint, Complaint.first_response_at.is_(None), first_response_at=now,
                  **_durations("first_response", complaint, now))


def _durations(what: str, complaint: Complaint, now: datetime) -> dict:
    """``<what>_seconds`` (wall-clock) and ``<what>_business_seconds`` (working time on the
    SLA calendar) since the complaint came in, for the statistics."""
    return {f"{what}_seconds": int((now - complaint.created_at).total_seconds()),
            f"{what}_business_seconds": business_seconds(complaint.created_at, now)}


def as_event(complaint: Complaint) -> dict:
    """The plain payload of ``complaint_opened`` / ``complaint_closed`` (docs/hooks.md)."""
    return {
        "id": complaint.id, "reference": complaint.reference, "customer_id": complaint.customer_id,
        "title": complaint.title, "state": complaint.state, "channel": complaint.channel,
        "category_id": complaint.category_id, "severity_id": complaint.severity_id,
        "team_id": complaint.team_id, "assignee_id": complaint.assignee_id, "about_ref": complaint.about_ref,
        "product_id": complaint.product_id,
        "created_at": complaint.created_at.isoformat() if complaint.created_at else None,
        "closed_at": complaint.closed_at.isoformat() if complaint.closed_at else None,
    }


def erase_customer_data(customer_id: int) -> None:
    """Anonymise the customer's complaints: titles, descriptions, the conversation, rating
    comments and labels go; states, dates, durations, categories, root causes, compensation
    amounts and ratings stay for the statistics (the caller commits)."""
    from plugins.complaints.models import ComplaintMessage

    mine = sa.select(Complaint.id).where(Complaint.customer_id == customer_id).scalar_subquery()
    db.session.execute(sa.update(ComplaintMessage).where(ComplaintMessage.complaint_id.in_(mine))
                       .values(subject="", body="").execution_options(synchronize_session=False))
    db.session.execute(sa.update(Complaint).where(Complaint.customer_id == customer_id)
                       .values(title="—", description="", about_label="", rating_comment="", resolution="",
                               corrective_action="").execution_options(synchronize_session=False))
