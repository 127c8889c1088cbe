"""Portal accounts: invitations, passwords, links and logins (shared by the pages, the CLI and the API)."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from core.auth.models import verify_nothing
from core.customers.models import Customer, CustomerEmail
from core.db import db, utcnow
from core.portal import links, texts
from core.portal.models import INVITED, PortalAccount
from core.portal.session import find_account


class PortalInputError(ValueError):
    """Bad input for an account; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def normalise_email(email: str | None) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise PortalInputError({"email": [_("Enter a valid email address.")]}) from None


def customer_emails(customer: Customer) -> list[str]:
    """The customer's addresses, lower-cased, in their order. Read through the relationship:
    the customer page has it loaded already (core.customers.related.preload), elsewhere it
    is the same one statement."""
    return [e.email.lower() for e in customer.emails]


def account_of(customer_id: int) -> PortalAccount | None:
    return db.session.execute(
        sa.select(PortalAccount).where(PortalAccount.customer_id == customer_id)).scalar_one_or_none()


def invite(customer: Customer, email: str | None = None, *, user_id: int | None = None) -> PortalAccount:
    """Create (or re-open) ``customer``'s portal account and queue the invitation email.

    ``email`` must be one of the customer's addresses (default: the first), so an
    invitation never goes to an address staff did not record for this customer. Sending
    again makes the earlier invitation link invalid. The caller commits.
    """
    known = customer_emails(customer)
    if email is None or not email.strip():
        if not known:
            raise PortalInputError({"email": [_("The customer has no email address; add one first.")]})
        email = known[0]
    email = normalise_email(email)
    if email not in known:
        raise PortalInputError({"email": [_("This is not one of the customer's email addresses.")]})
    holder = find_account(email)
    if holder is not None and holder.customer_id != customer.id:
        raise PortalInputError({"email": [_("Another customer's portal account uses this address.")]})
    account = account_of(customer.id)
    if account is None:
        account = PortalAccount(customer_id=customer.id, email=email, origin=INVITED, active=True,
                                company_access=False, link_generation=0)
        db.session.add(account)
    account.email = email
    account.active = True
    account.invited_by_id = user_id
    account.invited_at = utcnow()
    links.use_up(account)  # an earlier invitation link stops working
    db.session.flush()
    links.send_link(account, links.INVITE, user_id=user_id)
    from core.history.service import log_event

    log_event(customer.id, texts.INVITED, source="core", subject_kind=texts.INVITED, subject_params={"email": email},
              channel="email", direction="outbound", user_id=user_id)
    return account


def authenticate(email: str, password: str) -> PortalAccount | None:
    """The active account with this email and password, else None — in the same time either way."""
    try:
        email = normalise_email(email)
    except PortalInputError:
        email = ""
    account = find_account(email) if email else None
    if account is None or not account.has_password:
        verify_nothing(password)
        return None
    if not account.check_password(password) or not account.active:
        return None
    if account.verified_at is None and account.origin != INVITED:
        return None  # a sign-up not confirmed yet
    return account


# -- links asked for on the public pages (reset, magic link, sign-up) -----------------------------
# The page only checks the address's form and asks for a background call (``core.portal_send_link``,
# after the commit): whether an account exists, and the outbox row that follows when it does, are
# the worker's business. The request does the same work for a known and an unknown address, so
# neither the answer nor its timing tells which addresses have accounts.

LINK_TASK = "core.portal_send_link"
RESET_KIND, MAGIC_KIND, SIGNUP_KIND = "reset", "magic", "signup"


def request_link(kind: str, email: str, *, name: str = "", language: str | None = None) -> None:
    """Queue the sending of a ``kind`` link to ``email`` as a background call. A malformed
    address raises :class:`PortalInputError` for a sign-up (the form shows it) and is dropped
    silently for a reset or magic link (as an unknown address). The caller commits."""
    from flask import has_request_context, request

    from core.jobs import run_soon

    try:
        email = normalise_email(email)
    except PortalInputError:
        if kind == SIGNUP_KIND:
            raise
        return
    base = request.host_url if has_request_context() else None
    run_soon(LINK_TASK, {"kind": kind, "email": email, "name": " ".join((name or "").split())[:200],
                         "language": language, "base": base})


def send_requested_link(kind: str, email: str, name: str = "", language: str | None = None,
                        base: str | None = None) -> None:
    """The background call behind :func:`request_link` (committed by the job runner). ``base``
    is the address the customer used, for links when ``RAPPORT_PUBLIC_URL`` is not set."""
    from flask import current_app

    with current_app.test_request_context("/", base_url=base or "http://localhost:5000"):
        if kind == RESET_KIND:
            send_reset(email)
        elif kind == MAGIC_KIND:
            send_magic_link(email)
        elif kind == SIGNUP_KIND:
            send_signup_link(name, email, language or current_app.config["BABEL_DEFAULT_LOCALE"])


