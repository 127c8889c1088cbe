"""Reliability figures per product model, from equipment and service requests.

Definitions (the page shows them too):

* *installed units*: units not retired; *exposure*: the sum over every unit of the
  time it has been in use (installation, else purchase, else registration, up to
  retirement or the reference date), in years of 365.25 days;
* *failures*: service requests not cancelled, reported up to the reference date;
* *repairs per 100 units per year* = failures / exposure × 100;
* *MTBF* (mean time between failures) = exposure in days / failures;
* *within warranty*: failures whose computed coverage was covered or partly covered;
* *warranty cost*: the lines paid by warranty under the applied decision
  (override included), i.e. covered parts and labour.

The database does the aggregation (grouped queries), so a page stays fast with
tens of thousands of units; a free-text model counts as its own model.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from core.catalog.models import Product
from core.db import db
from plugins.service.models import (
    BILLABLE, CANCELLED, COVERED, LABOUR, LINE_LABOUR, LINE_PART, PARTLY, RETIRED, Equipment, RequestLine,
    ServiceRequest,
)
from core.l10n import local_today

AGE_BUCKETS = ((0, 1, "< 1"), (1, 2, "1–2"), (2, 3, "2–3"), (3, 5, "3–5"), (5, 10_000, "5+"))


@dataclass
class ModelStats:
    key: str
    label: str
    product_id: int | None
    installed: int = 0
    units: int = 0
    exposure_days: int = 0
    failures: int = 0
    within_warranty: int = 0
    warranty_cost: Decimal = field(default_factory=lambda: Decimal("0.00"))
    problems: Counter = field(default_factory=Counter)

    @property
    def exposure_years(self) -> float:
        return self.exposure_days / 365.25

    @property
    def repairs_per_100_per_year(self) -> float | None:
        return round(self.failures / self.exposure_years * 100, 1) if self.exposure_days else None

    @property
    def mtbf_days(self) -> int | None:
        return round(self.exposure_days / self.failures) if self.failures else None

    @property
    def within_warranty_share(self) -> float | None:
        return round(self.within_warranty / self.failures * 100, 1) if self.failures else None

    def top_problems(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.problems.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _created_day():
    col = Equipment.created_at
    return sa.func.date(col) if db.engine.dialect.name == "sqlite" else sa.cast(col, sa.Date)


def _day_number(expr):
    """A date as a number of days, so that differences are day counts on SQLite and PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        return sa.func.julianday(expr)
    return expr - sa.cast(sa.literal("1970-01-01"), sa.Date)


def _start():
    return sa.func.coalesce(Equipment.install_date, Equipment.purchase_date, _created_day())


def _model_key():
    """Catalog product, or the folded free-text model name for equipment without one."""
    return sa.case((Equipment.product_id.is_(None), sa.func.lower(sa.func.trim(Equipment.model_name))), else_="")


def model_figures(as_of: date | None = None) -> list[ModelStats]:
    """Figures per model, worst first (most repairs per 100 units per year).

    Everything is aggregated by the database (a few grouped queries), so the page
    costs the same whether there are a hundred units or a hundred thousand.
    """
    as_of = as_of or local_today()
    day = sa.literal(as_of, sa.Date)
    start, key = _start(), _model_key()
    end = sa.case((sa.and_(Equipment.retired_on.is_not(None), Equipment.retired_on < day), Equipment.retired_on),
                  else_=day)
    span = _day_number(end) - _day_number(start)
    names = dict(db.session.execute(sa.select(Product.id, Product.name)).all())
    stats: dict[tuple, ModelStats] = {}
    rows = db.session.execute(sa.select(
        Equipment.product_id, key, sa.func.min(Equipment.model_name), sa.func.count(Equipment.id),
        sa.func.sum(sa.case((sa.and_(Equipment.status != RETIRED, start <= day), 1), else_=0)),
        sa.func.sum(sa.case((span > 0, span), else_=0)),
    ).group_by(Equipment.product_id, key)).all()
    for pid, mkey, model, units, installed, exposure in rows:
        label = names.get(pid, model) if pid is not None else model
        stats[(pid, mkey)] = ModelStats(f"p{pid}" if pid is not None else f"m:{mkey}", label, pid, installed=int(installed or 0),
                                        units=units, exposure_days=int(round(float(exposure or 0))))
    counted = sa.and_(ServiceRequest.status != CANCELLED, ServiceRequest.reported_on <= day)
    for pid, mkey, category, n, within in db.session.execute(sa.select(
        Equipment.product_id, key, ServiceRequest.problem_category, sa.func.count(ServiceRequest.id),
        sa.func.sum(sa.case((ServiceRequest.coverage != BILLABLE, 1), else_=0)),
    ).join(Equipment, Equipment.id == ServiceRequest.equipment_id).where(counted)
            .group_by(Equipment.product_id, key, ServiceRequest.problem_category)).all():
        st = stats[(pid, mkey)]
        st.failures += n
        st.within_warranty += int(within or 0)
        st.problems[category or "other"] += n
    decision = sa.func.coalesce(ServiceRequest.coverage_override, ServiceRequest.coverage)
    paid = sa.or_(decision == COVERED, sa.and_(decision == PARTLY, sa.or_(
        sa.and_(ServiceRequest.coverage_terms == LABOUR, RequestLine.kind == LINE_LABOUR),
        sa.and_(sa.func.coalesce(ServiceRequest.coverage_terms, "") != LABOUR, RequestLine.kind == LINE_PART))))
    for pid, mkey, cost in db.session.execute(sa.select(
        Equipment.product_id, key, sa.func.sum(RequestLine.quantity * RequestLine.unit_price),
    ).select_from(RequestLine).join(ServiceRequest, ServiceRequest.id == RequestLine.request_id)
            .join(Equipment, Equipment.id == ServiceRequest.equipment_id).where(counted, paid)
            .group_by(Equipment.product_id, key)).all():
        stats[(pid, mkey)].warranty_cost = Decimal(str(cost or 0)).quantize(Decimal("0.01"))
    return sorted(stats.values(), key=lambda s: (-(s.repairs_per_100_per_year or 0), s.label))


