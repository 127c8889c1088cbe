"""Emails that tell a portal customer what staff decided about something they asked for.

Staff accept or reject the contact details changed in the portal, confirm an order placed
there, decide the coverage of a request or warranty claim: the customer sees it in the
portal, and :func:`tell_customer` also emails them, through the outbox, with one of the
portal's templates (``core/portal/mails.py``) in their preferred language. Only customers
with an active portal account are written to (the email links back to the portal). Plugins
call this from the code that makes the decision, in the same transaction: the email leaves
only when the decision is committed.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask_babel import force_locale

from core.db import db

log = logging.getLogger(__name__)


def customer_language(customer_id: int) -> str:
    """The language the customer reads (their preferred one, else the business's)."""
    from flask import current_app

    from core.customers.models import Customer

    customer = db.session.get(Customer, customer_id)
    wanted = customer.preferred_language if customer is not None else None
    return wanted or current_app.config["BABEL_DEFAULT_LOCALE"]


def tell_customer(customer_id: int, template: str, variables: dict | Callable[[], dict], *, ref: str,
                  user_id: int | None = None, once: bool = True):
    """Queue ``template`` (a portal template key) to the customer's portal address; returns the
    outbox row, or None when the customer has no active portal account or the message cannot
    be queued (logged; the decision itself stands). ``variables`` become ``{{ portal.* }}``;
    a callable is called in the customer's language (for labels such as a coverage decision),
    and ``portal.login`` is added. With ``once`` (the default) the same ``ref`` is queued only once (a retried
    decision does not write twice).
    The caller commits."""
    from core.messaging import queue_message
    from core.messaging.outbox import MessageInputError
    from core.portal.accounts import account_of
    from core.portal.links import absolute_url
    from core.portal.mails import ensure_portal_templates

    account = account_of(customer_id)
    if account is None or not account.active:
        return None
    language = customer_language(customer_id)
    with force_locale(language):
        values = dict(variables() if callable(variables) else variables)
    values.setdefault("login", absolute_url("portal.login"))
    ensure_portal_templates()
    try:
        return queue_message(channel="email", customer=customer_id, to=account.email, template=template,
                             variables={"portal": values}, language=language, purpose="service",
                             source="portal", ref=ref, dedupe_key=f"portal.notice:{ref}" if once else None, user_id=user_id)
    except MessageInputError as exc:
        log.warning("portal notice %s to customer %s not queued: %s", template, customer_id, exc)
        return None
