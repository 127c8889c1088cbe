"""Email over SMTP: settings, building the MIME message, and a batch connection.

``RAPPORT_SMTP_URL`` says where mail goes::

    smtp://relay.local:25                       plain (a relay on a private network)
    smtp+starttls://user:password@host:587      STARTTLS required
    smtps://user:password@host:465              TLS from the first byte
    file:///var/lib/rapport/mail-sent           development: each message written as .eml

User and password are percent-encoded; ``?cafile=/path/ca.pem`` trusts a private CA and
``?timeout=30`` sets the socket timeout.

Messages are sent phase by phase (MAIL, RCPT, DATA) rather than with ``sendmail`` so the
worker knows *where* a failure happened: anything before the body was sent is safe to
retry; a connection lost while the body was on its way is an unknown outcome.
"""
from __future__ import annotations

import email.policy
import email.utils
import html
import os
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from urllib.parse import parse_qs, unquote, urlsplit

from core.messaging.transport import ConnectionFailure, NotConfigured, OutcomeUnknown, PermanentFailure, TemporaryFailure

POLICY = email.policy.SMTP  # CRLF line ends, RFC 2047 encoded words for non-ASCII headers
WIRE = email.policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str  # smtp, smtp+starttls, smtps, file
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    cafile: str | None = None
    timeout: float = 30.0
    folder: str = ""

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> "SmtpSettings":
        if not url:
            raise NotConfigured("RAPPORT_SMTP_URL is not set")
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        if parts.scheme == "file":
            return cls("file", folder=unquote(parts.path))
        if parts.scheme not in ("smtp", "smtp+starttls", "smtps"):
            raise NotConfigured(f"RAPPORT_SMTP_URL: unknown scheme {parts.scheme!r} "
                                "(use smtp, smtp+starttls, smtps or file)")
        if not parts.hostname:
            raise NotConfigured("RAPPORT_SMTP_URL has no host")
        default_port = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}[parts.scheme]
        return cls(
            parts.scheme, host=parts.hostname, port=parts.port or default_port,
            username=unquote(parts.username or ""), password=unquote(parts.password or ""),
            cafile=(query.get("cafile") or [None])[0],
            timeout=float((query.get("timeout") or [timeout])[0]),
        )

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def make_message_id(sender: str) -> str:
    """A new Message-ID on the sender's domain (stored when the message is queued); short
    enough that its header line is never folded."""
    return f"<{uuid.uuid4().hex}@{domain_of(email.utils.parseaddr(sender)[1])}>"


def text_to_html(text: str) -> str:
    """The HTML alternative of a plain-text body: escaped paragraphs, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return f'<!doctype html>\n<html><head><meta charset="utf-8"></head><body dir="auto">\n{body}\n</body></html>'


def _address(display_name: str, addr_spec: str) -> Address:
    return Address(display_name=display_name or "", addr_spec=addr_spec)


def _header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def build_email(*, sender: str, recipient: str, recipient_name: str, subject: str, text: str, html_body: str,
                message_id: str, headers: dict | None = None, reply_to: str = "", date=None) -> bytes:
    """The message as it goes over the wire: text/plain and text/html alternatives, UTF-8.

    Display names and subjects in Greek, Persian or Hebrew become RFC 2047 encoded words,
    which mail clients show as written. The ``email`` package's legacy (compat32) API builds
    it: the same standard, several times faster than the header-registry API, which matters
    when a campaign sends thousands. Addresses that are not ASCII (they need SMTPUTF8) take
    the modern API with ``utf8=True``.
    """
    sender_name, sender_addr = email.utils.parseaddr(sender)
    when = email.utils.format_datetime(date) if date else email.utils.formatdate(localtime=False)
    html_body = html_body or text_to_html(text or "")
    if not (_smtp_address(recipient)[0].isascii() and _smtp_address(sender_addr)[0].isascii()):
        return _build_utf8(sender_name, sender_addr, recipient, recipient_name, subject, text, html_body,
                           message_id, headers, reply_to, when)
    msg = MIMEMultipart("alternative")
    msg["From"] = email.utils.formataddr((sender_name, _smtp_address(sender_addr)[0]), charset="utf-8")
    msg["To"] = email.utils.formataddr((recipient_name, _smtp_address(recipient)[0]), charset="utf-8")
    if reply_to:
        reply_name, reply_addr = email.utils.parseaddr(reply_to)
        msg["Reply-To"] = email.utils.formataddr((reply_name, reply_addr), charset="utf-8")
    msg["Subject"] = _header(subject)
    msg["Date"] = when
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = _header(value)
    msg.attach(MIMEText(text or "", "plain", "utf-8"))
    msg.attach(MIMEText(html_body, "html", "utf-8"))
    return msg.as_bytes(policy=WIRE)


def _build_utf8(sender_name, sender_addr, recipient, recipient_name, subject, text, html_body, message_id, headers,
                reply_to, when) -> bytes:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(sender_name, sender_addr)
    msg["To"] = _address(recipient_name, recipient)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = when
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text or "", charset="utf-8")
    msg.add_alternative(html_body, subtype="html", charset="utf-8")
    return msg.as_bytes(policy=POLICY.clone(utf8=True))


def _smtp_address(address: str) -> tuple[str, bool]:
    """The envelope address (IDNA domain) and whether it needs SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    envelope = f"{local}@{domain}"
    return envelope, not envelope.isascii()


