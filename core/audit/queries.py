"""Finding entries: the filters shared by the audit page, the Changes tab and the API.

Every filter is an equality on the leading columns of one index of ``core_audit``
(plus a range on ``at``), and the order is ``(at, id)`` newest first, so each page
is one index range scan however large the table grows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

import sqlalchemy as sa

from core.audit.models import AuditEntry
from core.web.pagination import Page, cursor_of, keyset_page

MAX_ID = 2**63 - 1


@dataclass
class Filters:
    user_id: int | None = None
    record_type: str | None = None
    record_id: str | None = None
    customer_id: int | None = None
    action: str | None = None
    origin: str | None = None
    since: date | None = None  # first day included
    until: date | None = None  # last day included
    zone: tzinfo | None = None  # whose days: the page's reader's zone; None = UTC days (the API)

    def active(self) -> bool:
        return any(v not in (None, "") for k, v in vars(self).items() if k != "zone")

    def start_of(self, day: date) -> datetime:
        """The first moment of ``day`` in the filter's zone, as the naive UTC the table stores."""
        return datetime.combine(day, time.min, tzinfo=self.zone or timezone.utc).astimezone(timezone.utc).replace(
            tzinfo=None)


def statement(f: Filters):
    stmt = sa.select(AuditEntry)
    if f.user_id is not None:
        stmt = stmt.where(AuditEntry.user_id == f.user_id)
    if f.record_type:
        stmt = stmt.where(AuditEntry.record_type == f.record_type)
    if f.record_id:
        stmt = stmt.where(AuditEntry.record_id == f.record_id)
    if f.customer_id is not None:
        stmt = stmt.where(AuditEntry.customer_id == f.customer_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.origin:
        stmt = stmt.where(AuditEntry.origin == f.origin)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= f.start_of(f.since))
    if f.until:
        stmt = stmt.where(AuditEntry.at < f.start_of(f.until + timedelta(days=1)))
    return stmt


def find(session, f: Filters, *, cursor: str | None, limit: int) -> Page:
    """One page of entries, newest first (raises :class:`BadCursor`)."""
    return keyset_page(session, statement(f), [AuditEntry.at, AuditEntry.id], cursor=cursor, limit=limit,
                       descending=True, convert=cursor_of("datetime", "id"))
