"""SMS: segment counting, the file gateway, the generic HTTP gateway against a real local
HTTP server, and a gateway a plugin provides through ``sms_gateways``."""
from __future__ import annotations

import json
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from core import PluginManifest, hookimpl
from core.contrib import SmsGateway
from core.db import db
from core.messaging import PermanentFailure, count_segments, queue_message, send_due
from core.messaging.models import OutboxMessage


@pytest.mark.parametrize("text, encoding, units, parts", [
    ("Hello", "GSM-7", 5, 1),
    ("x" * 160, "GSM-7", 160, 1),
    ("x" * 161, "GSM-7", 161, 2),
    ("x" * 306, "GSM-7", 306, 2),  # 2 × 153
    ("x" * 307, "GSM-7", 307, 3),
    ("Price: 5€ {ok}", "GSM-7", 17, 1),  # €, { and } count twice
    ("ΔΦΓΛΩ ΣΘ", "GSM-7", 8, 1),  # Greek capitals that GSM-7 has
    ("Καλημέρα", "UCS-2", 8, 1),  # lowercase Greek does not fit GSM-7
    ("ק" * 70, "UCS-2", 70, 1),
    ("ש" * 71, "UCS-2", 71, 2),  # 67 per part
    ("سلام " * 27, "UCS-2", 135, 3),  # 135 > 2 × 67
    ("😀", "UCS-2", 2, 1),  # outside the BMP: two UTF-16 units
])
def test_segments(text, encoding, units, parts):
    s = count_segments(text)
    assert (s.encoding, s.units, s.parts) == (encoding, units, parts)


def _customer(phone="+306912345678", language="el", consent=None):
    from core.customers.service import create_customer

    data = {"name": "Ζωή", "phones": [phone], "preferred_language": language}
    if consent is not None:
        data["consents"] = consent
    customer = create_customer(data)
    db.session.commit()
    return customer


@pytest.fixture
def sms_app(app, tmp_path):
    app.config.update(SMS_GATEWAY="file", SMS_FILE=str(tmp_path / "sms.jsonl"), OUTBOX_RATE={"email": 0, "sms": 0})
    with app.app_context():
        yield app


def test_file_gateway_writes_each_sms_and_the_history_shows_it(sms_app, tmp_path):
    from core.history.models import Interaction

    customer = _customer()
    message = queue_message(channel="sms", customer=customer, body="Η επισκευή σας είναι έτοιμη.")
    db.session.commit()
    assert message.segments == 1 and message.recipient == "+306912345678"
    assert send_due("sms").sent == 1
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(x["to"], x["text"], x["outbox_id"]) for x in lines] == [
        ("+306912345678", "Η επισκευή σας είναι έτοιμη.", message.id)]
    entry = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == customer.id)).scalar_one()
    assert (entry.channel, entry.direction, entry.kind) == ("sms", "outbound", "messaging.sent")


def test_too_many_parts_is_refused(sms_app):
    sms_app.config["SMS_MAX_SEGMENTS"] = 2
    from core.messaging import MessageInputError

    with pytest.raises(MessageInputError) as exc:
        queue_message(channel="sms", customer=_customer(), body="ש" * 200)
    assert "3 parts" in exc.value.errors["body"][0]


def test_sms_to_a_number_that_is_not_the_customers_is_refused(sms_app):
    from core.messaging import MessageInputError

    with pytest.raises(MessageInputError) as exc:
        queue_message(channel="sms", customer=_customer(), to="+306900000000", body="hi")
    assert "to" in exc.value.errors


class Gateway:
    """A local HTTP server playing an SMS provider; ``answers`` scripts its replies."""

    def __init__(self):
        self.requests, self.answers = [], []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"headers": dict(self.headers), "body": body})
                status, payload, delay = gateway.answers.pop(0) if gateway.answers else (200, {"data": {"id": "m-1"}}, 0)
                if delay:
                    time.sleep(delay)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (the "slow" answer): expected. Letting it reach
                    # socketserver's handle_error would print a traceback from this thread, and
                    # Python 3.11's traceback calls ast.parse, which races the app being built in
                    # the main thread (CPython gh-106905: "AST constructor recursion depth mismatch").
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app):
    server = Gateway()
    app.config.update(SMS_GATEWAY="http", SMS_HTTP_URL=server.url, SMS_HTTP_AUTH="bearer s3cret",
                      SMS_HTTP_ID_FIELD="data.id", SMS_SENDER="Rapport", SMTP_TIMEOUT=2,
                      OUTBOX_RATE={"email": 0, "sms": 0})
    yield server
    server.stop()


