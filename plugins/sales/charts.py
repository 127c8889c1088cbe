"""Sales' charts (bar charts of the statistics page), drawn with the core's chart setup
(:mod:`core.web.charts`): server-side SVG, no JavaScript, the same numbers in a table beside
each chart for screen readers and copying."""
from __future__ import annotations

import pygal
from markupsafe import Markup

from core.web.charts import chart_html, make_chart


def _chart(kind, title, labels, series, **opts) -> Markup:
    chart = make_chart(kind, width=720, height=320, legend_at_bottom=True, print_values=False, show_y_guides=True,
                       **opts)
    chart.x_labels = [str(x) for x in labels]
    for name, values in series:
        chart.add(str(name), [float(v) if v is not None else None for v in values])
    return chart_html(chart, title, caption=True)


def bar(title, labels, series, **opts) -> Markup:
    return _chart(pygal.Bar, title, labels, series, **opts)


def horizontal_bar(title, labels, series, **opts) -> Markup:
    return _chart(pygal.HorizontalBar, title, labels, series, **opts)
