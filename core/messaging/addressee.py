"""Addressees: what the outbox and the templates need to know about a customer, read in bulk.

A campaign queues hundreds of messages per transaction. Loading each customer as an ORM
object with its emails, phones, consents and company (four ``selectinload``\\ s) built five
ORM objects per message, and that was a third of a campaign's queuing time.
:func:`load_addressees` reads the same facts with **one** query of plain values and returns
:class:`Addressee` snapshots that :func:`core.messaging.queue_messages`,
:func:`core.messaging.render_message` and :func:`core.messaging.outbox.consent_problem`
accept wherever they accept a ``Customer`` (they read the same attribute names).

An addressee holds each channel's *first* address (the one a message goes to when no
``to`` is given, as campaigns send); a message to another of the customer's addresses
takes the ``Customer`` itself. Consent is read in the caller's transaction, so it is the
consent at queuing time, exactly as with the ORM object.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import sqlalchemy as sa

from core.customers.models import Consent, ContactFacts, Customer, CustomerEmail, CustomerPhone
from core.db import db

Email = namedtuple("Email", "email")
Phone = namedtuple("Phone", "number")
Company = namedtuple("Company", "name")
ConsentState = namedtuple("ConsentState", "channel granted")


@dataclass(frozen=True, slots=True)
class Addressee(ContactFacts):
    """A read-only snapshot of a customer for messaging (same attribute names as ``Customer``)."""

    id: int
    name: str
    kind: str
    preferred_language: str | None
    company: Company | None
    emails: tuple[Email, ...]
    phones: tuple[Phone, ...]
    consents: tuple[ConsentState, ...]


def _first(column, owner, order):
    return sa.select(column).where(owner == Customer.id).order_by(order).limit(1).correlate(Customer).scalar_subquery()


def _consent(channel: str):
    return (sa.select(Consent.granted).where(Consent.customer_id == Customer.id, Consent.channel == channel)
            .correlate(Customer).scalar_subquery())


def load_addressees(ids: list[int]) -> dict[int, Addressee]:
    """``{customer id: Addressee}`` for ``ids`` (missing customers are left out): one query,
    the first email and phone and the consent per channel as correlated subqueries on
    their indexes (``customer_id``; the consent's primary key)."""
    if not ids:
        return {}
    company = sa.orm.aliased(Customer)
    stmt = (sa.select(Customer.id, Customer.name, Customer.kind, Customer.preferred_language, company.name,
                      _first(CustomerEmail.email, CustomerEmail.customer_id, CustomerEmail.id),
                      _first(CustomerPhone.number, CustomerPhone.customer_id, CustomerPhone.id),
                      _consent("email"), _consent("sms"))
            .outerjoin(company, company.id == Customer.company_id)
            .where(Customer.id.in_(ids)))
    out = {}
    for cid, name, kind, language, company_name, email, phone, email_ok, sms_ok in db.session.execute(stmt):
        consents = tuple(ConsentState(ch, bool(ok)) for ch, ok in (("email", email_ok), ("sms", sms_ok))
                         if ok is not None)
        out[cid] = Addressee(id=cid, name=name or "", kind=kind, preferred_language=language,
                             company=Company(company_name) if company_name is not None else None,
                             emails=(Email(email),) if email else (), phones=(Phone(phone),) if phone else (),
                             consents=consents)
    return out
