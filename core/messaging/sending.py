"""Sending what the outbox holds: claim, throttle, send, record — safe with many workers.

:func:`send_due` is what a worker runs for a channel, again and again:

1. :func:`recover_stale` marks messages left in ``sending`` by a worker that died (its
   lease ran out) as ``unknown``: they may have left, so they are never resent by
   themselves; staff can retry them from the Outbox page.
2. :func:`claim` takes up to ``limit`` due messages with one conditional ``UPDATE … WHERE
   status='queued'`` stamped with a fresh token (and ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL), so two workers never get the same message.
3. :func:`reserve_slots` books sending time for them in ``core_message_rate`` with a
   compare-and-set, so the configured rate per channel holds across all workers.
4. Each message goes over one transport session (one SMTP connection for the batch).
   Results are written in chunks, each message's row guarded by the claim token; every
   chunk also renews the lease of the messages still waiting.

Sent messages are logged in the customer's contact history (``messaging.sent``) in the
same transaction that marks them sent.
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.db import announce, db, utcnow
from core.history.models import Interaction
from core.history.service import BODY_MAX, SUBJECT_MAX
from core.messaging.models import EMAIL, FAILED, QUEUED, SENDING, SENT, SMS, UNKNOWN, MessageRate, OutboxMessage
from core.messaging.transport import (
    ConnectionFailure,
    NotConfigured,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

CHUNK = 50  # results written (and the lease renewed) every CHUNK messages
BACKOFF_MAX = timedelta(hours=6)
T = OutboxMessage.__table__


@dataclass
class SendReport:
    channel: str
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    recovered: int = 0
    not_configured: str = ""
    errors: list[str] = field(default_factory=list)


# -- claiming and recovering ----------------------------------------------------------------


def recover_stale(now=None) -> int:
    """Mark ``sending`` messages whose lease ran out as ``unknown``; returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    stale = sa.and_(T.c.status == SENDING, T.c.claimed_at < cutoff)
    ids = db.session.execute(sa.select(T.c.id).where(stale)).scalars().all()
    if not ids:
        return 0
    reason = "the worker stopped while sending; it may or may not have left"
    done = db.session.execute(
        sa.update(T).where(T.c.id.in_(ids), stale)
        .values(status=UNKNOWN, last_error=reason, claim_token=None, updated_at=now).returning(T.c.id)
    ).scalars().all()
    for row in db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.id.in_(done))).scalars():
        announce("message_status_changed", message=row.as_event())
    return len(done)


def claim(channel: str, limit: int, now=None) -> tuple[str, list]:
    """Atomically take up to ``limit`` due messages of ``channel``; returns (token, rows).

    The rows are plain (SQLAlchemy ``Row``) snapshots: the worker holds no ORM state
    while it talks to the outside world.
    """
    now = now or utcnow()
    token = uuid.uuid4().hex
    due = (sa.select(T.c.id).where(T.c.status == QUEUED, T.c.channel == channel, T.c.next_attempt_at <= now)
           .order_by(T.c.next_attempt_at, T.c.id).limit(limit))
    claim_rows = sa.update(T).values(status=SENDING, claim_token=token, claimed_at=now, updated_at=now) \
        .execution_options(synchronize_session=False)
    if db.engine.dialect.name == "postgresql":
        # Lock the due rows (others skip them), then claim exactly those: a single
        # UPDATE … WHERE id IN (SELECT … LIMIT n) may run its subquery more than once on
        # PostgreSQL and claim more than n rows.
        ids = db.session.execute(due.with_for_update(skip_locked=True)).scalars().all()
        if ids:
            db.session.execute(claim_rows.where(T.c.id.in_(ids), T.c.status == QUEUED))
    else:
        # SQLite: one statement, so the write lock is taken before anything is read (a read
        # first could not be upgraded once another worker had written).
        db.session.execute(claim_rows.where(T.c.id.in_(due.scalar_subquery()), T.c.status == QUEUED))
    rows = db.session.execute(sa.select(T).where(T.c.claim_token == token).order_by(T.c.id)).all()
    db.session.commit()
    return token, rows


