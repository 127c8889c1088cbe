"""A listener for the durable-event tests: it can be told to fail, and to be slow.

Each successful call logs one entry in the customer's history, so the tests can count
how many times its work was committed (exactly once is the goal).
"""
from __future__ import annotations

import time

from core import PluginManifest, hookimpl

manifest = PluginManifest(name="eventtest", label="Event test", catch_up_events=("customer_created",))

calls: list = []        # every call, committed or not: (event_id, name)
behaviour = {"fail": False, "sleep": 0.0}


@hookimpl
def customer_created(customer, event_id):
    from core.history.service import log_event

    calls.append((event_id, customer["name"]))
    log_event(customer["id"], "eventtest.seen", source="eventtest", subject=f"seen event {event_id}")
    if behaviour["sleep"]:
        time.sleep(behaviour["sleep"])
    if behaviour["fail"]:
        raise RuntimeError("eventtest listener is down")


def reset():
    calls.clear()
    behaviour.update(fail=False, sleep=0.0)
