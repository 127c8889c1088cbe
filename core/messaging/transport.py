"""What a transport (SMTP, an SMS gateway) reports when a message did not simply go.

The worker decides from the exception class alone, so a gateway a plugin writes needs
nothing else:

* :class:`TemporaryFailure` — nothing was delivered and trying later may work (a timeout
  while connecting, a 4xx reply, HTTP 429/503): the message is queued again with back-off.
* :class:`PermanentFailure` — nothing was delivered and it never will be (a 5xx reply, a
  refused recipient, HTTP 400): the message is marked ``failed`` with the reason.
* :class:`OutcomeUnknown` — the message may or may not have left (the connection dropped
  after the body was sent): it is marked ``unknown`` and never sent again by itself, because
  a message must not reach a customer twice.
"""
from __future__ import annotations


class DeliveryError(Exception):
    """Base class; ``str(exc)`` is the reason shown on the Outbox page."""


class TemporaryFailure(DeliveryError):
    pass


class ConnectionFailure(TemporaryFailure):
    """The transport could not be reached at all: the rest of the batch is put back too."""


class PermanentFailure(DeliveryError):
    pass


class OutcomeUnknown(DeliveryError):
    pass


class NotConfigured(Exception):
    """The channel has no transport configured; messages stay queued."""
