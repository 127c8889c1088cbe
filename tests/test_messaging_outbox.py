"""The outbox: queued in the caller's transaction, sent by workers exactly once, over a real
SMTP server (aiosmtpd), with retries, permanent failures, crashes and consent."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.db import db, utcnow
from core.messaging import MessageInputError, queue_message, retry_message, send_due
from core.messaging.models import OutboxMessage
from core.messaging.sending import claim, recover_stale, reserve_slots


def _customer(name="Ζωή Παπαδοπούλου", email="zoe@example.com", phone=None, consent=None, language="el"):
    from core.customers.service import create_customer

    data = {"name": name, "emails": [email] if email else [], "preferred_language": language}
    if phone:
        data["phones"] = [phone]
    if consent is not None:
        data["consents"] = consent
    customer = create_customer(data)
    db.session.commit()
    return customer


@pytest.fixture
def mail_app(app, smtp_sink):
    app.config.update(SMTP_URL=smtp_sink.url, MAIL_FROM="Ρapport Σέρβις <service@rapport.test>",
                      OUTBOX_RATE={"email": 0, "sms": 0})
    with app.app_context():
        yield app


def _statuses():
    return dict(db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.status)).all())


def test_a_rolled_back_change_sends_nothing_and_a_committed_one_is_queued(mail_app):
    customer = _customer()
    queue_message(channel="email", customer=customer, subject="Hello", body="Text")
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar() == 0
    customer = db.session.merge(customer)
    message = queue_message(channel="email", customer=customer, subject="Hello", body="Text")
    db.session.commit()
    assert message.status == "queued" and message.recipient == "zoe@example.com"


def test_email_goes_out_as_mime_with_utf8_headers_and_lands_in_the_history(mail_app, smtp_sink):
    from core.history.models import Interaction

    zoe = _customer()
    dana = _customer(name="דנה כהן", email="dana@example.co.il", language="he")
    sara = _customer(name="سارا رضایی", email="sara@example.ir", language="fa")
    for c in (zoe, dana, sara):
        queue_message(channel="email", customer=c, subject=f"Γεια σας — שלום — {c.name}",
                      body="Καλημέρα!\n\nΗ επισκευή τελείωσε.",
                      headers={"List-Unsubscribe": "<https://rapport.test/u/1>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    db.session.commit()
    report = send_due("email")
    assert (report.claimed, report.sent, report.failed) == (3, 3, 0)
    assert len(smtp_sink.messages) == 3
    got = {m.rcpt_tos[0]: m.message for m in smtp_sink.messages}
    msg = got["dana@example.co.il"]
    assert msg["To"].addresses[0].display_name == "דנה כהן"
    assert str(msg["Subject"]) == "Γεια σας — שלום — דנה כהן"
    assert msg["From"].addresses[0].display_name == "Ρapport Σέρβις"
    assert got["sara@example.ir"]["To"].addresses[0].display_name == "سارا رضایی"
    assert got["zoe@example.com"]["To"].addresses[0].display_name == "Ζωή Παπαδοπούλου"
    raw_headers = smtp_sink.messages[0].raw.split(b"\r\n\r\n")[0]
    assert raw_headers.isascii(), "headers must be RFC 2047-encoded, not raw UTF-8"
    assert msg["List-Unsubscribe"] == "<https://rapport.test/u/1>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
    assert plain == "Καλημέρα!\n\nΗ επισκευή τελείωσε."
    assert "<p>Καλημέρα!</p>" in msg.get_body(("html",)).get_content()
    stored = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.customer_id == dana.id)).scalar_one()
    assert stored.status == "sent" and stored.sent_at is not None and stored.attempts == 1
    assert msg["Message-ID"] == stored.message_id
    entry = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == dana.id)).scalar_one()
    assert (entry.kind, entry.channel, entry.direction) == ("messaging.sent", "email", "outbound")
    assert entry.data["outbox_id"] == stored.id
    # A stored text: the message's own subject and address, the sentence in each reader's language.
    assert (entry.subject_kind, entry.subject_params) == ("messaging.sent", {"to": "dana@example.co.il",
                                                                            "subject": stored.subject})
    assert entry.subject == f"To dana@example.co.il: {stored.subject}"
    with mail_app.test_request_context():
        from flask_babel import force_locale

        with force_locale("el"):
            assert entry.display_subject == f"Προς dana@example.co.il: {stored.subject}"
        with force_locale("he"):
            # (right to left: the address and the subject are isolated so they keep their own order)
            assert entry.display_subject == f"אל \u2068dana@example.co.il\u2069: \u2068{stored.subject}\u2069"


def test_one_smtp_connection_carries_the_whole_batch(mail_app, smtp_sink):
    customer = _customer()
    for i in range(7):
        queue_message(channel="email", customer=customer, subject=f"n{i}", body="x")
    db.session.commit()
    assert send_due("email").sent == 7
    assert len({m.peer for m in smtp_sink.messages}) == 1


def test_temporary_failures_are_retried_with_backoff_then_sent(mail_app, smtp_sink):
    customer = _customer()
    message = queue_message(channel="email", customer=customer, subject="Try", body="again")
    db.session.commit()
    smtp_sink.reply = "451 4.3.0 try again later"
    report = send_due("email")
    assert (report.sent, report.retrying) == (0, 1)
    db.session.refresh(message)
    assert message.status == "queued" and message.attempts == 1 and "451" in message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert send_due("email").claimed == 0  # not due yet
    smtp_sink.reply = None
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_due("email").sent == 1
    db.session.refresh(message)
    assert message.status == "sent" and message.attempts == 2
    assert len(smtp_sink.messages) == 1


def test_permanent_failure_marks_failed_with_the_reason_and_staff_can_retry(mail_app, smtp_sink):
    customer = _customer()
    message = queue_message(channel="email", customer=customer, subject="No", body="such user")
    db.session.commit()
    smtp_sink.reply = "550 5.1.1 mailbox unavailable"
    assert send_due("email").failed == 1
    db.session.refresh(message)
    assert message.status == "failed" and "550 5.1.1 mailbox unavailable" in message.last_error
    smtp_sink.reply = None
    assert retry_message(message.id) is True
    assert retry_message(message.id) is False  # already queued: a second click does nothing
    db.session.commit()
    assert send_due("email").sent == 1


def test_giving_up_after_the_last_attempt(mail_app, smtp_sink):
    mail_app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    message = queue_message(channel="email", customer=_customer(), subject="s", body="b")
    db.session.commit()
    smtp_sink.reply = "421 busy"
    send_due("email")
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    send_due("email")
    db.session.refresh(message)
    assert message.status == "failed" and message.attempts == 2 and "gave up after 2 attempts" in message.last_error


def test_unreachable_server_puts_the_whole_batch_back(mail_app, smtp_sink):
    customer = _customer()
    for i in range(3):
        queue_message(channel="email", customer=customer, subject=f"s{i}", body="b")
    db.session.commit()
    smtp_sink.stop()
    report = send_due("email")
    assert (report.sent, report.retrying) == (0, 3)
    assert set(_statuses().values()) == {"queued"}


def test_a_crash_while_sending_leaves_unknown_never_resent(mail_app, smtp_sink):
    customer = _customer()
    message = queue_message(channel="email", customer=customer, subject="s", body="b")
    db.session.commit()
    token, rows = claim("email", 10)  # a worker claimed it ... and died
    assert [r.id for r in rows] == [message.id]
    assert send_due("email").claimed == 0  # still within its lease: nobody touches it
    db.session.execute(sa.update(OutboxMessage).values(claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    report = send_due("email")
    assert report.recovered == 1 and report.claimed == 0
    db.session.refresh(message)
    assert message.status == "unknown" and "may or may not" in message.last_error
    assert smtp_sink.messages == []
    assert recover_stale() == 0


def test_many_workers_send_each_message_exactly_once(mail_app, smtp_sink):
    customer = _customer()
    for i in range(120):
        queue_message(channel="email", customer=customer, subject=f"n{i}", body="b")
    db.session.commit()
    errors = []

    def worker():
        try:
            with mail_app.app_context():
                while send_due("email", limit=7).claimed:
                    pass
        except Exception as exc:  # pragma: no cover - shown in the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    subjects = [str(m.message["Subject"]) for m in smtp_sink.messages]
    assert len(subjects) == 120 and len(set(subjects)) == 120
    db.session.expire_all()
    assert set(_statuses().values()) == {"sent"}


def test_the_rate_is_shared_by_every_worker(mail_app):
    from core.messaging.models import MessageRate

    first = reserve_slots("email", 10, 5.0)  # 10 messages at 5/s: two seconds
    second = reserve_slots("email", 5, 5.0)
    assert second - first == pytest.approx(2.0, abs=0.5)
    next_at = db.session.get(MessageRate, "email", populate_existing=True).next_at
    assert next_at - utcnow() == pytest.approx(timedelta(seconds=3), abs=timedelta(seconds=1))


def test_without_smtp_settings_messages_wait(mail_app):
    mail_app.config["SMTP_URL"] = ""
    queue_message(channel="email", customer=_customer(), subject="s", body="b")
    db.session.commit()
    report = send_due("email")
    assert report.claimed == 0 and "RAPPORT_SMTP_URL" in report.not_configured
    assert set(_statuses().values()) == {"queued"}


def test_consent_rules(mail_app):
    withdrawn = _customer(email="no@example.com", consent={"email": False})
    unasked = _customer(email="maybe@example.com")
    given = _customer(email="yes@example.com", consent={"email": True})
    with pytest.raises(MessageInputError) as exc:
        queue_message(channel="email", customer=withdrawn, subject="s", body="b")
    assert "withdrew" in exc.value.errors["consent"][0]
    queue_message(channel="email", customer=unasked, subject="s", body="b")  # personal: fine
    with pytest.raises(MessageInputError):
        queue_message(channel="email", customer=unasked, subject="s", body="b", purpose="marketing")
    queue_message(channel="email", customer=given, subject="s", body="b", purpose="marketing")
    queue_message(channel="email", customer=withdrawn, subject="Your repair", body="done", purpose="service")
    db.session.commit()
    assert len(_statuses()) == 3


def test_bad_input_is_refused_and_nothing_is_queued(mail_app):
    customer = _customer()
    cases = [
        ({"to": "stranger@example.com"}, "to"),
        ({"headers": {"Bcc": "spy@example.com"}}, "headers"),
        ({"headers": {"X-Note": "a\r\nBcc: spy@example.com"}}, "headers"),
        ({"subject": "two\nlines"}, "subject"),
        ({"subject": ""}, "subject"),
        ({"body": ""}, "body"),
    ]
    for override, field in cases:
        kwargs = {"channel": "email", "customer": customer, "subject": "s", "body": "b", **override}
        with pytest.raises(MessageInputError) as exc:
            queue_message(**kwargs)
        assert field in exc.value.errors, (override, exc.value.errors)
    with pytest.raises(MessageInputError):
        queue_message(channel="fax", customer=customer, subject="s", body="b")
    db.session.rollback()
    assert _statuses() == {}


def test_a_dedupe_key_queues_once(mail_app):
    customer = _customer()
    first = queue_message(channel="email", customer=customer, subject="s", body="b", dedupe_key="campaign:1:c:1")
    db.session.commit()
    again = queue_message(channel="email", customer=customer, subject="s", body="b", dedupe_key="campaign:1:c:1")
    assert again.id == first.id and len(_statuses()) == 1


def test_message_status_changed_is_announced_after_commit(make_app, smtp_sink):
    import types

    heard = []
    listener = types.ModuleType("status_listener")
    listener.__file__ = __file__
    from core import PluginManifest, hookimpl

    listener.manifest = PluginManifest(name="status_listener", label="listener")

    @hookimpl
    def message_status_changed(message):
        heard.append(message)

    listener.message_status_changed = message_status_changed
    app = make_app("status_listener", extra=[listener])
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0})
    with app.app_context():
        customer = _customer()
        message = queue_message(channel="email", customer=customer, subject="s", body="b", source="marketing",
                                ref="campaign:7")
        db.session.commit()
        expected = [(message.id, "sent", "campaign:7", customer.id)]
        send_due("email")
    assert [(m["id"], m["status"], m["ref"], m["customer_id"]) for m in heard] == expected
    assert heard[0]["provider_id"] == "OK queued as 1"  # the server's answer to DATA


def test_a_committed_message_is_sent_by_the_worker_call_its_commit_queued(app, smtp_sink, run_jobs):
    """queue_message + commit queues one background call; a worker running it sends every message."""
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0}, OUTBOX_BATCH=2)
    with app.app_context():
        customer = _customer()
        for i in range(5):
            queue_message(channel="email", customer=customer, subject=f"n{i}", body="b")
        db.session.commit()
        assert smtp_sink.messages == []  # nothing leaves inside the request
    assert run_jobs() == 1  # one call for the five messages of the transaction, in batches of 2
    assert sorted(m.message["Subject"] for m in smtp_sink.messages) == [f"n{i}" for i in range(5)]
    with app.app_context():
        assert set(_statuses().values()) == {"sent"}
        queue_message(channel="email", customer=_customer(email="other@example.com"), subject="x", body="b")
        db.session.rollback()
    assert run_jobs() == 0  # a rolled-back message asks for no call


def test_the_every_minute_sweep_sends_what_no_call_took(app, smtp_sink, run_jobs):
    """A call lost with its process, and a retry whose back-off ran out: the sweep sends each once."""
    from core.jobs.queue import queue

    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0})
    huey = queue(app).huey
    sweep = next(t for t in huey._registry._periodic_tasks if t.__name__ == "periodic:core.outbox_sweep")
    assert all(sweep().validate_datetime(utcnow().replace(minute=m)) for m in (0, 17, 59))  # every minute

    def every_scheduler_fires():
        huey.enqueue(sweep())  # what each worker's scheduler does: here two workers
        huey.enqueue(sweep())
        return run_jobs()

    with app.app_context():
        lost = queue_message(channel="email", customer=_customer(), subject="lost call", body="b")
        db.session.commit()
        lost_id = lost.id
    huey.flush()  # the process died before its call reached the queue
    assert run_jobs() == 0
    assert every_scheduler_fires() == 2
    assert [m.message["Subject"] for m in smtp_sink.messages] == ["lost call"]

    smtp_sink.reply = "451 4.3.0 try again later"
    with app.app_context():
        retried = queue_message(channel="email", customer=_customer(email="r@example.com"), subject="retry", body="b")
        db.session.commit()
        retried_id = retried.id
    assert run_jobs() == 1  # its call: 451, back-off
    smtp_sink.reply = None
    with app.app_context():
        assert _statuses() == {lost_id: "sent", retried_id: "queued"}
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == retried_id)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))  # the back-off ran out
        db.session.commit()
    assert run_jobs() == 0  # no call is waiting for it ...
    assert every_scheduler_fires() == 2  # ... the sweep sends it
    with app.app_context():
        assert _statuses() == {lost_id: "sent", retried_id: "sent"}
    assert sorted(m.message["Subject"] for m in smtp_sink.messages) == ["lost call", "retry"]  # once each


def test_send_again_queues_a_call_too(app, smtp_sink, run_jobs):
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0})
    with app.app_context():
        message = queue_message(channel="email", customer=_customer(), subject="again", body="b")
        db.session.commit()
        message_id = message.id
        smtp_sink.reply = "550 5.1.1 no such user"
    run_jobs()
    smtp_sink.reply = None
    with app.app_context():
        assert _statuses() == {message_id: "failed"}
        assert retry_message(message_id)
        db.session.commit()
    assert run_jobs() == 1
    with app.app_context():
        assert _statuses() == {message_id: "sent"}
    assert [m.message["Subject"] for m in smtp_sink.messages] == ["again"]


def test_a_long_queue_is_sent_in_several_calls_not_one_endless_one(app, smtp_sink, run_jobs, monkeypatch):
    """A call stops starting batches after CALL_SECONDS and queues a follow-up call."""
    from core.messaging import tasks

    monkeypatch.setattr(tasks, "CALL_SECONDS", 0)  # every call: one batch, then hand over
    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0}, OUTBOX_BATCH=3)
    with app.app_context():
        customer = _customer()
        for i in range(7):
            queue_message(channel="email", customer=customer, subject=f"n{i}", body="b")
        db.session.commit()
    assert run_jobs() == 4  # 3 + 3 + 1, and a last call that finds nothing due
    assert sorted(m.message["Subject"] for m in smtp_sink.messages) == [f"n{i}" for i in range(7)]


def test_a_batch_is_sized_to_finish_in_seconds_at_the_channel_rate(app):
    """So a worker stopped with SIGTERM finishes the batch in hand within its shutdown timeout."""
    from core.messaging.tasks import BATCH_SECONDS, batch_size

    with app.app_context():
        app.config.update(OUTBOX_BATCH=100, OUTBOX_RATE={"email": 20.0, "sms": 5.0})
        assert (batch_size("email"), batch_size("sms")) == (100, int(5 * BATCH_SECONDS))
        app.config.update(OUTBOX_RATE={"email": 0, "sms": 0.1})  # no limit; slower than one a batch
        assert (batch_size("email"), batch_size("sms")) == (100, 1)


def test_queue_messages_with_ids_gives_each_new_row_its_id(mail_app):
    """``with_ids``: the id of each row written now (drawn from the sequence on PostgreSQL, read
    back elsewhere), ``None`` for a key queued before, the error for a refused message — and a
    message queued one at a time afterwards still gets an id of its own."""
    from core.messaging import queue_messages

    given = _customer(email="yes@example.com", consent={"email": True})
    other = _customer(name="Νίκος", email="nikos@example.com", consent={"email": True})
    unasked = _customer(email="maybe@example.com")
    earlier = queue_message(channel="email", customer=other, subject="s", body="b", purpose="marketing",
                            dedupe_key="campaign:7:c:2")
    db.session.commit()
    items = [dict(channel="email", customer=c, subject="s", body="b", purpose="marketing", dedupe_key=key,
                  ref=f"campaign:7:{n}") for n, (c, key) in enumerate(
                      [(given, "campaign:7:c:1"), (other, "campaign:7:c:2"), (unasked, "campaign:7:c:3")])]
    results = queue_messages(items, with_ids=True)
    assert results[1] is None and isinstance(results[2], MessageInputError) and "consent" in results[2].errors
    assert isinstance(results[0], int) and results[0] != earlier.id
    after = queue_message(channel="email", customer=given, subject="s", body="b", purpose="marketing",
                          dedupe_key="campaign:8:c:1")
    db.session.commit()
    rows = dict(db.session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.id)).all())
    assert rows == {"campaign:7:c:1": results[0], "campaign:7:c:2": earlier.id, "campaign:8:c:1": after.id}
    assert len(set(rows.values())) == 3
    # The batch's rows (COPY on PostgreSQL) hold what one message queued alone holds, defaults included.
    many, one = (db.session.get(OutboxMessage, i) for i in (results[0], after.id))
    fields = ("channel", "status", "purpose", "customer_id", "recipient", "recipient_name", "subject", "body_text",
              "body_html", "headers", "template_key", "language", "segments", "source", "created_by_id",
              "attempts", "claim_token", "claimed_at", "last_error", "provider_id", "sent_at")
    assert {f: getattr(many, f) for f in fields} == {f: getattr(one, f) for f in fields}
    assert many.ref == "campaign:7:0" and many.message_id and many.message_id != one.message_id
    assert None not in (many.created_at, many.updated_at, many.next_attempt_at)
    assert queue_messages([items[0]]) == [None]  # without with_ids, as before
