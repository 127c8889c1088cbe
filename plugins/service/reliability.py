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

Only a few columns are read (no ORM objects), so a page stays fast with tens of
thousands of units; a free-text model counts as its own model.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from core.catalog.models import Product
from core.db import db
from plugins.service.coverage import covered_kinds
from plugins.service.models import BILLABLE, CANCELLED, RETIRED, Equipment, RequestLine, ServiceRequest

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


def _key(product_id, model_name) -> str:
    return f"p{product_id}" if product_id is not None else "m:" + (model_name or "").strip().lower()


def model_figures(as_of: date | None = None) -> list[ModelStats]:
    """Figures per model, worst first (most repairs per 100 units per year)."""
    as_of = as_of or date.today()
    stats: dict[str, ModelStats] = {}
    names = dict(db.session.execute(sa.select(Product.id, Product.name)).all())
    eq_key: dict[int, str] = {}
    rows = db.session.execute(sa.select(
        Equipment.id, Equipment.product_id, Equipment.model_name, Equipment.install_date, Equipment.purchase_date,
        Equipment.created_at, Equipment.status, Equipment.retired_on)).all()
    for eid, pid, model, installed, purchased, created, status, retired_on in rows:
        key = _key(pid, model)
        eq_key[eid] = key
        st = stats.get(key)
        if st is None:
            st = stats[key] = ModelStats(key, names.get(pid, model) if pid else model, pid)
        start = installed or purchased or created.date()
        end = min(retired_on or as_of, as_of)
        st.units += 1
        st.installed += status != RETIRED and start <= as_of
        st.exposure_days += max(0, (end - start).days)
    reqs = db.session.execute(sa.select(
        ServiceRequest.id, ServiceRequest.equipment_id, ServiceRequest.coverage, ServiceRequest.coverage_override,
        ServiceRequest.coverage_terms, ServiceRequest.problem_category,
    ).where(ServiceRequest.status != CANCELLED, ServiceRequest.reported_on <= as_of)).all()
    kinds_by_request = {}
    for rid, eid, cov, override, terms, category in reqs:
        st = stats[eq_key[eid]]
        st.failures += 1
        st.within_warranty += cov != BILLABLE
        st.problems[category or "other"] += 1
        kinds_by_request[rid] = (st, covered_kinds(override or cov, terms))
    if kinds_by_request:
        lines = db.session.execute(sa.select(
            RequestLine.request_id, RequestLine.kind, RequestLine.quantity, RequestLine.unit_price,
        ).join(ServiceRequest, ServiceRequest.id == RequestLine.request_id).where(
            ServiceRequest.status != CANCELLED, ServiceRequest.reported_on <= as_of)).all()
        for rid, kind, qty, price in lines:
            st, kinds = kinds_by_request[rid]
            if kind in kinds:
                st.warranty_cost += (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    return sorted(stats.values(), key=lambda s: (-(s.repairs_per_100_per_year or 0), s.label))


def age_distribution(as_of: date | None = None) -> list[tuple[str, int]]:
    """Units in service by age in completed years (as birthdays count): how old the installed base is."""
    as_of = as_of or date.today()
    counts = dict.fromkeys((b[2] for b in AGE_BUCKETS), 0)
    rows = db.session.execute(sa.select(Equipment.install_date, Equipment.purchase_date, Equipment.created_at)
                              .where(Equipment.status != RETIRED)).all()
    for installed, purchased, created in rows:
        start = installed or purchased or created.date()
        if start > as_of:
            continue
        years = as_of.year - start.year - ((as_of.month, as_of.day) < (start.month, start.day))
        for low, high, label in AGE_BUCKETS:
            if low <= years < high:
                counts[label] += 1
                break
    return list(counts.items())
