"""Statistics charts: pygal SVG drawn on the server (no JavaScript, printable), each shown
beside a table of the same numbers. Charts read left to right in every language (axes
and numbers), so an RTL page wraps them in ``dir="ltr"`` and puts the title in the
page's own direction as a caption (the template), not inside the SVG.
"""
from __future__ import annotations

import math
import re

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from plugins.complaints.defaults import LABELS

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
STYLE = Style(background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
              colors=("#dc3545", "#198754", "#0d6efd", "#ffc107"), label_font_size=12,
              major_label_font_size=12, legend_font_size=12)


def _svg(chart, label: str) -> Markup:
    # pygal embeds a configuration <script> for tooltips; the CSP forbids it and nothing needs it.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup('<div class="chart" dir="ltr" role="img" aria-label="{}">').format(label) + Markup(svg) + \
        Markup("</div>")


def name_of(row: dict) -> str:
    """A snapshot row's name in the reader's language (defaults) or as the admin typed it."""
    if row.get("id") is None:
        return _("Not classified")
    default = LABELS.get(row.get("code") or "")
    return _(default) if default and row.get("name") == default else row.get("name") or ""


def _whole_steps(values) -> list[int]:
    """Axis ticks for counts: whole complaints, never 0.1 of one."""
    top = max([int(v or 0) for v in values] or [0]) or 1
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step))


def stats_charts(data: dict) -> dict:
    from core.l10n.numbers import format_number
    from plugins.complaints.template_helpers import complaint_month

    opts = dict(style=STYLE, js=[], disable_xml_declaration=True, width=720, height=300, legend_at_bottom=True,
                show_y_guides=True,
                value_formatter=lambda v: format_number(round(v, 2)) if v is not None else "")
    trend = pygal.Line(**opts, x_label_rotation=30)
    trend.x_labels = [complaint_month(row["month"]) for row in data["trend"]]
    trend.add(_("Opened"), [row["opened"] for row in data["trend"]])
    trend.add(_("Resolved"), [row["resolved"] for row in data["trend"]])
    category = pygal.HorizontalBar(**opts, show_legend=False)
    category.x_labels = [name_of(r) for r in data["by_category"]]
    category.add(_("Complaints"), [r["count"] for r in data["by_category"]])
    trend.y_labels = _whole_steps([v for row in data["trend"] for v in (row["opened"], row["resolved"])])
    category.y_labels = _whole_steps([r["count"] for r in data["by_category"]])
    return {"trend": _svg(trend, _("Complaints opened and resolved per month")),
            "category": _svg(category, _("Complaints by category"))}
