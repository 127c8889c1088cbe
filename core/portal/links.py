"""Signed, expiring, single-use links emailed to customers, and the emails that carry them.

A link carries ``{"a": account id, "p": purpose, "g": link generation}`` signed with the
app's secret (itsdangerous, salt per purpose) and is accepted only within the purpose's
lifetime and while the account's ``link_generation`` is unchanged: using a link, or any
password change, bumps the generation, so every link works once and older ones die.

Links are built from ``PORTAL_PUBLIC_URL`` (``RAPPORT_PUBLIC_URL``) when set — never from
a request's ``Host`` header alone in production, which an attacker could choose — else
from the current request (development), else ``http://localhost:5000``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.db import db
from core.portal.models import PortalAccount

INVITE, RESET, MAGIC, VERIFY, VIEW_AS = "invite", "reset", "magic", "verify", "view-as"
ENDPOINTS = {INVITE: "portal.welcome", RESET: "portal.reset_password", MAGIC: "portal.magic_login",
             VERIFY: "portal.verify"}
TEMPLATES = {INVITE: "portal.invitation", RESET: "portal.password_reset", MAGIC: "portal.magic_link",
             VERIFY: "portal.verify_email"}


def lifetime(purpose: str) -> timedelta:
    cfg = current_app.config
    return {
        INVITE: timedelta(days=cfg["PORTAL_INVITE_DAYS"]),
        VERIFY: timedelta(days=cfg["PORTAL_INVITE_DAYS"]),
        RESET: timedelta(minutes=cfg["PORTAL_RESET_MINUTES"]),
        MAGIC: timedelta(minutes=cfg["PORTAL_MAGIC_MINUTES"]),
        VIEW_AS: timedelta(minutes=2),
    }[purpose]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"rapport-portal-{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> dict | None:
    """The payload of a valid, unexpired token for ``purpose``, else None."""
    try:
        payload = _serializer(purpose).loads(token, max_age=int(lifetime(purpose).total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    return payload if isinstance(payload, dict) else None


def account_token(account: PortalAccount, purpose: str) -> str:
    return make_token(purpose, {"a": account.id, "p": purpose, "g": account.link_generation or 0})


def account_from_token(purpose: str, token: str) -> PortalAccount | None:
    """The active account a still-valid link of ``purpose`` names (not used up), else None."""
    payload = read_token(purpose, token)
    if not payload or payload.get("p") != purpose or not isinstance(payload.get("a"), int):
        return None
    account = db.session.get(PortalAccount, payload["a"])
    if account is None or not account.active or (account.link_generation or 0) != payload.get("g"):
        return None
    return account


def use_up(account: PortalAccount) -> None:
    """Make every link of ``account`` sent so far invalid (one link, one use)."""
    account.link_generation = (account.link_generation or 0) + 1


def absolute_url(endpoint: str, **values) -> str:
    base = (current_app.config.get("PORTAL_PUBLIC_URL") or "").rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
        return (base or request.host_url.rstrip("/")) + path
    with current_app.test_request_context("/"):
        path = url_for(endpoint, **values)
    return (base or "http://localhost:5000") + path


def send_link(account: PortalAccount, purpose: str, *, user_id: int | None = None):
    """Queue the email carrying a ``purpose`` link to ``account`` (in the customer's language).
    The caller commits; the outbox sends it."""
    from core.messaging import queue_message
    from core.portal.mails import ensure_portal_templates

    ensure_portal_templates()
    cfg = current_app.config
    variables = {"portal": {
        "link": absolute_url(ENDPOINTS[purpose], token=account_token(account, purpose)),
        "days": cfg["PORTAL_INVITE_DAYS"], "minutes": cfg[
            "PORTAL_RESET_MINUTES" if purpose == RESET else "PORTAL_MAGIC_MINUTES"],
        "login": absolute_url("portal.login"),
    }}
    return queue_message(channel="email", customer=account.customer_id, to=account.email, template=TEMPLATES[purpose],
                         variables=variables, purpose="service", source="portal",
                         ref=f"portal.account:{account.id}:{purpose}", user_id=user_id)
