"""Server-side SVG charts (pygal): no JavaScript, they print, and the page shows
the same numbers in a table next to each chart for screen readers and copying."""
from __future__ import annotations

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
STYLE = Style(background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
              colors=("#0d6efd", "#20c997", "#6c757d", "#ffc107"), label_font_size=12,
              major_label_font_size=12, legend_font_size=12, title_font_size=14)


def _chart(cls, title, labels, series, **opts) -> Markup:
    from core.l10n import format_number

    # Axis labels and values in the reader's conventions (1.250 / 1 250 / ۱٬۲۵۰), never 1.25e3.
    chart = cls(style=STYLE, js=[], disable_xml_declaration=True, width=720, height=320,
                legend_at_bottom=True, print_values=False, show_y_guides=True,
                value_formatter=lambda v: format_number(round(v, 2)) if v is not None else "", **opts)
    chart.x_labels = [str(x) for x in labels]
    for name, values in series:
        chart.add(str(name), [float(v) if v is not None else None for v in values])
    # pygal always embeds a small configuration <script> for its optional tooltips; the
    # CSP forbids inline scripts (and the chart needs none), so drop it.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    # Charts are drawn left to right in every language (axes, numbers); dir="ltr" keeps
    # an RTL page from flipping the SVG's text anchors. The title is a caption in the page's
    # own direction, outside the SVG, so a Persian or Hebrew title reads right to left.
    return (Markup('<figure class="chart-figure"><figcaption class="h6 text-center">{}</figcaption>').format(title)
            + Markup('<div class="chart" dir="ltr" role="img" aria-label="{}">').format(title) + Markup(svg)
            + Markup("</div></figure>"))


def bar(title, labels, series, **opts) -> Markup:
    return _chart(pygal.Bar, title, labels, series, **opts)


def horizontal_bar(title, labels, series, **opts) -> Markup:
    return _chart(pygal.HorizontalBar, title, labels, series, **opts)
