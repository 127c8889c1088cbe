"""A test-only plugin whose listener always fails: confirmation must not care."""
from core import PluginManifest, hookimpl

manifest = PluginManifest(name="sales_raiser", label="Raising listener")
calls = []


@hookimpl(optionalhook=True)
def sales_order_confirmed(order):
    calls.append(order["id"])
    raise RuntimeError("listener broke")
