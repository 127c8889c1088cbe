"""The results page's funnel chart and a survey's trend, drawn with the core's chart setup
(:mod:`core.web.charts`): server-side SVG, no JavaScript, readable in right-to-left pages (the
SVG keeps its own direction; labels are translated)."""
from __future__ import annotations

import pygal
from flask_babel import gettext as _
from flask_babel import pgettext
from markupsafe import Markup

from core.l10n.dates import format_month
from core.web.charts import chart_html, make_chart, whole_steps

COLORS = ("#0d6efd", "#20c997", "#6f42c1", "#fd7e14", "#198754")


def funnel(figures) -> Markup:
    """Queued → sent → opened → clicked → converted, as horizontal bars (a funnel that
    stays legible with small numbers, unlike a pygal.Funnel of triangles)."""
    steps = [(_("Queued"), figures.queued), (_("Delivered to the mail server"), figures.sent),
             (pgettext("message", "Opened"), figures.opened), (_("Clicked"), figures.clicked), (_("Converted"), figures.converted)]
    chart = make_chart(pygal.HorizontalBar, colors=COLORS, width=640, height=260, show_legend=False, print_values=True,
                       show_y_guides=False)
    chart.x_labels = [label for label, _v in reversed(steps)]
    chart.y_labels = whole_steps(v for _l, v in steps)  # whole people, never 0.2 of one
    chart.add(_("Recipients"), [value for _l, value in reversed(steps)])
    return chart_html(chart, _("Campaign funnel"))


def trend_chart(survey, months) -> Markup:
    """NPS (or CSAT %) per month as a line, with the month's answers in the tooltip-free labels."""
    from plugins.marketing.models import NPS

    title = _("NPS by month") if survey.kind == NPS else _("Satisfied customers by month (%)")
    chart = make_chart(pygal.Line, colors=COLORS, width=640, height=260, show_legend=False, print_values=True,
                       show_y_guides=True, range=(-100, 100) if survey.kind == NPS else (0, 100), x_label_rotation=0)
    chart.x_labels = [format_month(m) for m, _v, _n in months]
    chart.add(title, [v for _m, v, _n in months])
    return chart_html(chart, title)
