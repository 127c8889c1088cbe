"""Messaging: the outbox (email and SMS), inbound mail, personal templates.

What other code uses (docs/messaging.md explains each):

* :func:`queue_message` — put an email or SMS into the outbox, in the caller's transaction;
  :func:`queue_messages` — many at once (a campaign's batch: one query, one INSERT);
  :func:`cancel_messages` — withdraw messages still queued (a cancelled campaign's);
* :func:`render_message`, :func:`ensure_template` — personal templates in every language;
* :func:`count_segments` — how many SMS parts a text needs;
* :func:`send_due` — what a worker runs to send (never called by business code);
* :func:`receive_email` — what ``rapport mail-in`` calls for each received message;
* the exceptions an SMS gateway raises (:mod:`core.messaging.transport`).

Plugins hear ``message_status_changed`` and ``email_received`` and add SMS gateways with
``sms_gateways`` (docs/hooks.md).
"""
from core.messaging.inbound import receive_email
from core.messaging.outbox import MessageInputError, cancel_messages, queue_message, queue_messages, retry_message
from core.messaging.sending import send_due
from core.messaging.sms import OutgoingSms, count_segments
from core.messaging.templates import TemplateError, ensure_template, render_message
from core.messaging.transport import ConnectionFailure, OutcomeUnknown, PermanentFailure, TemporaryFailure

__all__ = [
    "queue_message", "queue_messages", "retry_message", "cancel_messages", "MessageInputError", "render_message", "ensure_template", "TemplateError",
    "count_segments", "OutgoingSms", "send_due", "receive_email", "TemporaryFailure", "ConnectionFailure",
    "PermanentFailure", "OutcomeUnknown",
]
