"""What happens after a campaign message left: signed links, opens, clicks, unsubscribes,
deliveries, bounces and conversions.

Every link in a campaign message carries a token signed with the app's secret
(itsdangerous, one salt per purpose) naming the *recipient row*; nothing a customer can
change in the address leads anywhere else: a tampered token is refused, and a click
redirect goes only to one of the campaign's own links (``marketing_link``), chosen by id
inside the signed token, never to a URL taken from the request.

Each tracking column of a recipient is set once, by a conditional ``UPDATE … WHERE
<column> IS NULL``: a second open, a retried event or two clicks at once change nothing,
and the customer's history keeps one entry per campaign (updated, not repeated).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, Signer

from core.db import db, parse_id, utcnow
from plugins.marketing.models import QUEUED, Campaign, Link, Recipient

UNSUBSCRIBE, OPEN, CLICK = "marketing.unsubscribe", "marketing.open", "marketing.click"


def _keys(purpose: str) -> tuple[Signer, "hmac.HMAC"]:
    """One signer per purpose, kept on the app: its key is derived from the secret and the
    purpose once (HMAC-SHA256), not at every signature — a campaign signs three links per
    message. A token made for one purpose is refused for another (different keys). Beside
    it, the keyed HMAC state, copied for each signature (:func:`token_maker`)."""
    cache = current_app.extensions.setdefault("marketing_signers", {})
    secret = current_app.config["SECRET_KEY"]
    found = cache.get(purpose)
    if found is None or found[0] != secret:
        key = hmac.new(str(secret).encode(), b"rapport.marketing:" + purpose.encode(), hashlib.sha256).digest()
        found = cache[purpose] = (secret, Signer(key, salt=purpose, key_derivation="none",
                                                 digest_method=hashlib.sha256), hmac.new(key, digestmod=hashlib.sha256))
    return found[1], found[2]


def _signer(purpose: str) -> Signer:
    return _keys(purpose)[0]


def token_maker(purpose: str) -> Callable[[int, int | None], str]:
    """``make(recipient_id, link_id=None)`` for one purpose, for a job that signs thousands of
    tokens: the app's key looked up once, the keyed HMAC state copied per token instead of
    built (itsdangerous builds a new ``hmac`` per signature). The tokens are exactly
    ``Signer.sign``'s — ``<value>.<urlsafe base64 of HMAC-SHA256, unpadded>`` — which
    :func:`read_token` checks with itsdangerous (a test compares the two)."""
    _signer_, keyed = _keys(purpose)

    def make(recipient_id: int, link_id: int | None = None) -> str:
        value = f"{recipient_id}" if link_id is None else f"{recipient_id}-{link_id}"
        mac = keyed.copy()
        mac.update(value.encode())
        return f"{value}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"

    return make


def make_token(purpose: str, recipient_id: int, link_id: int | None = None) -> str:
    """``<recipient>[-<link>].<signature>``: short, URL-safe, signed (itsdangerous)."""
    value = f"{recipient_id}" if link_id is None else f"{recipient_id}-{link_id}"
    return _signer(purpose).sign(value).decode()


def read_token(purpose: str, token: str) -> tuple[int, int | None] | None:
    """``(recipient_id, link_id)`` from a token, or ``None`` when it was not made by us for
    ``purpose`` (tampered, truncated, made for another purpose)."""
    try:
        value = _signer(purpose).unsign(token[:200]).decode()
    except (BadSignature, UnicodeError):
        return None
    parts = value.split("-")
    ids = [parse_id(p) for p in parts]
    if not 1 <= len(ids) <= 2 or None in ids:
        return None
    return ids[0], (ids[1] if len(ids) == 2 else None)


def _mark(recipient_id: int, column: str, **extra) -> bool:
    """Set ``column`` to now once; True when this call did it."""
    col = getattr(Recipient, column)
    result = db.session.execute(sa.update(Recipient).where(Recipient.id == recipient_id, col.is_(None))
                                .values({column: utcnow(), **extra}).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _note(recipient: Recipient, what: str) -> None:
    """Record ``what`` the customer did in their one history entry for this campaign: made at
    the first thing they do (opened, clicked, unsubscribed, bounced, bought), then updated."""
    from core.history.models import Interaction
    from core.history.service import log_event

    entry = db.session.get(Interaction, recipient.interaction_id) if recipient.interaction_id else None
    if entry is None:
        campaign = recipient.campaign
        entry = log_event(recipient.customer_id, "marketing.campaign", source="marketing",
                          subject_kind="marketing.campaign", subject_params={"campaign": campaign.name},
                          channel=campaign.channel, direction="outbound",
                          data={"campaign_id": campaign.id, "campaign": campaign.name},
                          occurred_at=recipient.queued_at, permission="marketing.user")
        recipient.interaction_id = entry.id
    data = dict(entry.data or {})
    data[what] = utcnow().isoformat(timespec="seconds")
    entry.data = data


def opened(recipient_id: int) -> None:
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is not None and recipient.status == QUEUED and _mark(recipient_id, "opened_at"):
        _note(recipient, "opened")


def clicked(recipient_id: int, link_id: int) -> str | None:
    """The URL to redirect to, or None when the link is not one of the campaign's."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return None
    link = db.session.get(Link, link_id)
    if link is None or link.campaign_id != recipient.campaign_id:
        return None
    if recipient.status == QUEUED:
        if _mark(recipient_id, "opened_at"):  # a click proves the open (images may be blocked)
            _note(recipient, "opened")
        if _mark(recipient_id, "clicked_at"):
            _note(recipient, "clicked")
    return link.url