class SmtpConnection:
    """One SMTP session reused for a batch of messages (``with SmtpConnection(s) as c:``)."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.ssl_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.scheme == "smtp+starttls":
                smtp.starttls(context=s.ssl_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise ConnectionFailure(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ConnectionFailure(f"cannot connect to {s.host}:{s.port}: {exc}") from exc
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, data: bytes, sender: str, recipient: str) -> str:
        """Send one built message; returns the server's reply (kept as the provider id)."""
        if self.smtp is None:
            self.smtp = self._connect()
        smtp = self.smtp
        mail_from, utf8_from = _smtp_address(sender)
        rcpt_to, utf8_to = _smtp_address(recipient)
        options = []
        if utf8_from or utf8_to:
            if not smtp.has_extn("smtputf8"):
                raise PermanentFailure("the address needs SMTPUTF8, which the server does not offer")
            options.append("SMTPUTF8")
        try:
            code, reply = smtp.mail(mail_from, options)
            if code != 250:
                self._reset()
                raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(f"MAIL FROM: {code} {_text(reply)}")
            code, reply = smtp.rcpt(rcpt_to)
            if code not in (250, 251):
                self._reset()
                raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(f"RCPT TO: {code} {_text(reply)}")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"connection lost before sending: {exc}") from exc
        try:
            code, reply = smtp.data(data)
        except smtplib.SMTPDataError as exc:  # the server refused the body: nothing delivered
            self._reset()
            raise (TemporaryFailure if 400 <= exc.smtp_code < 500 else PermanentFailure)(
                f"DATA: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise OutcomeUnknown(f"connection lost while sending the message: {exc}") from exc
        if code != 250:  # smtplib returns the final reply to DATA without raising
            self._reset()
            raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(f"DATA: {code} {_text(reply)}")
        return _text(reply)[:255]

    def _reset(self):
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self):
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


class FileConnection:
    """``file://`` development transport: writes ``<folder>/<id>.eml``."""

    def __init__(self, settings: SmtpSettings):
        self.folder = settings.folder

    def __enter__(self):
        os.makedirs(self.folder, exist_ok=True)
        return self

    def __exit__(self, *exc):
        pass

    def close(self) -> None:
        pass

    def send(self, data: bytes, sender: str, recipient: str) -> str:
        name = uuid.uuid4().hex
        with open(os.path.join(self.folder, f"{name}.eml"), "wb") as fh:
            fh.write(data)
        return f"file-{name}"


def connect(settings: SmtpSettings):
    return FileConnection(settings) if settings.scheme == "file" else SmtpConnection(settings)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
