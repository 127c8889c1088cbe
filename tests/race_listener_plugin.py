"""A test-only plugin counting the sales events it receives (tests/test_concurrency.py)."""
from core import PluginManifest, hookimpl

manifest = PluginManifest(name="race_listener", label="Race listener")
received = []


@hookimpl(optionalhook=True)
def sales_order_confirmed(order):
    received.append(("confirmed", order["id"]))


@hookimpl(optionalhook=True)
def sales_order_cancelled(order):
    received.append(("cancelled", order["id"]))
