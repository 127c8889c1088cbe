"""The plugin's one table. Its name starts with the plugin name, as every plugin table must."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audit
from core.db import db, utcnow
from core.history.service import log_event


class HelloNote(db.Model):
    __tablename__ = "hello_note"
    __table_args__ = (sa.Index("ix_hello_note_customer_id_id", "customer_id", "id"),)
    # In the audit log: who added or changed which note, shown on the customer's Changes tab.
    __audit__ = Audit("hello.note", label=_l("Hello note"), title="text", customer="customer_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting a customer deletes their notes (the manifest declares CASCADE, and so
    # does the key). A merge moves them to the surviving customer without any code
    # here (the core does it).
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("core_customer.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def add_note(customer_id: int, text: str) -> HelloNote:
    """Add a note and record it on the customer's timeline (the caller commits)."""
    note = HelloNote(customer_id=customer_id, text=text[:500])
    db.session.add(note)
    log_event(customer_id, "hello.note", source="hello", subject=text[:300])
    return note


def latest_notes(limit: int) -> list[HelloNote]:
    return db.session.execute(sa.select(HelloNote).order_by(HelloNote.id.desc()).limit(limit)).scalars().all()


def notes_for(customer_id: int, limit: int) -> list[HelloNote]:
    stmt = sa.select(HelloNote).where(HelloNote.customer_id == customer_id).order_by(HelloNote.id.desc())
    return db.session.execute(stmt.limit(limit)).scalars().all()


def delete_notes(customer_id: int) -> None:
    db.session.execute(sa.delete(HelloNote).where(HelloNote.customer_id == customer_id))


def points_for(customer_id: int) -> dict | None:
    """Loyalty points: one per whole unit of net amount the customer bought, read from
    the sales plugin's ``sales_order_lines`` query hook (never importing sales).

    ``None`` when no enabled plugin provides the hook (sales not installed or disabled).
    The hook gives a SQLAlchemy ``Select``; we aggregate it in SQL, so this stays one
    cheap query however many orders there are.
    """
    from core import query

    lines = query("sales_order_lines")
    if lines is None:
        return None
    sub = lines.subquery()
    stmt = (sa.select(sa.func.count(sa.distinct(sub.c.order_id)), sa.func.sum(sub.c.net_amount))
            .where(sub.c.customer_id == customer_id))
    orders, amount = db.session.execute(stmt).one()
    return {"orders": orders, "points": int(amount or 0)}
