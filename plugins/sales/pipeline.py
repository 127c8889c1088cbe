"""Opportunities: create, edit, move between stages, win, lose, reopen.

Every change that matters to the customer relationship (stage change, won, lost,
reopened) is written to the customer's contact history through the core, and
follow-ups are core activities tagged ``ref="sales.opportunity:<id>"``. The caller
commits; validation errors raise :class:`SalesInputError` before anything changes.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.models import User
from core.customers.models import Customer
from core.db import change_state, db, parse_id, utcnow
from core.history.models import Activity
from core.history.service import log_event, schedule_activity
from core.text import fold
from plugins.sales.access import is_manager
from plugins.sales.models import LOST, OPEN, SOURCES, WON, LostReason, Opportunity, Stage

MAX_AMOUNT = Decimal("999999999999.99")
# Text limits (the columns' sizes); longer input is refused, never cut.
NOTES_MAX, TAG_MAX, TAGS_MAX, SUMMARY_MAX, LOST_NOTE_MAX = 20000, 40, 300, 300, 500


class SalesInputError(ValueError):
    """Bad input; ``errors`` maps field name to messages (shown next to the field / in JSON)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = errors


def _err(errors, field, msg):
    errors.setdefault(field, []).append(msg)


def parse_decimal(errors, field, value, *, minimum=Decimal("0"), maximum=MAX_AMOUNT, places=2):
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _err(errors, field, _("Enter a number."))
        return None
    if not d.is_finite():
        _err(errors, field, _("Enter a number."))
        return None
    if d < minimum:
        _err(errors, field, _("Must be at least %(n)s.", n=minimum))
        return None
    if d > maximum:
        _err(errors, field, _("Must be at most %(n)s.", n=maximum))
        return None
    if d != d.quantize(Decimal(1).scaleb(-places)):
        _err(errors, field, _("At most %(n)d decimal places.", n=places))
        return None
    return d


