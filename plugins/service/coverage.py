"""Coverage decisions: what a warranty pays for on a given report date.

Kept free of the database so the rule can be read and tested on its own:
the warranties active on the report date (first and last day included) are
combined; if together they cover parts *and* labour the repair is covered, if
only one of the two it is partly covered, otherwise billable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from plugins.service.models import BILLABLE, BOTH, COVERED, LABOUR, LINE_LABOUR, LINE_PART, PARTLY, PARTS


@dataclass(frozen=True)
class Decision:
    decision: str              # covered / partly_covered / billable
    terms: str | None          # parts / labour / both / None
    warranty_id: int | None    # the warranty that counts most (the one ending last)


def decide(warranties, day: date) -> Decision:
    """Combine the warranties active on ``day`` (inclusive on both ends)."""
    active = [w for w in warranties if w.start_date <= day <= w.end_date]
    if not active:
        return Decision(BILLABLE, None, None)
    covers = set()
    for w in active:
        covers |= {PARTS, LABOUR} if w.terms == BOTH else {w.terms}
    best = max(active, key=lambda w: (w.terms == BOTH, w.end_date, w.id or 0))
    if covers >= {PARTS, LABOUR}:
        return Decision(COVERED, BOTH, best.id)
    return Decision(PARTLY, covers.pop(), best.id)


def covered_kinds(decision: str, terms: str | None) -> set[str]:
    """Which line kinds (part, labour) a decision pays for."""
    if decision == COVERED:
        return {LINE_PART, LINE_LABOUR}
    if decision == PARTLY:
        # An override to "partly" without a warranty behind it pays for parts only.
        if terms == LABOUR:
            return {LINE_LABOUR}
        return {LINE_PART}
    return set()


def covered_amounts(request) -> tuple[Decimal, Decimal]:
    """(covered by warranty, billable to the customer) for a request's lines."""
    kinds = covered_kinds(request.decision, request.coverage_terms)
    covered = billable = Decimal("0.00")
    for line in request.lines:
        if line.kind in kinds:
            covered += line.total
        else:
            billable += line.total
    return covered, billable
