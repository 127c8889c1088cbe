"""Statistics charts, drawn with the core's chart setup (:mod:`core.web.charts`): pygal SVG
drawn on the server (no JavaScript, printable), each shown beside a table of the same numbers.
Charts read left to right in every language (axes and numbers), so they sit in ``dir="ltr"``
and the title is in the page's own direction as a caption (the template), not inside the SVG.
"""
from __future__ import annotations

import pygal
from flask_babel import gettext as _

from core.web.charts import chart_html, make_chart, whole_steps
from plugins.complaints.defaults import LABELS

COLORS = ("#dc3545", "#198754", "#0d6efd", "#ffc107")


def name_of(row: dict) -> str:
    """A snapshot row's name in the reader's language (defaults) or as the admin typed it."""
    if row.get("id") is None:
        return _("Not classified")
    default = LABELS.get(row.get("code") or "")
    return _(default) if default and row.get("name") == default else row.get("name") or ""


def stats_charts(data: dict) -> dict:
    from plugins.complaints.template_helpers import complaint_month

    opts = dict(colors=COLORS, width=720, height=300, legend_at_bottom=True, show_y_guides=True)
    trend = make_chart(pygal.Line, **opts, x_label_rotation=30)
    trend.x_labels = [complaint_month(row["month"]) for row in data["trend"]]
    trend.add(_("Opened"), [row["opened"] for row in data["trend"]])
    trend.add(_("Resolved"), [row["resolved"] for row in data["trend"]])
    category = make_chart(pygal.HorizontalBar, **opts, show_legend=False)
    category.x_labels = [name_of(r) for r in data["by_category"]]
    category.add(_("Complaints"), [r["count"] for r in data["by_category"]])
    trend.y_labels = whole_steps([v for row in data["trend"] for v in (row["opened"], row["resolved"])])
    category.y_labels = whole_steps([r["count"] for r in data["by_category"]])
    return {"trend": chart_html(trend, _("Complaints opened and resolved per month")),
            "category": chart_html(category, _("Complaints by category"))}
