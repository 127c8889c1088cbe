"""Charts for every page and plugin: pygal SVG drawn on the server (no JavaScript, they print),
each shown beside a table of the same numbers for screen readers and copying.

One setup for all of them, so a chart looks and behaves the same everywhere:

* :func:`make_chart` builds a pygal chart with the suite's style (transparent, the page's font),
  no JavaScript, and values and axis labels in the reader's number conventions (``1.250``,
  ``1 250``, ``۱٬۲۵۰``; never ``1.25e3``);
* :func:`chart_html` renders it without pygal's inline ``<script>`` (the Content-Security-Policy
  forbids inline scripts; the chart needs none) inside ``dir="ltr"``: axes and numbers read left
  to right in every language, so an RTL page must not flip the SVG's text anchors. Its title is
  page text in the page's own direction (a caption, or the template's heading), never text
  inside the SVG, so a Persian or Hebrew title reads right to left;
* :func:`whole_steps` gives axis ticks for counts (whole people, never 0.2 of one).

    chart = make_chart(pygal.Bar, colors=("#0d6efd", "#20c997"), width=720, height=300)
    chart.x_labels = [...]
    chart.add(_("Orders"), [...])
    return chart_html(chart, _("Orders per month"))
"""
from __future__ import annotations

import math
import re

from markupsafe import Markup

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
#: Bootstrap's blue, teal, grey and yellow: the colours of a chart that names none.
PALETTE = ("#0d6efd", "#20c997", "#6c757d", "#ffc107")


def number_label(value) -> str:
    """A value or axis label in the reader's conventions, rounded to two places ("" for none)."""
    from core.l10n.numbers import format_number

    return "" if value is None else format_number(round(value, 2))


def chart_style(colors=PALETTE):
    """The suite's pygal style in these series colours."""
    from pygal.style import Style

    return Style(background="transparent", plot_background="transparent", font_family="system-ui, sans-serif",
                 colors=tuple(colors), label_font_size=12, major_label_font_size=12, legend_font_size=12,
                 title_font_size=14)


def make_chart(kind, *, colors=PALETTE, **options):
    """A pygal chart of ``kind`` (``pygal.Bar``, ``pygal.Line``, ``pygal.HorizontalBar`` …) with the
    suite's style and number labels; ``options`` are pygal's (``width``, ``height``,
    ``show_legend``, ``value_formatter`` to show something other than plain numbers …)."""
    settings = dict(style=chart_style(colors), js=[], disable_xml_declaration=True, value_formatter=number_label)
    settings.update(options)
    return kind(**settings)


def chart_html(chart, label: str, *, caption: bool = False) -> Markup:
    """The rendered chart, safe to put in a page: no script, left to right, labelled ``label`` for
    screen readers; with ``caption=True`` inside a ``<figure>`` whose caption is ``label``."""
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    html = Markup('<div class="chart" dir="ltr" role="img" aria-label="{}">').format(label) + Markup(svg) + Markup(
        "</div>")
    if caption:
        html = (Markup('<figure class="chart-figure"><figcaption class="h6 text-center">{}</figcaption>').format(label)
                + html + Markup("</figure>"))
    return html


def whole_steps(values, ticks: int = 5) -> list[int]:
    """Axis ticks for counts from 0 to at least the largest value, about ``ticks`` of them, whole
    numbers only (a forecast's 7.4 units reaches up to the 8 tick)."""
    top = math.ceil(max([v or 0 for v in values] or [0])) or 1
    step = max(1, math.ceil(top / ticks))
    return list(range(0, top + step, step))
