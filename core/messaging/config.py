"""Messaging settings from the environment (docs/running.md lists each one).

Nothing here is required: without ``RAPPORT_SMTP_URL`` email stays queued (the Outbox
page says so), without ``RAPPORT_SMS_GATEWAY`` SMS does too, and without
``RAPPORT_IMAP_URL`` ``rapport mail-in`` only listens for SMTP.
"""
from __future__ import annotations

import os

MB = 1024 * 1024


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def defaults() -> dict:
    env = os.environ.get
    return {
        # Outgoing email: smtp://host:25, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465,
        # file:///folder (development: each message written as an .eml file).
        "SMTP_URL": env("RAPPORT_SMTP_URL", ""),
        "MAIL_FROM": env("RAPPORT_MAIL_FROM", "Rapport <rapport@localhost>"),
        "MAIL_REPLY_TO": env("RAPPORT_MAIL_REPLY_TO", ""),
        # SMS: "file" (development), "http" (generic HTTP gateway) or a gateway a plugin provides.
        "SMS_GATEWAY": env("RAPPORT_SMS_GATEWAY", ""),
        "SMS_SENDER": env("RAPPORT_SMS_SENDER", "Rapport"),
        "SMS_FILE": env("RAPPORT_SMS_FILE", ""),  # default: <instance>/sms-sent.jsonl
        "SMS_HTTP_URL": env("RAPPORT_SMS_HTTP_URL", ""),
        "SMS_HTTP_AUTH": env("RAPPORT_SMS_HTTP_AUTH", ""),  # "bearer TOKEN" or "basic USER:PASSWORD"
        "SMS_HTTP_BODY": env("RAPPORT_SMS_HTTP_BODY", '{"to": "$to", "from": "$sender", "text": "$text"}'),
        "SMS_HTTP_CONTENT_TYPE": env("RAPPORT_SMS_HTTP_CONTENT_TYPE", "application/json"),
        "SMS_HTTP_ID_FIELD": env("RAPPORT_SMS_HTTP_ID_FIELD", "id"),
        "SMS_MAX_SEGMENTS": _int("RAPPORT_SMS_MAX_SEGMENTS", 6),
        # Sending: messages per second per channel across all workers (0 = no limit).
        "OUTBOX_RATE": {"email": _float("RAPPORT_EMAIL_RATE", 20.0), "sms": _float("RAPPORT_SMS_RATE", 5.0)},
        "OUTBOX_BATCH": _int("RAPPORT_OUTBOX_BATCH", 100),
        "OUTBOX_MAX_ATTEMPTS": _int("RAPPORT_OUTBOX_MAX_ATTEMPTS", 8),
        "OUTBOX_RETRY_SECONDS": _int("RAPPORT_OUTBOX_RETRY_SECONDS", 60),  # first back-off, doubled each time
        "OUTBOX_LEASE_SECONDS": _int("RAPPORT_OUTBOX_LEASE_SECONDS", 300),
        "SMTP_TIMEOUT": _float("RAPPORT_SMTP_TIMEOUT", 30.0),
        # Inbound mail.
        "IMAP_URL": env("RAPPORT_IMAP_URL", ""),  # imaps://user:pass@host/INBOX
        "IMAP_POLL_SECONDS": _int("RAPPORT_IMAP_POLL_SECONDS", 60),
        "MAIL_IN_DOMAINS": [d.strip().lower() for d in env("RAPPORT_MAIL_IN_DOMAINS", "").split(",") if d.strip()],
        "MAIL_MAX_BYTES": _int("RAPPORT_MAIL_MAX_BYTES", 25 * MB),
        "MAIL_ATTACHMENT_MAX_BYTES": _int("RAPPORT_MAIL_ATTACHMENT_MAX_BYTES", 10 * MB),
    }
