"""Customer records.

``name_key`` (folded name) orders the list and, with ``id``, forms the keyset
cursor; ``search_key`` (folded name, emails, phones, company) answers the search box.
Both are recomputed by :func:`core.customers.service.refresh_keys` whenever a
customer or one of its emails or phones changes.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.db import db, utcnow

PERSON, COMPANY = "person", "company"
CHANNELS_PREFERRED = ("email", "phone", "sms", "letter", "visit", "portal")
CONSENT_CHANNELS = ("email", "sms")
GENDERS = ("female", "male", "other", "unspecified")
INCOME_BANDS = ("low", "lower_middle", "middle", "upper_middle", "high")
PAYMENT_METHODS = ("cash", "card", "bank_transfer", "invoice", "installments", "other")
NEED_SOURCES = ("interview", "questionnaire", "email", "call")
NEED_PRIORITIES = (1, 2, 3)  # 1 = high

customer_tags = sa.Table(
    "core_customer_tag",
    db.metadata,
    sa.Column("customer_id", sa.ForeignKey("core_customer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("core_tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "core_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)


class ContactFacts:
    """What a customer answers from its emails, phones and consents (first address of each
    channel, consent per channel), for :class:`Customer` and for the messaging snapshot
    :class:`core.messaging.addressee.Addressee` alike: one definition, so both answer the same."""

    __slots__ = ()

    @property
    def primary_email(self) -> str | None:
        return self.emails[0].email if self.emails else None

    @property
    def primary_phone(self) -> str | None:
        return self.phones[0].number if self.phones else None

    def consent_for(self, channel: str):
        """The customer's consent row (or snapshot) for ``channel``; None when never asked."""
        return next((c for c in self.consents if c.channel == channel), None)


class Customer(ContactFacts, db.Model):
    __tablename__ = "core_customer"
    __table_args__ = (
        sa.Index("ix_core_customer_name_key_id", "name_key", "id"),
        sa.Index("ix_core_customer_owner_name", "owner_id", "name_key", "id"),
        # A company's people, in name order (customer page, first page only): also serves company_id lookups.
        sa.Index("ix_core_customer_company_name", "company_id", "name_key", "id"),
        sa.Index("ix_core_customer_external_ref", "external_ref"),
        sa.Index("ix_core_customer_tax_number", "tax_number"),
    )
    __audit__ = Audit(
        "customer", label=_l("Customer"), title="name", customer="id", ignore=("name_key", "search_key"),
        collections={"emails": "email", "phones": "number", "tags": "name",
                     "addresses": lambda a: a.one_line(), "needs": "description"},
        fields={"company_id": _l("Company"), "preferred_language": _l("Preferred language"),
                "preferred_channel": _l("Preferred channel"), "gender": _l("Gender"), "birth_date": _l("Birth date"),
                "income_band": _l("Income band"), "payment_method": _l("Preferred payment method"),
                "purchase_purpose": _l("Purchase purpose"), "emails": _l("Emails"), "phones": _l("Phones"),
                "addresses": _l("Addresses"), "needs": _l("Stated needs"),
                "external_ref": _l("External reference"), "tax_number": _l("Tax number")},
        values={"kind": "core.customers.forms:KIND_LABELS", "gender": "core.customers.forms:GENDER_LABELS",
                "income_band": "core.customers.forms:INCOME_LABELS",
                "payment_method": "core.customers.forms:PAYMENT_LABELS",
                "preferred_channel": "core.customers.forms:CHANNEL_LABELS"},
        users=("owner_id",),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default=PERSON)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), default="")
    search_key: Mapped[str] = mapped_column(sa.Text, default="")
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_customer.id", ondelete="SET NULL")
    )  # indexed by ix_core_customer_company_name
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    preferred_language: Mapped[str | None] = mapped_column(sa.String(10))
    preferred_channel: Mapped[str | None] = mapped_column(sa.String(20))
    gender: Mapped[str | None] = mapped_column(sa.String(20))
    birth_date: Mapped[date | None]
    income_band: Mapped[str | None] = mapped_column(sa.String(20))
    payment_method: Mapped[str | None] = mapped_column(sa.String(20))
    purchase_purpose: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The customer's number in the system it came from (imports match on it) and its tax
    # number (VAT, ΑΦΜ, PVM kodas); both optional, both indexed for duplicate matching.
    external_ref: Mapped[str | None] = mapped_column(sa.String(100))
    tax_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    erased_at: Mapped[datetime | None]  # personal data erased (core.customers.deletion.erase_customer)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking (core/web/versions.py)

    __mapper_args__ = {"version_id_col": version}

    company: Mapped["Customer | None"] = relationship(remote_side=[id], foreign_keys=[company_id])
    owner = relationship("User", foreign_keys=[owner_id])
    emails: Mapped[list["CustomerEmail"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerEmail.id"
    )
    phones: Mapped[list["CustomerPhone"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.id"
    )
    addresses: Mapped[list["Address"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Address.id"
    )
    needs: Mapped[list["Need"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="(Need.priority, Need.id)"
    )
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="Consent.channel"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=customer_tags, order_by=Tag.name)

    def as_event(self) -> dict:
        """Plain-data snapshot for event listeners."""
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "company_id": self.company_id,
            "owner_id": self.owner_id,
            "emails": [e.email for e in self.emails],
            "phones": [p.number for p in self.phones],
            "preferred_language": self.preferred_language,
            "tags": [t.name for t in self.tags],
        }


class CustomerEmail(db.Model):
    __tablename__ = "core_customer_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    label: Mapped[str] = mapped_column(sa.String(40), default="")

    customer: Mapped[Customer] = relationship(back_populates="emails")


class CustomerPhone(db.Model):
    __tablename__ = "core_customer_phone"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(sa.String(32), index=True)  # E.164
    label: Mapped[str] = mapped_column(sa.String(40), default="")

    customer: Mapped[Customer] = relationship(back_populates="phones")


class Address(db.Model):
    __tablename__ = "core_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(40), default="")
    street: Mapped[str] = mapped_column(sa.String(200), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    postcode: Mapped[str] = mapped_column(sa.String(20), default="")
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO 3166-1 alpha-2

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    LINE_PARTS = ("street", "postcode", "city", "region", "country")

    def one_line(self) -> str:
        return self.line_of({k: getattr(self, k) for k in self.LINE_PARTS})

    @classmethod
    def line_of(cls, values: dict) -> str:
        """``one_line`` of plain values (bulk paths: no ORM object per address)."""
        return ", ".join(p for p in (values.get(k) for k in cls.LINE_PARTS) if p)


class Consent(db.Model):
    """Marketing consent per channel; ``changed_at`` is when it was given or withdrawn."""

    __tablename__ = "core_consent"
    __audit__ = Audit("consent", label=_l("Marketing consent"), title="channel", customer="customer_id",
                      fields={"granted": _l("Consent given"), "changed_at": _l("Given or withdrawn on")},
                      values={"channel": {"email": _l("Email"), "sms": _l("SMS")}})

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    granted: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="consents")


class Need(db.Model):
    """A need the customer stated, with its priority (1 high – 3 low) and source."""

    __tablename__ = "core_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.String(500))
    priority: Mapped[int] = mapped_column(default=2)
    source: Mapped[str] = mapped_column(sa.String(20), default="interview")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="needs")