def parse_date(errors, field, value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        _err(errors, field, _("Use the form YYYY-MM-DD."))
        return None


def parse_currency(errors, value, default="EUR"):
    cur = (value or default or "").strip().upper()
    if len(cur) != 3 or not cur.isalpha():
        _err(errors, "currency", _("A three-letter currency code such as EUR."))
    return cur


def stages() -> list[Stage]:
    return list(db.session.execute(sa.select(Stage).order_by(Stage.position, Stage.id)).scalars())


def first_stage(status: str) -> Stage | None:
    stmt = sa.select(Stage).order_by(Stage.position, Stage.id)
    if status == WON:
        stmt = stmt.where(Stage.is_won.is_(True))
    elif status == LOST:
        stmt = stmt.where(Stage.is_lost.is_(True))
    else:
        stmt = stmt.where(Stage.is_won.is_(False), Stage.is_lost.is_(False))
    return db.session.execute(stmt.limit(1)).scalar()


def validate_opportunity(data: dict, current: Opportunity | None = None) -> dict:
    """Check and normalise opportunity fields (partial when ``current`` is given)."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    creating = current is None
    if "title" in data or creating:
        title = (data.get("title") or "").strip()
        if not title:
            _err(errors, "title", _("A title is required."))
        elif len(title) > 200:
            _err(errors, "title", _("At most %(n)d characters.", n=200))
        out["title"] = title
    if "customer_id" in data:
        cid = data.get("customer_id")
        if cid in (None, "", 0, "0"):
            out["customer_id"] = None
        else:
            customer = db.session.get(Customer, parse_id(cid)) if parse_id(cid) else None
            if customer is None:
                _err(errors, "customer_id", _("No such customer."))
            else:
                out["customer_id"] = customer.id
    for field, limit in (("prospect_name", 200), ("prospect_email", 254), ("prospect_phone", 40),
                         ("lost_note", 500)):
        if field in data:
            value = (data.get(field) or "").strip()
            if len(value) > limit:
                _err(errors, field, _("At most %(n)d characters.", n=limit))
            out[field] = value
    if "notes" in data:
        notes = (data.get("notes") or "").strip()
        if len(notes) > NOTES_MAX:
            _err(errors, "notes", _("At most %(n)d characters.", n=NOTES_MAX))
        out["notes"] = notes
    if "expected_revenue" in data:
        out["expected_revenue"] = parse_decimal(errors, "expected_revenue", data["expected_revenue"]) or Decimal("0")
    if "currency" in data or creating:
        out["currency"] = parse_currency(errors, data.get("currency"))
    if "probability" in data and data["probability"] not in (None, ""):
        try:
            p = int(data["probability"])
            if not 0 <= p <= 100:
                raise ValueError
            out["probability"] = p
        except (TypeError, ValueError):
            _err(errors, "probability", _("A whole number from 0 to 100."))
    if "expected_close" in data:
        out["expected_close"] = parse_date(errors, "expected_close", data["expected_close"])
    if "source" in data:
        src = data.get("source") or "other"
        if src not in SOURCES:
            _err(errors, "source", _("Not one of: %(c)s.", c=", ".join(SOURCES)))
        out["source"] = src
    if "tags" in data:
        raw = data.get("tags") or []
        if isinstance(raw, str):
            raw = raw.split(",")
        tags = sorted({fold(str(t)).strip() for t in raw if str(t).strip()})
        if any(len(t) > TAG_MAX for t in tags):
            _err(errors, "tags", _("A tag has at most %(n)d characters.", n=TAG_MAX))
        joined = ",".join(tags)
        if len(joined) > TAGS_MAX:
            _err(errors, "tags", _("Too many tags: at most %(n)d characters together.", n=TAGS_MAX))
        out["tags"] = joined
    if "stage_id" in data and data["stage_id"] not in (None, ""):
        stage = _stage(data["stage_id"])
        if stage is None:
            _err(errors, "stage_id", _("No such stage."))
        elif stage.is_lost or stage.is_won:
            _err(errors, "stage_id", _("Use “won” or “lost” to close an opportunity."))
        else:
            out["stage_id"] = stage.id
    if "owner_id" in data and data["owner_id"] not in (None, ""):
        owner = _user(data["owner_id"])
        if owner is None or not owner.active:
            _err(errors, "owner_id", _("No such user."))
        elif owner.id != current_user.id and not is_manager():
            _err(errors, "owner_id", _("Only a sales manager can assign opportunities to others."))
        else:
            out["owner_id"] = owner.id
    follow = parse_date(errors, "follow_up_date", data.get("follow_up_date"))
    summary = (data.get("follow_up_summary") or "").strip()
    if len(summary) > SUMMARY_MAX:
        _err(errors, "follow_up_summary", _("At most %(n)d characters.", n=SUMMARY_MAX))
    if follow:
        out["follow_up_date"] = follow
        out["follow_up_summary"] = summary
    customer_after = out.get("customer_id", current.customer_id if current else None)
    name_after = out.get("prospect_name", current.prospect_name if current else "")
    if not errors and not customer_after and not name_after:
        _err(errors, "customer_id", _("Choose a customer or enter a prospect's name."))
    if errors:
        raise SalesInputError(errors)
    return out


def _stage(value) -> Stage | None:
    return db.session.get(Stage, parse_id(value)) if parse_id(value) else None


def _user(value) -> User | None:
    return db.session.get(User, parse_id(value)) if parse_id(value) else None


def _history(opp: Opportunity, kind: str, params: dict, **data) -> None:
    """A history entry whose subject is the stored text ``kind`` (plugins/sales/texts.py)."""
    if opp.customer_id:
        log_event(opp.customer_id, kind, source="sales", subject_kind=kind, subject_params=params,
                  data={"opportunity_id": opp.id, **data}, user_id=_uid(), record=opp)


def _uid():
    return current_user.id if current_user and getattr(current_user, "is_authenticated", False) else None


def _follow_up(opp: Opportunity, clean: dict) -> None:
    when = clean.pop("follow_up_date", None)
    summary = clean.pop("follow_up_summary", "") or _("Follow up: %(t)s", t=opp.title)
    if when and opp.customer_id:
        schedule_activity(opp.customer_id, summary=summary[:300], due_date=when,
                          assignee_id=opp.owner_id, created_by_id=_uid(), source="sales",
                          ref=f"sales.opportunity:{opp.id}", record=opp)


def create_opportunity(data: dict) -> Opportunity:
    clean = validate_opportunity(data)
    stage = db.session.get(Stage, clean.pop("stage_id")) if clean.get("stage_id") else first_stage(OPEN)
    if stage is None:
        raise SalesInputError({"stage_id": [_("Create a pipeline stage first.")]})
    clean.setdefault("owner_id", _uid())
    clean.setdefault("probability", stage.probability)
    follow = {k: clean.pop(k) for k in ("follow_up_date", "follow_up_summary") if k in clean}
    opp = Opportunity(stage=stage, status=OPEN, **clean)
    db.session.add(opp)
    db.session.flush()
    _history(opp, "sales.opportunity_created", {"title": opp.title}, stage=stage.name)
    _follow_up(opp, follow)
    return opp


def update_opportunity(opp: Opportunity, data: dict) -> None:
    clean = validate_opportunity(data, current=opp)
    if opp.status != OPEN and "stage_id" in clean:
        raise SalesInputError({"stage_id": [_("Reopen the opportunity before moving it.")]})
    stage_id = clean.pop("stage_id", None)
    follow = {k: clean.pop(k) for k in ("follow_up_date", "follow_up_summary") if k in clean}
    old_owner = opp.owner_id
    for key, value in clean.items():
        setattr(opp, key, value)
    if opp.owner_id != old_owner:
        # The new owner takes over the deal's open follow-ups (its history follows by itself:
        # core.history.guards moves the entries' visibility with the owner).
        db.session.execute(sa.update(Activity).where(Activity.ref == f"sales.opportunity:{opp.id}",
                                                     Activity.done_at.is_(None), Activity.assignee_id == old_owner)
                           .values(assignee_id=opp.owner_id).execution_options(synchronize_session=False))
    if stage_id and stage_id != opp.stage_id:
        move_to_stage(opp, db.session.get(Stage, stage_id))
    _follow_up(opp, follow)


def move_to_stage(opp: Opportunity, stage: Stage, *, lost_reason: LostReason | None = None) -> None:
    """Move an opportunity; a won/lost stage closes it (lost needs a reason)."""
    if stage is None:
        raise SalesInputError({"stage_id": [_("No such stage.")]})
    if stage.is_won:
        return mark_won(opp)
    if stage.is_lost:
        return mark_lost(opp, lost_reason)
    if opp.status != OPEN:
        raise SalesInputError({"stage_id": [_("Reopen the opportunity before moving it.")]})
    if stage.id == opp.stage_id:
        return None
    old = opp.stage.name
    opp.stage = stage
    opp.probability = stage.probability
    db.session.flush()
    _history(opp, "sales.stage_changed", {"title": opp.title, "from": old, "to": stage.name},
             old_stage=old, new_stage=stage.name)
    return None


def _ensure_customer(opp: Opportunity) -> None:
    """A won prospect becomes a customer (through the core's customer service)."""
    if opp.customer_id:
        return
    from core.customers.service import CustomerInputError, create_customer

    data = {"name": opp.prospect_name, "owner_id": opp.owner_id}
    if opp.prospect_email:
        data["emails"] = [opp.prospect_email]
    if opp.prospect_phone:
        data["phones"] = [opp.prospect_phone]
    try:
        customer = create_customer(data)
    except CustomerInputError:
        # Keep the win; contact details that the core rejects stay on the opportunity.
        customer = create_customer({"name": opp.prospect_name, "owner_id": opp.owner_id})
    opp.customer_id = customer.id
    db.session.flush()


def _changed_meanwhile(opp: Opportunity):
    """The error for the loser of a race: says what the opportunity became meanwhile."""
    message = {WON: _("This opportunity is already won."), LOST: _("This opportunity is already lost."),
               OPEN: _("This opportunity is already open.")}.get(opp.status)
    return SalesInputError({"status": [message or _("This opportunity changed meanwhile; reload it.")]})


def win_if_open(opp: Opportunity, *, when=None, states=(OPEN,)) -> bool:
    """Win ``opp`` if it is still in ``states`` (atomically); False when someone else moved it first."""
    stage = first_stage(WON)
    if stage is None:
        raise SalesInputError({"stage_id": [_("No stage is marked as won; ask a sales manager.")]})
    if not change_state(opp, "status", states, status=WON, stage_id=stage.id, probability=100,
                        closed_at=when or utcnow(), lost_reason_id=None, lost_note=""):
        return False
    _ensure_customer(opp)
    _history(opp, "sales.won", {"title": opp.title, "amount": str(opp.expected_revenue), "currency": opp.currency},
             amount=str(opp.expected_revenue), currency=opp.currency)
    return True


def mark_won(opp: Opportunity, *, when=None) -> None:
    """Close an open opportunity as won; atomic: of simultaneous wins one counts, the others get 409."""
    if opp.status == WON:
        raise SalesInputError({"status": [_("This opportunity is already won.")]})
    if not win_if_open(opp, when=when, states=(OPEN, LOST)):
        raise _changed_meanwhile(opp)


def mark_lost(opp: Opportunity, reason: LostReason | None, note: str = "", *, when=None) -> None:
    if opp.status == LOST:
        raise SalesInputError({"status": [_("This opportunity is already lost.")]})
    if reason is None:
        raise SalesInputError({"lost_reason_id": [_("Choose why it was lost.")]})
    stage = first_stage(LOST)
    if stage is None:
        raise SalesInputError({"stage_id": [_("No stage is marked as lost; ask a sales manager.")]})
    note = (note or "").strip()
    if len(note) > LOST_NOTE_MAX:
        raise SalesInputError({"note": [_("At most %(n)d characters.", n=LOST_NOTE_MAX)]})
    if not change_state(opp, "status", (OPEN, WON), status=LOST, stage_id=stage.id, probability=0,
                        lost_reason_id=reason.id, lost_note=note, closed_at=when or utcnow()):
        raise _changed_meanwhile(opp)
    _history(opp, "sales.lost", {"title": opp.title, "reason": reason.name}, reason=reason.name)


def reopen(opp: Opportunity) -> None:
    if opp.status == OPEN:
        raise SalesInputError({"status": [_("This opportunity is already open.")]})
    stage = first_stage(OPEN)
    if stage is None:
        raise SalesInputError({"stage_id": [_("No open stage exists; ask a sales manager.")]})
    if not change_state(opp, "status", (WON, LOST), status=OPEN, stage_id=stage.id, probability=stage.probability,
                        closed_at=None, lost_reason_id=None, lost_note=""):
        raise _changed_meanwhile(opp)
    _history(opp, "sales.reopened", {"title": opp.title})


def lost_reason(value) -> LostReason | None:
    reason = db.session.get(LostReason, parse_id(value)) if parse_id(value) else None
    return reason if reason and reason.active else None


def erase_customer_data(customer_id: int) -> None:
    """GDPR erasure: forget what opportunities say about the person; amounts, stages and
    dates stay (the core's ``erase_customer_data`` hook, in the erasure's transaction)."""
    db.session.execute(sa.update(Opportunity).where(Opportunity.customer_id == customer_id)
                       .values(prospect_name="", prospect_email="", prospect_phone="", notes="", lost_note=""))
