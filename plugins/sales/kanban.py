"""The kanban's reads: one page of cards per column, and the column headers' totals.

Neither grows with the stage (issue 17). Cards come a page at a time, newest-touched
first, by keyset on ``(updated_at, id)`` — the ``(stage_id, updated_at, id)`` index for
everyone's board, ``(owner_id, stage_id, updated_at, id)`` for one salesperson's — and
"Load more" asks for the next page of that column only. Headers read
``sales_stage_total`` (kept by triggers, see :class:`plugins.sales.models.StageTotal`):
one small grouped read for the whole board instead of a sum over each stage per view.

Why triggers rather than a snapshot refreshed by a job: people drag cards and read the
headers at once; an hour-old header next to the moved card would be wrong in front of
them. The triggers run in the writer's transaction, so the headers are exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from core.auth.models import User
from core.db import db
from core.web.pagination import cursor_of, keyset_page
from plugins.sales.access import visible
from plugins.sales.models import Opportunity, Stage, StageTotal

PER_OPEN_STAGE = 25
PER_CLOSED_STAGE = 8  # won/lost columns show the latest few, as a reminder; "Load more" for the rest


@dataclass
class Column:
    stage: Stage
    cards: list
    next_cursor: str | None
    totals: list = field(default_factory=list)  # [(currency, count, amount)], open stages only


def page_size(stage: Stage) -> int:
    return PER_CLOSED_STAGE if (stage.is_won or stage.is_lost) else PER_OPEN_STAGE


def cards(stage: Stage, *, owner_id: int | None, cursor: str | None = None):
    """One page of ``stage``'s cards the current user may see (``owner_id``: only theirs).

    Raises :class:`BadCursor` for a cursor that is not ours."""
    stmt = visible(sa.select(Opportunity), Opportunity).where(Opportunity.stage_id == stage.id)
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    stmt = stmt.options(joinedload(Opportunity.customer), joinedload(Opportunity.owner).lazyload(User.roles))
    return keyset_page(db.session, stmt, [Opportunity.updated_at, Opportunity.id], cursor=cursor,
                       limit=page_size(stage), descending=True, convert=cursor_of("datetime", "id"))


def totals(owner_id: int | None) -> dict[int, list[tuple[str, int, Decimal]]]:
    """``{stage_id: [(currency, count, amount), …]}`` for every stage, from the kept totals."""
    stmt = (sa.select(StageTotal.stage_id, StageTotal.currency, sa.func.sum(StageTotal.n),
                      sa.func.sum(StageTotal.amount_cents))
            .where(StageTotal.n > 0)
            .group_by(StageTotal.stage_id, StageTotal.currency)
            .order_by(StageTotal.stage_id, StageTotal.currency))
    if owner_id is not None:
        stmt = stmt.where(StageTotal.owner_key == owner_id)
    out: dict[int, list] = {}
    for stage_id, currency, n, cents in db.session.execute(stmt):
        out.setdefault(stage_id, []).append((currency, int(n), Decimal(int(cents)).scaleb(-2)))
    return out


def board(stage_list: list[Stage], *, owner_id: int | None) -> list[Column]:
    """Every column's first page and its header."""
    kept = totals(owner_id)
    columns = []
    for stage in stage_list:
        page = cards(stage, owner_id=owner_id)
        closed = stage.is_won or stage.is_lost
        columns.append(Column(stage, page.items, page.next_cursor, [] if closed else kept.get(stage.id, [])))
    return columns