def reserve_slots(channel: str, count: int, rate: float) -> float:
    """Book ``count`` sends at ``rate`` per second; returns the wall-clock start (epoch s).

    A compare-and-set on the channel's ``next_at``: the loser of a race reads again.
    """
    for _ in range(50):
        now = utcnow()
        current = db.session.get(MessageRate, channel, populate_existing=True)
        if current is None:
            db.session.add(MessageRate(channel=channel, next_at=now))
            try:
                db.session.commit()
            except sa.exc.IntegrityError:
                db.session.rollback()
            continue
        old = current.next_at
        start = max(now, old)
        end = start + timedelta(seconds=count / rate)
        done = db.session.execute(
            sa.update(MessageRate).where(MessageRate.channel == channel, MessageRate.next_at == old)
            .values(next_at=end).execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if done == 1:
            return time.time() + (start - now).total_seconds()
    return time.time()


# -- transports --------------------------------------------------------------------------


class EmailTransport:
    """Builds each message's MIME and sends it over one SMTP session (or to files)."""

    def __init__(self, config):
        from core.messaging.smtp import SmtpSettings, connect

        self.settings = SmtpSettings.from_url(config["SMTP_URL"], timeout=config["SMTP_TIMEOUT"])
        self.sender = config["MAIL_FROM"]
        self.reply_to = config["MAIL_REPLY_TO"]
        self.connection = connect(self.settings)

    def __enter__(self):
        self.connection.__enter__()
        return self

    def __exit__(self, *exc):
        self.connection.close()

    def send(self, row) -> str:
        import email.utils

        from core.messaging.smtp import build_email

        data = build_email(sender=self.sender, recipient=row.recipient, recipient_name=row.recipient_name,
                          subject=row.subject, text=row.body_text, html_body=row.body_html,
                          message_id=row.message_id, headers=row.headers, reply_to=self.reply_to)
        return self.connection.send(data, email.utils.parseaddr(self.sender)[1], row.recipient)


class SmsTransport:
    def __init__(self, config, gateway):
        self.gateway = gateway
        self.sender = config["SMS_SENDER"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        close = getattr(self.gateway, "close", None)
        if close:
            close()

    def send(self, row) -> str:
        from core.messaging.sms import OutgoingSms

        sms = OutgoingSms(id=row.id, to=row.recipient, text=row.body_text, sender=self.sender, segments=row.segments)
        return str(self.gateway.send(sms))[:255]


def sms_gateways() -> dict:
    """Gateways offered by the core and enabled plugins (hook ``sms_gateways``), by name."""
    registry = current_app.extensions["rapport"].plugins
    found = {}
    for gateway in registry.contributions("sms_gateways"):
        found.setdefault(gateway.name, gateway)
    return found


def transport_for(channel: str):
    """The configured transport of ``channel``; raises NotConfigured when there is none."""
    app = current_app
    config = dict(app.config, INSTANCE_DIR=app.instance_path)
    if channel == EMAIL:
        return EmailTransport(config)
    name = config.get("SMS_GATEWAY") or ""
    if not name:
        raise NotConfigured("RAPPORT_SMS_GATEWAY is not set")
    gateway = sms_gateways().get(name)
    if gateway is None:
        raise NotConfigured(f"RAPPORT_SMS_GATEWAY={name}: no such gateway (is its plugin enabled?)")
    return SmsTransport(config, gateway.create(config))


def channel_problem(channel: str) -> str | None:
    """Why ``channel`` cannot send right now (for the Outbox page), or ``None``."""
    try:
        transport_for(channel)
    except NotConfigured as exc:
        return str(exc)
    return None


# -- sending -----------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    base = current_app.config["OUTBOX_RETRY_SECONDS"] * (2 ** max(0, attempts - 1))
    return min(timedelta(seconds=base * random.uniform(0.9, 1.1)), BACKOFF_MAX)


def _history_entry(row, now) -> Interaction:
    """The timeline entry of a sent message: a stored text (core.messaging.texts), read in each
    reader's language; ``subject`` keeps its English rendering for search and the API."""
    from core.l10n.texts import english
    from core.messaging import texts

    params = texts.sent_params(row)
    return Interaction(
        customer_id=row.customer_id, kind="messaging.sent", source="core", channel=row.channel,
        direction="outbound", subject=english(texts.SENT, params)[:SUBJECT_MAX], subject_kind=texts.SENT,
        subject_params=params, body=row.body_text[:BODY_MAX], user_id=row.created_by_id,
        occurred_at=now, data={"outbox_id": row.id, "to": row.recipient, "template": row.template_key},
    )


def _record(token: str, outcomes: list[tuple]) -> None:
    """Write a chunk of results (guarded by the claim token), history and events; commit."""
    if not outcomes:
        return
    now = utcnow()
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    params, entries, events = [], [], []
    for row, status, provider_id, error in outcomes:
        attempts = row.attempts + 1
        next_at = row.next_attempt_at
        if status == QUEUED:
            if attempts >= max_attempts:
                status, error = FAILED, f"gave up after {attempts} attempts: {error}"
            else:
                next_at = now + backoff(attempts)
        params.append({"b_id": row.id, "b_status": status, "b_provider": provider_id, "b_error": (error or "")[:1000],
                       "b_attempts": attempts, "b_next": next_at, "b_sent": now if status == SENT else None})
        if status == SENT and row.customer_id is not None:
            entries.append(_history_entry(row, now))
        if status != QUEUED:
            events.append({
                "id": row.id, "channel": row.channel, "status": status, "purpose": row.purpose,
                "customer_id": row.customer_id, "recipient": row.recipient, "subject": row.subject,
                "template": row.template_key, "source": row.source, "ref": row.ref, "message_id": row.message_id,
                "provider_id": provider_id, "attempts": attempts, "error": error or None,
                "sent_at": now.isoformat() if status == SENT else None,
            })
    db.session.execute(
        sa.update(T).where(T.c.id == sa.bindparam("b_id"), T.c.claim_token == token, T.c.status == SENDING)
        .values(status=sa.bindparam("b_status"), provider_id=sa.bindparam("b_provider"),
                last_error=sa.bindparam("b_error"), attempts=sa.bindparam("b_attempts"),
                next_attempt_at=sa.bindparam("b_next"), sent_at=sa.bindparam("b_sent"), claim_token=None,
                updated_at=now),
        params,
    )
    if entries:
        db.session.add_all(entries)
        db.session.flush()
        for entry in entries:
            announce("interaction_logged", interaction=entry.as_event())
    for event in events:
        announce("message_status_changed", message=event)
    # Renew the lease of the messages of this batch still waiting their turn.
    db.session.execute(sa.update(T).where(T.c.claim_token == token, T.c.status == SENDING).values(claimed_at=now))
    db.session.commit()


def send_due(channel: str, limit: int | None = None) -> SendReport:
    """Send up to ``limit`` due messages of ``channel`` (email or sms); returns what happened.

    Runs in an app context; a worker task calls it repeatedly. Safe to run in many
    processes at once.
    """
    if channel not in (EMAIL, SMS):
        raise ValueError(f"unknown channel {channel!r}")
    config = current_app.config
    report = SendReport(channel)
    report.recovered = recover_stale()
    db.session.commit()
    try:
        transport = transport_for(channel)
    except NotConfigured as exc:
        report.not_configured = str(exc)
        return report
    rate = float(config["OUTBOX_RATE"].get(channel) or 0)
    limit = limit or config["OUTBOX_BATCH"]
    if rate > 0:  # a batch must finish well within its lease
        limit = max(1, min(limit, int(rate * config["OUTBOX_LEASE_SECONDS"] / 2)))
    token, rows = claim(channel, limit)
    report.claimed = len(rows)
    if not rows:
        return report
    start = reserve_slots(channel, len(rows), rate) if rate > 0 else None
    outcomes: list[tuple] = []
    broken: str | None = None
    try:
        with transport:
            for i, row in enumerate(rows):
                if broken is not None:
                    outcomes.append((row, QUEUED, None, broken))
                    continue
                if start is not None:
                    delay = start + i / rate - time.time()
                    if delay > 0:
                        time.sleep(delay)
                try:
                    outcomes.append((row, SENT, transport.send(row), ""))
                except ConnectionFailure as exc:
                    broken = str(exc)
                    outcomes.append((row, QUEUED, None, broken))
                except TemporaryFailure as exc:
                    outcomes.append((row, QUEUED, None, str(exc)))
                except PermanentFailure as exc:
                    outcomes.append((row, FAILED, None, str(exc)))
                except OutcomeUnknown as exc:
                    outcomes.append((row, UNKNOWN, None, str(exc)))
                except Exception as exc:  # noqa: BLE001 - a bug in a gateway: it may have sent
                    log.exception("sending outbox message %s failed unexpectedly", row.id)
                    outcomes.append((row, UNKNOWN, None, f"{type(exc).__name__}: {exc}"))
                if len(outcomes) >= CHUNK:
                    chunk, outcomes = outcomes, []
                    _tally(report, chunk)
                    _record(token, chunk)
    finally:
        _tally(report, outcomes)
        _record(token, outcomes)
    return report


def _tally(report: SendReport, outcomes) -> None:
    for _row, status, _pid, error in outcomes:
        if status == SENT:
            report.sent += 1
        elif status == QUEUED:
            report.retrying += 1
        elif status == FAILED:
            report.failed += 1
        else:
            report.unknown += 1
        if error and len(report.errors) < 10:
            report.errors.append(error)


def send_all_due(limit: int | None = None) -> list[SendReport]:
    """One round of :func:`send_due` for every channel (what the periodic task runs)."""
    return [send_due(channel, limit) for channel in (EMAIL, SMS)]
