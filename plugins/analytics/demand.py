"""Demand by price segment: monthly units sold per price band, and a forecast per band.

Run by the snapshot job:

1. **Bands.** The net unit price of every sales line (``net_amount / quantity``) is grouped in
   SQL into distinct prices with the units sold at each; the band edges are the quantiles of
   that distribution weighted by units (``ANALYTICS_PRICE_BANDS`` bands, default 4: quartiles),
   so each band holds about the same share of what was sold. Repeated edges (few distinct
   prices) merge bands.
2. **History.** Units per band and calendar month, in SQL (the band is a ``CASE`` on the unit
   price), for the ``HISTORY_MONTHS`` complete months up to the snapshot date: a month still
   under way would read as a drop in demand.
3. **Forecast.** statsmodels' exponential smoothing in state-space form (``ETSModel``: additive
   error and trend — Holt's method — or, once there are two full years and it fits better by
   AICc, with additive yearly seasonality — Holt-Winters) gives the next ``FORECAST_MONTHS``
   months with a 95 % prediction interval. A band with fewer than ``MIN_MONTHS`` months of history gets no forecast.

Only lines in the snapshot's currency count. Units are the lines' quantities.
"""
from __future__ import annotations

import logging
import warnings
from datetime import date
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from flask import current_app

from core.db import db
from plugins.analytics.models import Demand

log = logging.getLogger(__name__)

HISTORY_MONTHS = 36
FORECAST_MONTHS = 6
MIN_MONTHS = 6
SEASONAL_MONTHS = 24     # two full years before a yearly pattern is estimated
INTERVAL = 0.95


