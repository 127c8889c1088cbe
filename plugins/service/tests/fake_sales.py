"""Test-only stand-in that declares the sales events, for when the sales plugin is not installed.

The service plugin must not depend on sales; its tests emit ``sales_order_confirmed``
themselves. The event needs a hookspec; if ``plugins.sales`` is installed its specs
are registered already, otherwise this module provides them.
"""
from core import PluginManifest
from core.hooks import hookspec


class _Specs:
    @hookspec
    def sales_order_confirmed(order, event_id):
        """Same signature as plugins/sales/hookspecs.py."""

    @hookspec
    def sales_order_cancelled(order, event_id):
        """Same signature as plugins/sales/hookspecs.py."""


manifest = PluginManifest(name="fake_sales", label="Fake sales events (tests)", hookspecs=_Specs)
