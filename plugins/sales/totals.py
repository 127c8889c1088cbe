"""Line and order totals with Decimal arithmetic.

Rule (the one invoices use): each line is rounded to cents with ROUND_HALF_UP —
net = round(quantity × unit price × (1 − discount/100)), tax = round(net × rate/100) —
and the order totals are sums of the rounded line amounts, so the printed lines
always add up to the printed total.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def money(value) -> Decimal:
    """Round to cents, half away from zero (never banker's rounding)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def line_amounts(quantity, unit_price, discount_percent=0, tax_rate=0) -> LineAmounts:
    q, p = Decimal(quantity), Decimal(unit_price)
    d, t = Decimal(discount_percent), Decimal(tax_rate)
    net = money(q * p * (HUNDRED - d) / HUNDRED)
    tax = money(net * t / HUNDRED)
    return LineAmounts(net, tax)


@dataclass(frozen=True)
class OrderAmounts:
    subtotal: Decimal
    tax_total: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total


def order_amounts(lines: list[LineAmounts]) -> OrderAmounts:
    return OrderAmounts(
        sum((line.net for line in lines), Decimal("0.00")),
        sum((line.tax for line in lines), Decimal("0.00")),
    )
