"""The results page's funnel chart: server-side SVG (pygal), no JavaScript, readable in
right-to-left pages (the SVG keeps its own direction; labels are translated)."""
from __future__ import annotations

import math
import re

import pygal
from flask_babel import gettext as _
from flask_babel import pgettext
from markupsafe import Markup
from pygal.style import Style

from core.l10n.dates import format_month
from core.l10n.numbers import format_number

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
STYLE = Style(background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
              colors=("#0d6efd", "#20c997", "#6f42c1", "#fd7e14", "#198754"), label_font_size=12,
              major_label_font_size=12, legend_font_size=13, title_font_size=14)


def _number(value) -> str:
    """Bar values and axis labels in the reader's digits (``۱۲``), never ``1.2e3``."""
    return "" if value is None else format_number(round(value, 2))


def funnel(figures) -> Markup:
    """Queued → sent → opened → clicked → converted, as horizontal bars (a funnel that
    stays legible with small numbers, unlike a pygal.Funnel of triangles)."""
    steps = [(_("Queued"), figures.queued), (_("Delivered to the mail server"), figures.sent),
             (pgettext("message", "Opened"), figures.opened), (_("Clicked"), figures.clicked), (_("Converted"), figures.converted)]
    chart = pygal.HorizontalBar(style=STYLE, js=[], disable_xml_declaration=True, width=640, height=260,
                                show_legend=False, print_values=True, show_y_guides=False,
                                value_formatter=_number)
    chart.x_labels = [label for label, _v in reversed(steps)]
    top = max(v for _l, v in steps) or 1
    step = max(1, math.ceil(top / 5))
    chart.y_labels = list(range(0, top + step, step))  # whole people, never 0.2 of one
    chart.add(_("Recipients"), [value for _l, value in reversed(steps)])
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    title = _("Campaign funnel")
    return Markup('<div class="chart" dir="ltr" role="img" aria-label="{}">').format(title) + Markup(svg) + Markup(
        "</div>")


def trend_chart(survey, months) -> Markup:
    """NPS (or CSAT %) per month as a line, with the month's answers in the tooltip-free labels."""
    from plugins.marketing.models import NPS

    title = _("NPS by month") if survey.kind == NPS else _("Satisfied customers by month (%)")
    chart = pygal.Line(style=STYLE, js=[], disable_xml_declaration=True, width=640, height=260, show_legend=False,
                       print_values=True, show_y_guides=True, range=(-100, 100) if survey.kind == NPS else (0, 100),
                       x_label_rotation=0, value_formatter=_number)
    chart.x_labels = [format_month(m) for m, _v, _n in months]
    chart.add(title, [v for _m, v, _n in months])
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup('<div class="chart" dir="ltr" role="img" aria-label="{}">').format(title) + Markup(svg) + Markup(
        "</div>")
