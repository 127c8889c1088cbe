"""Decimal rounding: each line rounds half-up to cents, totals are sums of lines."""
from decimal import Decimal

import pytest

from plugins.sales.totals import line_amounts, money, order_amounts

D = Decimal


@pytest.mark.parametrize("qty, price, disc, tax, net, taxamt", [
    ("1", "0.125", "0", "0", "0.13", "0.00"),        # half-up, not banker's (0.12)
    ("1", "0.135", "0", "0", "0.14", "0.00"),
    ("3", "0.335", "0", "0", "1.01", "0.00"),        # 1.005 → 1.01 (binary floats would give 1.00)
    ("1", "10.00", "33.33", "0", "6.67", "0.00"),    # 6.667 → 6.67
    ("1", "19.99", "0", "24", "19.99", "4.80"),      # 4.7976 → 4.80
    ("2.5", "3.99", "10", "17", "8.98", "1.53"),     # 8.9775 → 8.98; 1.5266 → 1.53
    ("0.001", "0.01", "0", "0", "0.00", "0.00"),
    ("7", "1.15", "0", "0", "8.05", "0.00"),
    ("1", "0.005", "0", "0", "0.01", "0.00"),
])
def test_line_rounding(qty, price, disc, tax, net, taxamt):
    a = line_amounts(D(qty), D(price), D(disc), D(tax))
    assert a.net == D(net)
    assert a.tax == D(taxamt)


def test_totals_are_sums_of_rounded_lines():
    lines = [line_amounts(D("1"), D("0.125"), 0, D("10")), line_amounts(D("1"), D("0.125"), 0, D("10"))]
    totals = order_amounts(lines)
    # Each line: net 0.13, tax 0.01 → totals 0.26 + 0.02, not round(0.25) = 0.25.
    assert totals.subtotal == D("0.26")
    assert totals.tax_total == D("0.02")
    assert totals.total == D("0.28")


def test_money_rounds_negative_half_away_from_zero():
    assert money(D("-0.125")) == D("-0.13")


def test_empty_order_is_zero():
    t = order_amounts([])
    assert t.total == D("0.00")


def test_charts_are_plain_svg_without_script():
    from plugins.sales import charts

    html = str(charts.bar("Won <b>", ["Jan"], [("Won", [1])]))
    assert "<svg" in html and "<script" not in html.lower()
    assert 'aria-label="Won &lt;b&gt;"' in html
