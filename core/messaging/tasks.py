"""The worker side of the outbox: the background call and the every-minute sweep.

Two ways in, one function (:func:`send_outbox`):

* ``core.send_outbox`` — a background call (``JobTask(tracked=False)``) that
  :func:`~core.messaging.queue_message` and *Send again* ask for with
  ``core.jobs.run_soon`` once their transaction commits, so what staff queue leaves
  within seconds. Identical calls asked in one transaction are queued once: a job
  queuing 10,000 messages in one transaction starts one call, not 10,000.
* ``core.outbox_sweep`` — an untracked periodic task, every minute on every worker's
  scheduler: it sends whatever is due that no call took — retries whose back-off ran out,
  messages queued while no worker ran or whose call was lost (a process that died between
  its commit and queuing the call).

Both only call :func:`~core.messaging.sending.send_due`, which claims rows atomically, so
any number of them may run at once on any number of workers: each message goes once.
"""
from __future__ import annotations

import time

from flask import current_app

from core.db import db
from core.messaging.models import EMAIL, SMS
from core.messaging.sending import send_due

# A call stops starting new batches after this many seconds and queues a follow-up call, so
# a long campaign does not hold a worker thread for minutes (jobs queued meanwhile get their
# turn) and a worker stopped with SIGTERM (30 s to finish by default) does not cut a batch
# in the middle, which would leave its messages "unknown".
CALL_SECONDS = 20.0
# ... and a batch takes at most about this long at the channel's rate (100 SMS at 5/s would take 20 s).
BATCH_SECONDS = 5.0


def batch_size(channel: str) -> int:
    """Messages per batch: ``RAPPORT_OUTBOX_BATCH``, fewer when the channel's rate would make it slow."""
    config = current_app.config
    rate = float(config["OUTBOX_RATE"].get(channel) or 0)
    batch = config["OUTBOX_BATCH"]
    return max(1, min(batch, int(rate * BATCH_SECONDS))) if rate > 0 else batch


def send_outbox(channel: str | None = None) -> dict:
    """Send what is due on ``channel`` (both channels when ``None``) until nothing is left.

    Returns ``{channel: messages sent}`` (logged by Huey; nobody else reads it).
    """
    deadline = time.monotonic() + CALL_SECONDS
    sent = {}
    for name in (channel,) if channel else (EMAIL, SMS):
        sent[name] = 0
        while True:
            report = send_due(name, batch_size(name))
            sent[name] += report.sent
            if not report.claimed:
                break
            if time.monotonic() > deadline:  # more may be due: a fresh call continues
                kick(name)
                db.session.commit()
                break
    return sent


def kick(channel: str) -> None:
    """Ask a worker to send ``channel``'s due messages once the current transaction commits."""
    from core.jobs import run_soon

    run_soon("core.send_outbox", {"channel": channel})
