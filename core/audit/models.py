"""The audit table: one row per change or security event, written and never edited.

Entries are structural — record type, record id, action, and per field the old and
new value — so each reader sees them in their own language (labels are translated
when shown, see :mod:`core.audit.display`). ``changes`` maps field name to
``[old, new]``; a secret field maps to ``null`` ("changed, value not recorded").
``user_id`` and ``customer_id`` carry no foreign keys on purpose: entries outlive
the users and customers they mention, and deleting or merging a customer must
never edit the audit.

Indexes match the admin page's filters, each ending in the ``(at, id)`` keyset order.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite's rowid is 64-bit already

# Actions (record changes first, then security events).
CREATE, UPDATE, DELETE = "create", "update", "delete"
LOGIN, LOGIN_FAILED, LOGOUT, DENIED, MERGE = "login", "login_failed", "logout", "denied", "merge"
ACTIONS = (CREATE, UPDATE, DELETE, MERGE, LOGIN, LOGIN_FAILED, LOGOUT, DENIED)


class AuditEntry(db.Model):
    __tablename__ = "core_audit"
    __table_args__ = (
        sa.Index("ix_core_audit_at", "at", "id"),
        sa.Index("ix_core_audit_user", "user_id", "at", "id"),
        sa.Index("ix_core_audit_record", "record_type", "record_id", "at", "id"),
        sa.Index("ix_core_audit_customer", "customer_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None]
    actor: Mapped[str | None] = mapped_column(sa.String(200))
    origin: Mapped[str] = mapped_column(sa.String(10))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))
    action: Mapped[str] = mapped_column(sa.String(20))
    record_type: Mapped[str | None] = mapped_column(sa.String(60))
    record_id: Mapped[str | None] = mapped_column(sa.String(64))
    record_label: Mapped[str | None] = mapped_column(sa.String(200))
    customer_id: Mapped[int | None]
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    detail: Mapped[dict | None] = mapped_column(sa.JSON)


@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
def _refuse(_mapper, _connection, target):
    """Nothing in the application edits or deletes an entry."""
    raise PermissionError("audit entries are never changed or deleted")
