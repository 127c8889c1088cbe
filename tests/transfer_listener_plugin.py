"""Listens to customers_imported and customer_created for the import tests."""
from __future__ import annotations

from core import PluginManifest, hookimpl

manifest = PluginManifest(name="transferlistener", label="Transfer listener")

calls: list = []


@hookimpl
def customers_imported(customer_ids, import_id, event_id):
    calls.append(("customers_imported", list(customer_ids), import_id))


@hookimpl
def customer_created(customer, event_id):
    calls.append(("customer_created", customer["id"], None))