def _month_key(column):
    """``YYYY-MM`` of a date, in SQL, on either database."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def history_window(as_of: date) -> tuple[date, date]:
    """(first month, last complete month) of the history, as first days of months."""
    last = date(as_of.year, as_of.month, 1)
    if add_months(last, 1).toordinal() - 1 != as_of.toordinal():  # as_of is not the month's last day
        last = add_months(last, -1)
    return add_months(last, -(HISTORY_MONTHS - 1)), last


def band_edges(prices, units, bands: int) -> list[float]:
    """Upper edges of the lower bands: the unit-weighted quantiles ``1/bands … (bands-1)/bands``.

    ``prices`` sorted ascending, ``units`` sold at each. An edge equal to the highest price would
    leave the top band empty, so it is dropped, as are repeated edges.
    """
    if len(prices) == 0:
        return []
    share = np.cumsum(units) / np.sum(units)
    edges = []
    for k in range(1, bands):
        edge = float(prices[int(np.searchsorted(share, k / bands - 1e-12))])
        if edge < prices[-1] and edge not in edges:
            edges.append(edge)
    return edges


def _lines(as_of: date, currency: str):
    from core import query

    lines = query("sales_order_lines")
    if lines is None:
        return None
    s = lines.subquery("demand_lines")
    price = (s.c.net_amount / s.c.quantity)
    return s, price, [s.c.currency == currency, s.c.order_date <= as_of, s.c.quantity > 0]


def _money(value: float) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.01")))


def forecast(values, start: date, months: int = FORECAST_MONTHS):
    """``[(month, mean, lower, upper), ...]`` for the ``months`` after the series ``values``
    (monthly, its first month ``start``); None when the series is too short."""
    import pandas as pd
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    n = len(values)
    if n < MIN_MONTHS:
        return None
    series = pd.Series(np.asarray(values, dtype=float),
                       index=pd.period_range(f"{start.year}-{start.month:02d}", periods=n, freq="M"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = ETSModel(series, error="add", trend="add").fit(disp=False)
        if n >= SEASONAL_MONTHS:
            # A yearly pattern only when it explains the data better (lower AICc): estimating twelve
            # seasonal terms from noise would make the forecast wiggle and the interval too narrow.
            seasonal = ETSModel(series, error="add", trend="add", seasonal="add", seasonal_periods=12).fit(disp=False)
            if seasonal.aicc < fit.aicc:
                fit = seasonal
    frame = fit.get_prediction(start=n, end=n + months - 1).summary_frame(alpha=1 - INTERVAL)
    out = []
    for i, (_label, row) in enumerate(frame.iterrows()):
        # Units sold cannot be negative: a falling trend's forecast and interval stop at 0.
        out.append((add_months(start, n + i), max(0.0, float(row["mean"])), max(0.0, float(row["pi_lower"])),
                    max(0.0, float(row["pi_upper"]))))
    return out


def write_demand(snapshot, as_of: date) -> dict:
    """Write the snapshot's ``analytics_demand`` rows (history and forecast); returns the bands."""
    found = _lines(as_of, snapshot.currency)
    if found is None:
        return {}
    s, price, where = found
    first, last = history_window(as_of)
    where = [*where, s.c.order_date >= first, s.c.order_date < add_months(last, 1)]
    rows = db.session.execute(sa.select(price.label("price"), sa.func.sum(s.c.quantity))
                              .where(*where).group_by(price).order_by(price)).all()
    if not rows:
        return {}
    prices = np.array([float(p) for p, _u in rows])
    units = np.array([float(u) for _p, u in rows])
    edges = band_edges(prices, units, int(current_app.config.get("ANALYTICS_PRICE_BANDS", 4)))
    # Cut halfway between an edge and the next price sold: no float rounding of the edge can move
    # a line of exactly that price into the next band.
    cuts = [(e + float(prices[np.searchsorted(prices, e, side="right")])) / 2 for e in edges]
    band = sa.case(*[(price <= Decimal(repr(c)), i + 1) for i, c in enumerate(cuts)], else_=len(edges) + 1) \
        if edges else sa.literal(1)
    month = _month_key(s.c.order_date)
    counts = db.session.execute(sa.select(band.label("band"), month.label("month"), sa.func.sum(s.c.quantity))
                                .where(*where).group_by(band, month)).all()
    n_months = HISTORY_MONTHS
    months = [add_months(first, i) for i in range(n_months)]
    index = {m.strftime("%Y-%m"): i for i, m in enumerate(months)}
    series = {b: np.zeros(n_months) for b in range(1, len(edges) + 2)}
    for b, key, qty in counts:
        series[int(b)][index[key]] = float(qty)
    out_rows, bands = [], []
    for b, values in series.items():
        nonzero = np.nonzero(values)[0]
        if len(nonzero) == 0:
            continue
        start = int(nonzero[0])  # the band's history begins with its first sale
        history = values[start:]
        for i, v in enumerate(history):
            out_rows.append({"snapshot_id": snapshot.id, "band": b, "month": months[start + i], "units": v,
                             "forecast": False, "lower": None, "upper": None})
        try:
            predicted = forecast(history, months[start])
        except ImportError:  # statsmodels missing: the history still shows, without a forecast
            log.warning("analytics: statsmodels is not installed; no demand forecast")
            predicted = None
        for m, mean, lower, upper in predicted or ():
            out_rows.append({"snapshot_id": snapshot.id, "band": b, "month": m, "units": mean, "forecast": True,
                             "lower": lower, "upper": upper})
        # Band b holds unit prices above edge b-1 (none for the first) up to edge b (none for the last).
        bands.append({"band": b, "above": _money(edges[b - 2]) if b > 1 else None,
                      "up_to": _money(edges[b - 1]) if b <= len(edges) else None,
                      "units": float(values.sum()), "forecast": predicted is not None})
    if out_rows:
        db.session.connection().execute(Demand.__table__.insert(), out_rows)
    snapshot.demand_bands = bands
    return {"bands": bands}


def demand_for(snapshot) -> dict[int, list[Demand]]:
    """The snapshot's rows per band, months in order (one query)."""
    rows = db.session.execute(sa.select(Demand).where(Demand.snapshot_id == snapshot.id)
                              .order_by(Demand.band, Demand.month)).scalars().all()
    out: dict[int, list[Demand]] = {}
    for row in rows:
        out.setdefault(row.band, []).append(row)
    return out


def delete_snapshots(ids) -> None:
    """Drop the demand rows of snapshots being deleted (``ids``: a subquery of snapshot ids)."""
    db.session.execute(sa.delete(Demand).where(Demand.snapshot_id.in_(ids)))