def send_reset(email: str) -> None:
    """Queue a password-reset link when an active account has this email; silently nothing
    otherwise (the page says the same either way). The caller commits."""
    try:
        account = find_account(normalise_email(email))
    except PortalInputError:
        return
    if account is not None and account.active:
        links.send_link(account, links.RESET)


def send_magic_link(email: str) -> None:
    """Queue a one-time login link (same rules as :func:`send_reset`). The caller commits."""
    try:
        account = find_account(normalise_email(email))
    except PortalInputError:
        return
    if account is not None and account.active and (account.verified_at or account.origin == INVITED):
        links.send_link(account, links.MAGIC)


def set_password(account: PortalAccount, password: str) -> None:
    """Set the password (invalidates every emailed link) and mark the address verified:
    the customer proved they read mail sent there. The caller ends other sessions and commits."""
    account.set_password(password)
    if account.verified_at is None:
        account.verified_at = utcnow()


# -- self sign-up (PORTAL_SIGNUP) -------------------------------------------------------------------
# Nothing is stored until the address is confirmed: the emailed link carries the name and the
# address (signed), and only following it creates the customer (or finds the one with that
# address) and the account, whose password is chosen then. So a sign-up in someone else's name
# gives nobody access, and bots that never confirm leave no customers behind.


def send_signup_link(name: str, email: str, language: str) -> None:
    """Queue the confirmation link (or, for an address that has an account, a reset link:
    the page says the same either way). The caller commits."""
    from flask import current_app

    from core.messaging import queue_message
    from core.portal.mails import ensure_portal_templates

    name = " ".join((name or "").split())[:200]
    email = normalise_email(email)
    existing = find_account(email)
    if existing is not None:
        if existing.active:
            links.send_link(existing, links.RESET)
        return
    ensure_portal_templates()
    token = links.make_token(links.VERIFY, {"p": links.VERIFY, "n": name, "e": email})
    queue_message(channel="email", to=email, template=links.TEMPLATES[links.VERIFY], language=language,
                  variables={"portal": {"link": links.absolute_url(links.ENDPOINTS[links.VERIFY], token=token),
                                        "days": current_app.config["PORTAL_INVITE_DAYS"], "name": name,
                                        "minutes": 0, "login": links.absolute_url("portal.login")}},
                  purpose="service", source="portal", ref="portal.signup")


def signup_from_token(token: str) -> dict | None:
    """The name and address a valid, unused sign-up link carries, else None."""
    payload = links.read_token(links.VERIFY, token)
    if not payload or payload.get("p") != links.VERIFY or not payload.get("e"):
        return None
    if find_account(payload["e"]) is not None:
        return None  # used already (or the address got an account meanwhile)
    return {"name": payload.get("n") or payload["e"], "email": payload["e"]}


def complete_signup(signup: dict, password: str, language: str | None) -> PortalAccount:
    """Create the account (and the customer, unless exactly one customer has the address and no
    account yet) with ``password``; the address is verified by the link. The caller commits."""
    from core.customers.service import create_customer
    from core.portal.models import SIGNUP

    matches = db.session.execute(sa.select(CustomerEmail.customer_id).where(
        sa.func.lower(CustomerEmail.email) == signup["email"]).distinct().limit(2)).scalars().all()
    customer = db.session.get(Customer, matches[0]) if len(matches) == 1 else None
    if customer is None or account_of(customer.id) is not None:
        customer = create_customer({"name": signup["name"], "emails": [signup["email"]],
                                    "preferred_language": language, "preferred_channel": "portal"})
        db.session.flush()
    account = PortalAccount(customer_id=customer.id, email=signup["email"], origin=SIGNUP, active=True,
                            company_access=False, link_generation=0)
    db.session.add(account)
    set_password(account, password)
    db.session.flush()
    from core.history.service import log_event

    log_event(customer.id, texts.SIGNED_UP, source="core", subject_kind=texts.SIGNED_UP,
              subject_params={"email": signup["email"]}, channel="portal", direction="inbound")
    return account


def erase_portal_data(customer_id: int) -> None:
    """GDPR erasure: the portal account (its email and password), its sessions and the details
    the customer submitted go; what they did stays in the history as the core keeps it."""
    from core.portal.models import PortalChange, PortalSession

    db.session.execute(sa.delete(PortalChange).where(PortalChange.customer_id == customer_id))
    db.session.execute(sa.delete(PortalSession).where(PortalSession.customer_id == customer_id))
    db.session.execute(sa.delete(PortalAccount).where(PortalAccount.customer_id == customer_id))
    # The invitation and sign-up entries stay, without the address.
    from core.history.models import Interaction
    from core.l10n.texts import english

    for kind in texts.WITH_ADDRESS:
        db.session.execute(sa.update(Interaction)
                           .where(Interaction.customer_id == customer_id, Interaction.subject_kind == kind)
                           .values(subject=english(kind, {}), subject_params={}))
