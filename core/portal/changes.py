"""Contact details changed in the portal: submitted for review, accepted or rejected by staff.

The customer's name, emails, phones and addresses are what staff rely on (invoices,
deliveries, matching inbound mail), so a customer's change waits in a queue (*Customers →
Portal changes*) where staff see it as a difference and accept or reject it. Consent per
channel and the language are the customer's own choice and change at once
(:func:`set_preferences`).
"""
from __future__ import annotations


import sqlalchemy as sa
from flask_babel import gettext as _

from core.customers.models import CONSENT_CHANNELS, Consent, Customer
from core.customers.service import CustomerInputError, update_customer, validate_customer_data
from core.db import change_state, db, utcnow
from core.portal import texts
from core.portal.models import ACCEPTED, PENDING, REJECTED, PortalChange
from core.l10n import local_today

FIELDS = ("name", "emails", "phones", "addresses")
ADDRESS_KEYS = ("label", "street", "postcode", "city", "region", "country")


class ChangeError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def details_of(customer: Customer) -> dict:
    """The reviewable details of ``customer`` as plain data (the shape staff and the form use)."""
    return {
        "name": customer.name,
        "emails": [e.email for e in customer.emails],
        "phones": [p.number for p in customer.phones],
        "addresses": [{k: getattr(a, k) or "" for k in ADDRESS_KEYS} for a in customer.addresses],
    }


def pending_change(customer_id: int) -> PortalChange | None:
    return db.session.execute(sa.select(PortalChange).where(PortalChange.customer_id == customer_id,
                                                            PortalChange.status == PENDING)
                              .order_by(PortalChange.id.desc()).limit(1)).scalar()


def submit(customer: Customer, data: dict, *, account_id: int | None) -> PortalChange | None:
    """Check ``data`` as the customer page would (so a typo is shown at once), then queue what
    differs; a newer submission replaces a pending one. Returns None when nothing differs."""
    wanted = {k: data[k] for k in FIELDS if k in data}
    try:
        clean = validate_customer_data(wanted, current=customer)
    except CustomerInputError as exc:
        raise ChangeError(exc.errors) from None
    before = details_of(customer)
    after = {"name": clean["name"], "emails": clean["emails"], "phones": clean["phones"],
             "addresses": [{k: a.get(k, "") for k in ADDRESS_KEYS} for a in clean["addresses"]]}
    if after == before:
        return None
    old = pending_change(customer.id)
    if old is not None:
        change_state(old, "status", PENDING, status=REJECTED, decided_at=utcnow(),
                     reason=_("Replaced by a newer request."))
    change = PortalChange(customer_id=customer.id, account_id=account_id, status=PENDING, before=before, after=after,
                          reason="")
    db.session.add(change)
    db.session.flush()
    from core.history.service import schedule_activity
    from core.portal import record_portal_activity, staff_language

    record_portal_activity(texts.DETAILS_SUBMITTED, customer_id=customer.id, source="core",
                           subject_kind=texts.DETAILS_SUBMITTED, data={"change_id": change.id})
    with staff_language():  # a follow-up's summary is plain text, for staff
        schedule_activity(customer.id, summary=_("Review the contact details changed in the portal"),
                          due_date=local_today(), assignee_id=customer.owner_id, source="core",
                          ref=f"portal.change:{change.id}")
    return change


def differences(change: PortalChange, customer: Customer) -> list[dict]:
    """What accepting would change, field by field: ``{"field", "now", "asked"}`` with lists of lines."""
    now = details_of(customer)
    rows = []
    for field in FIELDS:
        current, asked = now[field], change.after.get(field)
        if field == "addresses":
            current = [_address_line(a) for a in current]
            asked = [_address_line(a) for a in asked or []]
        elif field == "name":
            current, asked = [current], [asked]
        if current != asked:
            rows.append({"field": field, "now": current, "asked": asked})
    return rows


def _address_line(address: dict) -> str:
    return ", ".join(address.get(k) for k in ("street", "postcode", "city", "region", "country") if address.get(k))


def accept(change: PortalChange, *, user_id: int) -> None:
    """Apply the requested details (validated again: the customer may have changed meanwhile)."""
    customer = db.session.get(Customer, change.customer_id)
    if change.status != PENDING:
        raise ChangeError({"status": [_("This change was already decided.")]})
    try:
        update_customer(customer, dict(change.after))
    except CustomerInputError as exc:
        raise ChangeError(exc.errors) from None
    if not change_state(change, "status", PENDING, status=ACCEPTED, decided_at=utcnow(), decided_by_id=user_id):
        raise ChangeError({"status": [_("This change was already decided.")]})
    _close_follow_up(change)
    _tell(change, "portal.details_accepted", user_id=user_id)


def reject(change: PortalChange, reason: str, *, user_id: int) -> None:
    reason = (reason or "").strip()[:500]
    if not change_state(change, "status", PENDING, status=REJECTED, decided_at=utcnow(), decided_by_id=user_id,
                        reason=reason):
        raise ChangeError({"status": [_("This change was already decided.")]})
    _close_follow_up(change)
    _tell(change, "portal.details_rejected", user_id=user_id)


def _tell(change: PortalChange, template: str, *, user_id: int) -> None:
    """Email the customer the decision (in their language; the queue page shows it to staff)."""
    from core.portal.links import absolute_url
    from core.portal.notices import tell_customer

    tell_customer(change.customer_id, template, lambda: {
        "link": absolute_url("portal.account"),
        "reason": change.reason or _("No reason was given."),
    }, ref=f"portal.change:{change.id}:{change.status}", user_id=user_id)


def _close_follow_up(change: PortalChange) -> None:
    from core.history.models import Activity

    db.session.execute(sa.update(Activity).where(Activity.ref == f"portal.change:{change.id}",
                                                 Activity.done_at.is_(None)).values(done_at=utcnow()))


def consents_of(customer: Customer) -> dict[str, bool]:
    rows = db.session.execute(sa.select(Consent.channel, Consent.granted).where(Consent.customer_id == customer.id))
    found = dict(rows.all())
    return {channel: bool(found.get(channel)) for channel in CONSENT_CHANNELS}


def set_preferences(customer: Customer, *, consents: dict[str, bool], language: str | None) -> dict:
    """Consent per channel and the preferred language: the customer's own, changed at once
    (through the customer service, so ``customer_updated`` fires and the audit sees it)."""
    data: dict = {"consents": {c: bool(consents.get(c)) for c in CONSENT_CHANNELS}}
    if language:
        data["preferred_language"] = language
    try:
        changes = update_customer(customer, data)
    except CustomerInputError as exc:
        raise ChangeError(exc.errors) from None
    if changes:
        from core.portal import record_portal_activity

        record_portal_activity(texts.PREFERENCES_CHANGED, customer_id=customer.id, source="core",
                               subject_kind=texts.PREFERENCES_CHANGED, data={"changes": sorted(changes)})
    return changes
