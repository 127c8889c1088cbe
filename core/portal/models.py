"""Portal accounts and their sessions: customers' logins, kept apart from staff users.

A :class:`PortalAccount` belongs to one customer (a person, or a contact person of a
company customer). It never becomes a staff :class:`~core.auth.models.User`: it has its own
table, its own session rows and its own cookie (``core.portal.session``), so no staff
permission can ever be reached from a portal login.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.db import db, utcnow

_hasher = PasswordHasher()

INVITED, SIGNUP = "invitation", "signup"


class PortalAccount(db.Model):
    __tablename__ = "core_portal_account"
    __audit__ = Audit("portal.account", label=_l("Portal account"), title="email", customer="customer_id",
                      secret=("password_hash",), ignore=("link_generation", "last_login_at"),
                      fields={"company_access": _l("Sees the company's records"), "verified_at": _l("Address confirmed"),
                              "invited_at": _l("Invited"), "invited_by_id": _l("Invited by"), "origin": _l("Origin")},
                      users=("invited_by_id",))

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # normalised, lower case
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))  # None until the invitation is used
    active: Mapped[bool] = mapped_column(default=True)
    # Staff granted this contact person the records of their company (company_id of the customer).
    company_access: Mapped[bool] = mapped_column(default=False)
    # Part of every emailed link; bumped when a link is used or the password changes, so each
    # link works once and old links die.
    link_generation: Mapped[int] = mapped_column(default=0)
    origin: Mapped[str] = mapped_column(sa.String(20), default=INVITED)
    verified_at: Mapped[datetime | None]
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    customer = relationship("Customer", lazy="joined")

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.link_generation = (self.link_generation or 0) + 1

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return ok


class PortalSession(db.Model):
    """One portal login (or one staff "view as customer"): the portal cookie carries its key.

    ``staff_user_id`` is set for a staff member viewing the portal as the customer: such a
    session is read-only (every POST is refused) and has no account.
    """

    __tablename__ = "core_portal_session"
    __table_args__ = (sa.Index("ix_core_portal_session_account_live", "account_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_portal_account.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"),
                                                      index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"


class PortalChange(db.Model):
    """Contact details a customer submitted in the portal, waiting for staff to accept or reject.

    ``before`` is what the customer saw when submitting, ``after`` what they asked for (plain
    dicts in ``core.customers.service`` input form: name, emails, phones, addresses). Staff see the
    difference against the customer as it is now.
    """

    __tablename__ = "core_portal_change"
    __audit__ = Audit("portal.change", label=_l("Details changed in the portal"), customer="customer_id",
                      fields={"before": _l("Before"), "after": _l("Asked for"), "decided_at": _l("Decided"),
                              "decided_by_id": _l("Decided by")}, users=("decided_by_id",))
    __table_args__ = (sa.Index("ix_core_portal_change_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_portal_account.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")


class PortalSetting(db.Model):
    """A portal setting staff change on *Administration → Portal accounts* (today: ``signup``,
    whether customers may sign up themselves). A missing row means the environment's default
    (``RAPPORT_PORTAL_SIGNUP``); see :mod:`core.portal.settings`."""

    __tablename__ = "core_portal_setting"
    __audit__ = Audit("portal.setting", label=_l("Portal setting"), title="key",
                      fields={"value": _l("Value"), "updated_by_id": _l("Changed by")}, users=("updated_by_id",))

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