def age_distribution(as_of: date | None = None) -> list[tuple[str, int]]:
    """Units in service by age in completed years (as birthdays count): how old the installed base is."""
    as_of = as_of or local_today()
    counts = dict.fromkeys((b[2] for b in AGE_BUCKETS), 0)
    start = _start()
    rows = db.session.execute(sa.select(start, sa.func.count(Equipment.id))
                              .where(Equipment.status != RETIRED).group_by(start)).all()
    for start_day, n in rows:
        if isinstance(start_day, str):  # SQLite's date() returns text
            start_day = date.fromisoformat(start_day[:10])
        if start_day > as_of:
            continue
        years = as_of.year - start_day.year - ((as_of.month, as_of.day) < (start_day.month, start_day.day))
        for low, high, label in AGE_BUCKETS:
            if low <= years < high:
                counts[label] += n
                break
    return list(counts.items())


# -- the snapshot the pages read (issue 17) ---------------------------------------------------------
#
# model_figures() groups every unit and every request: fine for a report, too much for each view of
# the manager's dashboard. The pages read the latest ReliabilitySnapshot instead ("as of" shown);
# the periodic job service.refresh_reliability writes a new one every hour.


@dataclass
class Snapshot:
    computed_at: object  # naive UTC datetime
    as_of: date
    figures: tuple[ModelStats, ...]  # shared between requests (see snapshot()): read only
    ages: list[tuple[str, int]]


def _dump(m: ModelStats) -> dict:
    return {"key": m.key, "label": m.label, "product_id": m.product_id, "installed": m.installed, "units": m.units,
            "exposure_days": m.exposure_days, "failures": m.failures, "within_warranty": m.within_warranty,
            "warranty_cost": str(m.warranty_cost), "problems": dict(m.problems)}


def _load(d: dict) -> ModelStats:
    return ModelStats(d["key"], d["label"], d["product_id"], installed=d["installed"], units=d["units"],
                      exposure_days=d["exposure_days"], failures=d["failures"],
                      within_warranty=d["within_warranty"], warranty_cost=Decimal(d["warranty_cost"]),
                      problems=Counter(d["problems"]))


def refresh_snapshot(as_of: date | None = None):
    """Compute the figures and store them as the latest snapshot, dropping older ones (the caller commits)."""
    from core.db import utcnow
    from plugins.service.models import ReliabilitySnapshot

    as_of = as_of or local_today()
    row = ReliabilitySnapshot(computed_at=utcnow(), as_of=as_of, data={
        "figures": [_dump(m) for m in model_figures(as_of)],
        "ages": [[label, n] for label, n in age_distribution(as_of)]})
    db.session.add(row)
    db.session.flush()
    db.session.execute(sa.delete(ReliabilitySnapshot).where(ReliabilitySnapshot.id < row.id))
    return row


_parsed: tuple[str, tuple, list] | None = None  # (the data's JSON text, its figures, its ages)


def snapshot() -> Snapshot:
    """The latest snapshot; the first view after installing computes one (once).

    The figures are read as their JSON text: decoding it and building a ``ModelStats`` per
    model was most of the service dashboard card's time, so the last decoded text is kept per
    process and reused while the latest snapshot's text is the same (same text, same figures:
    nothing else goes in). The figures are shared by the requests that read them: read only.
    """
    global _parsed
    from plugins.service.models import ReliabilitySnapshot as S

    row = db.session.execute(sa.select(S.computed_at, S.as_of, sa.cast(S.data, sa.Text))
                             .order_by(S.id.desc()).limit(1)).first()
    if row is None:
        refresh_snapshot()
        db.session.commit()
        return snapshot()
    computed_at, as_of, text = row
    parsed = _parsed
    if parsed is None or parsed[0] != text:
        data = json.loads(text)
        parsed = _parsed = (text, tuple(_load(d) for d in data["figures"]), [(label, n) for label, n in data["ages"]])
    return Snapshot(computed_at, as_of, parsed[1], list(parsed[2]))


def refresh_job(job=None):
    """The periodic refresh (``service.refresh_reliability``)."""
    refresh_snapshot()
    db.session.commit()
