"""Events the sales plugin announces. Listeners use ``@hookimpl(optionalhook=True)``."""
from core.hooks import hookspec


@hookspec
def sales_order_confirmed(order):
    """A quotation was confirmed as an order. ``order`` is a plain dict (see docs/hooks.md)."""


@hookspec
def sales_order_cancelled(order):
    """A confirmed order was cancelled. Same payload as ``sales_order_confirmed``."""
