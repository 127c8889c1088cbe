"""Analytics charts: the Pareto curve, profit by tenth of customers, demand per price band.

Drawn with core's one chart setup (:mod:`core.web.charts`: the suite's style, no script, left to
right inside RTL pages, labelled for screen readers); this module only says what each chart shows,
in analytics' colours, with shares as percentages.
"""
from __future__ import annotations

import pygal
from flask_babel import gettext as _
from markupsafe import Markup

from core.web.charts import chart_html, make_chart, whole_steps

#: Blue (figures), grey (the reference line), teal and orange (the forecast's bounds).
COLORS = ("#0d6efd", "#6c757d", "#20c997", "#fd7e14")


def _percent(fraction) -> str:
    from core.l10n.numbers import format_percent

    return "" if fraction is None else format_percent(round(fraction * 100))


def _chart(kind, **extra):
    # truncate_label=-1: pygal shortens long axis labels to a few characters ("10…" for 100 %).
    options = dict(colors=COLORS, width=720, height=300, legend_at_bottom=True, show_y_guides=True,
                   value_formatter=_percent, truncate_label=-1)
    options.update(extra)
    return make_chart(kind, **options)


def pareto_chart(summary: dict) -> Markup | None:
    """The Pareto curve: cumulative share of profit against the share of customers, best first,
    with the 80 % line it is read against."""
    curve = summary.get("curve") or []
    if not curve:
        return None
    chart = _chart(pygal.Line, range=(0, max(1.0, max(p for _c, p in curve))), x_label_rotation=0)
    chart.x_labels = [_percent(c) if i % 4 == 0 else "" for i, (c, _p) in enumerate(curve)]
    chart.y_labels = [i / 5 for i in range(6)]
    chart.add(_("Share of profit"), [p for _c, p in curve])
    chart.add(_("%(share)s of profit", share=_percent(0.8)), [0.8] * len(curve), show_dots=False, stroke_style={"dasharray": "4, 4"})
    return chart_html(chart, _("Cumulative share of profit by share of customers, most profitable first"))


def deciles_chart(summary: dict) -> Markup | None:
    """Each tenth of the customers' share of the profit (most profitable tenth first)."""
    deciles = summary.get("deciles") or []
    if not deciles:
        return None
    chart = _chart(pygal.Bar, show_legend=False)
    chart.x_labels = [str(i) for i in range(1, len(deciles) + 1)]
    chart.add(_("Share of profit"), deciles)
    return chart_html(chart, _("Share of profit by tenth of customers"))


def demand_chart(rows, label: str) -> Markup | None:
    """One price band: units sold per month, then the forecast with its interval (dashed)."""
    from core.l10n.dates import format_month
    from core.l10n.numbers import format_number

    if not rows:
        return None
    history = [r for r in rows if not r.forecast]
    ahead = [r for r in rows if r.forecast]
    chart = _chart(pygal.Line, value_formatter=lambda v: format_number(round(v)) if v is not None else "",
                   x_label_rotation=30, show_minor_x_labels=False, x_labels_major_every=3, include_x_axis=True)
    chart.x_labels = [format_month(r.month) for r in rows]
    # Whole units on the y axis: pygal's own guides (0.5, 1.5 …) would print as repeated rounded
    # numbers ("1, 1, 2, 2") on a band that sells a few units a month.
    chart.y_labels = whole_steps([r.units for r in rows] + [r.upper for r in ahead], ticks=8)
    n = len(history)
    chart.add(_("Units sold"), [r.units for r in history] + [None] * len(ahead))
    if ahead:
        # The forecast line starts from the last month sold, so the two read as one curve.
        lead = [None] * (n - 1) + [history[-1].units] if history else []
        chart.add(_("Forecast"), lead + [r.units for r in ahead], stroke_style={"dasharray": "6, 4"})
        pad = [None] * n
        chart.add(_("Lowest expected"), pad + [r.lower for r in ahead], show_dots=False,
                  stroke_style={"dasharray": "2, 4"})
        chart.add(_("Highest expected"), pad + [r.upper for r in ahead], show_dots=False,
                  stroke_style={"dasharray": "2, 4"})
    return chart_html(chart, label)
