"""A test-only plugin that listens to the sales events (like service or marketing would)."""
from core import PluginManifest, hookimpl

manifest = PluginManifest(name="sales_listener", label="Sales listener")
received = []


@hookimpl(optionalhook=True)
def sales_order_confirmed(order):
    received.append(("confirmed", order))


@hookimpl(optionalhook=True)
def sales_order_cancelled(order):
    received.append(("cancelled", order))
