"""``rapport mail-in``: receive mail over SMTP (aiosmtpd) and/or poll an IMAP mailbox.

The SMTP receiver is meant to sit behind the organisation's mail server (which forwards
to it) or to be the MX of a dedicated domain; ``RAPPORT_MAIL_IN_DOMAINS`` limits the
recipient domains it accepts. Messages above ``RAPPORT_MAIL_MAX_BYTES`` are refused
during the SMTP dialogue (552), so the sender learns of it. Each accepted message is
handed to :func:`core.messaging.inbound.receive_email` in a worker thread with its own
app context; a message that makes it fail is answered 451 (the sender retries) and
logged — the receiver keeps running.

IMAP polling (``RAPPORT_IMAP_URL=imaps://user:password@host/INBOX``) fetches unseen
messages, stores each, and only then flags it seen, so a crash in between fetches it
again (storage is idempotent: the same bytes are stored once).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)


class ReceiveHandler:
    """aiosmtpd handler: checks recipients, stores each message through the app."""

    def __init__(self, app):
        self.app = app
        self.domains = app.config["MAIL_IN_DOMAINS"]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if self.domains and domain not in self.domains:
            return "550 5.1.1 not a mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            mail_id = await loop.run_in_executor(None, self._store, raw)
        except Exception:  # noqa: BLE001 - never let one message stop the receiver
            log.exception("storing a received message failed")
            return "451 4.3.0 could not store the message, try again later"
        return f"250 OK stored as {mail_id}"

    def _store(self, raw: bytes) -> int:
        from core.db import db
        from core.messaging.inbound import receive_email

        with self.app.app_context():
            try:
                return receive_email(raw, source="smtp").id
            finally:
                db.session.remove()


def smtp_receiver(app, host: str, port: int):
    """An aiosmtpd Controller (not started) for ``app``."""
    from aiosmtpd.controller import Controller

    return Controller(ReceiveHandler(app), hostname=host, port=port,
                      data_size_limit=app.config["MAIL_MAX_BYTES"], server_hostname="rapport")


def imap_settings(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps", "imap+starttls") or not parts.hostname:
        raise ValueError("RAPPORT_IMAP_URL must look like imaps://user:password@host/INBOX")
    return {
        "scheme": parts.scheme, "host": parts.hostname,
        "port": parts.port or (993 if parts.scheme == "imaps" else 143),
        "user": unquote(parts.username or ""), "password": unquote(parts.password or ""),
        "folder": unquote(parts.path.lstrip("/")) or "INBOX",
    }


def poll_imap(app, limit: int = 200) -> int:
    """Fetch unseen messages once; returns how many were stored."""
    import ssl

    from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted

    from core.db import db
    from core.messaging.inbound import receive_email

    s = imap_settings(app.config["IMAP_URL"])
    if s["scheme"] == "imaps":
        box = MailBox(s["host"], s["port"], ssl_context=ssl.create_default_context())
    elif s["scheme"] == "imap+starttls":
        box = MailBoxStartTls(s["host"], s["port"], ssl_context=ssl.create_default_context())
    else:
        box = MailBoxUnencrypted(s["host"], s["port"])
    stored = 0
    with box.login(s["user"], s["password"], initial_folder=s["folder"]) as mailbox:
        for msg in mailbox.fetch(AND(seen=False), mark_seen=False, bulk=False, limit=limit):
            with app.app_context():
                try:
                    receive_email(msg.obj.as_bytes() if not getattr(msg, "_raw_message_data", None)
                                  else _raw_bytes(msg), source="imap")
                    stored += 1
                except Exception:  # noqa: BLE001 - keep polling the others
                    log.exception("storing IMAP message %s failed", msg.uid)
                    continue
                finally:
                    db.session.remove()
            mailbox.flag(msg.uid, "\\Seen", True)
    return stored


def _raw_bytes(msg) -> bytes:
    """The message exactly as the server holds it (imap-tools keeps the FETCH data)."""
    for item in msg._raw_message_data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return msg.obj.as_bytes()


def run(app, host: str, port: int, imap: bool = True, smtp: bool = True, once: bool = False, echo=print) -> None:
    """Serve until interrupted (``once``: poll IMAP one time and return)."""
    stop = threading.Event()
    controller = None
    if smtp and not once:
        controller = smtp_receiver(app, host, port)
        controller.start()
        echo(f"receiving mail on smtp://{host}:{port} (Ctrl+C stops)")
    try:
        if imap and app.config["IMAP_URL"]:
            every = max(5, app.config["IMAP_POLL_SECONDS"])
            echo(f"polling IMAP every {every} s")
            while True:
                try:
                    count = poll_imap(app)
                    if count:
                        echo(f"stored {count} message(s) from IMAP")
                except Exception as exc:  # noqa: BLE001 - the server may be down for a while
                    log.exception("IMAP polling failed")
                    echo(f"IMAP polling failed: {exc}")
                if once or stop.wait(every):
                    break
        elif once:
            echo("RAPPORT_IMAP_URL is not set: nothing to poll")
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if controller is not None:
            controller.stop()