def set_consent(customer, channel: str, granted: bool, *, campaign: Campaign | None = None,
                in_portal: bool = False) -> bool:
    """Turn the customer's marketing consent for ``channel`` on or off: the one path of the
    unsubscribe link, the one-click header and the portal's preferences. Through the core's
    ``update_customer`` (``customer_updated`` fires, the audit log sees it) plus one history
    entry ``marketing.unsubscribed`` / ``marketing.subscribed`` — on the portal channel when
    the customer did it there. True when it changed; a second call changes nothing.
    An unsubscribe also records an explicit "no" where the customer had never answered."""
    from core.customers.service import update_customer

    consent = customer.consent_for(channel)
    if consent is not None and consent.granted == granted:
        return False
    update_customer(customer, {"consents": {channel: granted}})
    kind = "marketing.subscribed" if granted else "marketing.unsubscribed"
    text = {"subject_kind": kind,
            "subject_params": {"channel": channel, **({"campaign": campaign.name} if campaign else {})}}
    data = {"channel": channel, **({"campaign_id": campaign.id} if campaign else {})}
    if in_portal:
        from core.portal import record_portal_activity

        record_portal_activity(kind, customer_id=customer.id, source="marketing", data=data,
                               permission="marketing.user", **text)
    else:
        from core.history.service import log_event

        log_event(customer.id, kind, source="marketing", data=data, channel=channel,
                  direction="inbound", permission="marketing.user", **text)
    return True


def unsubscribe(recipient_id: int) -> Recipient | None:
    """Withdraw the customer's marketing consent for the campaign's channel; history and
    consent record the change. Safe to call twice (the second call changes nothing)."""
    from core.customers.models import Customer

    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        return None
    customer = db.session.get(Customer, recipient.customer_id)
    if customer is not None:
        set_consent(customer, recipient.campaign.channel, False, campaign=recipient.campaign)
    if _mark(recipient_id, "unsubscribed_at"):
        _note(recipient, "unsubscribed")
    return recipient


def bounced(mail: dict) -> None:
    """``email_received`` with a delivery report about one of our messages."""
    if (mail["bounce"] or {}).get("action", "failed") not in ("failed", ""):
        return  # "delayed", "delivered", "relayed": not a bounce
    recipient = db.session.execute(sa.select(Recipient).where(Recipient.outbox_id == mail["outbox_id"])).scalar()
    if recipient is not None and _mark(recipient.id, "bounced_at"):
        _note(recipient, "bounced")


def order_confirmed(order: dict) -> None:
    """Attribute a confirmed order to the latest campaign the customer clicked in, else was
    sent, within that campaign's conversion window. One order converts one recipient once."""
    confirmed_at = datetime.fromisoformat(order["confirmed_at"])
    if confirmed_at.tzinfo is not None:  # "+00:00" in the payload; stored times are naive UTC
        confirmed_at = confirmed_at.astimezone(timezone.utc).replace(tzinfo=None)
    already = db.session.execute(sa.select(Recipient.id).where(Recipient.order_id == order["id"])).first()
    if already:
        return  # a retried event
    touched = sa.func.coalesce(Recipient.clicked_at, Recipient.queued_at)
    candidates = db.session.execute(
        sa.select(Recipient, Campaign.conversion_days).join(Campaign, Campaign.id == Recipient.campaign_id)
        .where(Recipient.customer_id == order["customer_id"], Recipient.status == QUEUED,
               Recipient.converted_at.is_(None), Recipient.queued_at <= confirmed_at,
               Recipient.queued_at >= confirmed_at - timedelta(days=365))
        .order_by(Recipient.clicked_at.is_(None), touched.desc(), Recipient.id.desc()).limit(20)
    ).all()
    for recipient, days in candidates:
        when = recipient.clicked_at or recipient.queued_at
        if when <= confirmed_at <= when + timedelta(days=days):
            won = db.session.execute(
                sa.update(Recipient).where(Recipient.id == recipient.id, Recipient.converted_at.is_(None))
                .values(converted_at=confirmed_at, order_id=order["id"], revenue=Decimal(order["total"]),
                        currency=order["currency"]).execution_options(synchronize_session=False)).rowcount
            if won:
                _note(recipient, "converted")
            return