def _status(message_id):
    return db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.last_error, OutboxMessage.provider_id)
                              .where(OutboxMessage.id == message_id)).one()


def test_http_gateway_posts_the_body_template_with_auth(app, gateway):
    with app.app_context():
        message = queue_message(channel="sms", customer=_customer(phone="+972502345678"), body='שלום "דנה"\nתודה')
        db.session.commit()
        assert send_due("sms").sent == 1
        assert _status(message.id) == ("sent", "", "m-1")
    request = gateway.requests[0]
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert json.loads(request["body"]) == {"to": "+972502345678", "from": "Rapport", "text": 'שלום "דנה"\nתודה'}


def test_http_gateway_errors_retry_fail_or_stay_unknown(app, gateway):
    with app.app_context():
        customer = _customer()
        ids = []
        for text in ("busy", "bad", "slow"):
            message = queue_message(channel="sms", customer=customer, body=text)
            db.session.commit()
            ids.append(message.id)
        gateway.answers = [(503, {"error": "busy"}, 0), (400, {"error": "bad number"}, 0), (200, {}, 3)]
        report = send_due("sms")
        assert (report.retrying, report.failed, report.unknown) == (1, 1, 1)
        assert _status(ids[0])[0] == "queued" and "HTTP 503" in _status(ids[0])[1]
        assert _status(ids[1])[0] == "failed" and "bad number" in _status(ids[1])[1]
        assert _status(ids[2])[0] == "unknown"  # the request went out; the answer never came


def test_http_gateway_unreachable_puts_messages_back(app, gateway):
    gateway.stop()
    with app.app_context():
        customer = _customer()
        for text in ("a", "b"):
            queue_message(channel="sms", customer=customer, body=text)
        db.session.commit()
        report = send_due("sms")
        assert report.retrying == 2 and report.sent == 0


SENT_BY_PLUGIN = []


class PigeonGateway:
    def __init__(self, config):
        self.sender = config["SMS_SENDER"]

    def send(self, sms):
        if sms.to.endswith("0000"):
            raise PermanentFailure("the pigeon does not know this number")
        SENT_BY_PLUGIN.append((sms.to, sms.text, sms.segments))
        return f"pigeon-{sms.id}"


def _pigeon_plugin():
    mod = types.ModuleType("rapport_test_pigeon")
    mod.__file__ = __file__
    mod.manifest = PluginManifest(name="pigeon", label="Pigeon post")
    mod.sms_gateways = hookimpl(lambda: [SmsGateway("pigeon", "Pigeon", PigeonGateway)])
    return mod


PIGEON = _pigeon_plugin()


@pytest.mark.plugins("pigeon", extra=[PIGEON])
def test_a_plugin_provides_an_sms_gateway_through_sms_gateways(app):
    SENT_BY_PLUGIN.clear()
    app.config.update(SMS_GATEWAY="pigeon", OUTBOX_RATE={"email": 0, "sms": 0})
    with app.app_context():
        good = queue_message(channel="sms", customer=_customer(), body="Γεια")
        bad = queue_message(channel="sms", customer=_customer(phone="+306900000000"), body="x")
        db.session.commit()
        good, bad = good.id, bad.id
        send_due("sms")
        assert _status(good) == ("sent", "", f"pigeon-{good}")
        assert _status(bad)[:2] == ("failed", "the pigeon does not know this number")
    assert SENT_BY_PLUGIN == [("+306912345678", "Γεια", 1)]


@pytest.mark.plugins()
def test_an_unknown_gateway_leaves_sms_queued(app):
    app.config.update(SMS_GATEWAY="pigeon")
    with app.app_context():
        queue_message(channel="sms", customer=_customer(), body="x")
        db.session.commit()
        report = send_due("sms")
        assert report.claimed == 0 and "no such gateway" in report.not_configured
