"""SMS: segment counting and the two gateways the core ships (file, HTTP).

Segments follow 3GPP TS 23.038: text that fits the GSM 7-bit alphabet takes 160
characters in one message and 153 per part when split (characters of the extension
table, such as ``€`` or ``{``, count twice); anything else — lowercase Greek, Persian,
Hebrew, emoji — is sent as UCS-2: 70 characters, 67 per part. The alphabet is a
fixed table of the standard, written out here because the browser's live counter
(``static/js/messaging.js``) must use the very same one.

Plugins add gateways with the ``sms_gateways`` hook; ``RAPPORT_SMS_GATEWAY`` picks one.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import string
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from core.messaging.transport import ConnectionFailure, NotConfigured, OutcomeUnknown, PermanentFailure, TemporaryFailure

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class Segments:
    """How a text travels: ``encoding`` GSM-7 or UCS-2, ``units`` used, ``parts`` messages."""

    encoding: str
    units: int
    parts: int
    per_part: int

    @property
    def remaining(self) -> int:
        """Characters left in the last part before another part starts."""
        return self.parts * self.per_part - self.units if self.parts else self.per_part


def count_segments(text: str) -> Segments:
    """Segments an SMS of ``text`` needs (what the compose form shows before sending)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        return Segments(encoding, 0, 0, single)
    if units <= single:
        return Segments(encoding, units, 1, single)
    return Segments(encoding, units, -(-units // multi), multi)


@dataclass(frozen=True)
class OutgoingSms:
    """What a gateway gets: ``id`` is the outbox id (use it as an idempotency key if the
    provider supports one), ``to`` an E.164 number."""

    id: int
    to: str
    text: str
    sender: str
    segments: int


class FileGateway:
    """Development: appends each SMS as one JSON line to a file instead of sending it."""

    def __init__(self, config):
        self.path = config.get("SMS_FILE") or os.path.join(config["INSTANCE_DIR"], "sms-sent.jsonl")

    def send(self, sms: OutgoingSms) -> str:
        provider_id = f"file-{uuid.uuid4().hex}"
        line = json.dumps({"id": provider_id, "outbox_id": sms.id, "to": sms.to, "from": sms.sender,
                           "text": sms.text, "segments": sms.segments}, ensure_ascii=False) + "\n"
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # several workers append to one file
            fh.write(line)
        return provider_id


class HttpGateway:
    """A generic HTTP gateway: POST a body made from a template to a URL.

    ``RAPPORT_SMS_HTTP_BODY`` is a ``string.Template`` with ``$to``, ``$sender``, ``$text``
    and ``$id``; values are escaped for ``RAPPORT_SMS_HTTP_CONTENT_TYPE`` (JSON string
    escaping, or form encoding). The provider's id is read from the JSON answer's
    ``RAPPORT_SMS_HTTP_ID_FIELD`` (dotted for nested keys). 2xx is success; 408, 425,
    429 and 5xx are temporary; other 4xx are permanent. No answer after the request was
    sent is an unknown outcome, never retried by itself.
    """

    def __init__(self, config):
        self.url = config.get("SMS_HTTP_URL") or ""
        if not self.url.startswith(("http://", "https://")):
            raise NotConfigured("RAPPORT_SMS_HTTP_URL must be an http:// or https:// URL")
        self.body = string.Template(config.get("SMS_HTTP_BODY") or "")
        self.content_type = config.get("SMS_HTTP_CONTENT_TYPE") or "application/json"
        self.id_field = config.get("SMS_HTTP_ID_FIELD") or "id"
        self.timeout = float(config.get("SMTP_TIMEOUT") or 30)
        self.headers = {"Content-Type": self.content_type + "; charset=utf-8", "Accept": "application/json"}
        auth = (config.get("SMS_HTTP_AUTH") or "").strip()
        if auth:
            scheme, _, secret = auth.partition(" ")
            if scheme.lower() == "bearer":
                self.headers["Authorization"] = f"Bearer {secret}"
            elif scheme.lower() == "basic":
                self.headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
            else:
                raise NotConfigured("RAPPORT_SMS_HTTP_AUTH must be 'bearer TOKEN' or 'basic USER:PASSWORD'")

    def _escape(self, value: str) -> str:
        if "json" in self.content_type:
            return json.dumps(value, ensure_ascii=False)[1:-1]
        if "x-www-form-urlencoded" in self.content_type:
            return urllib.parse.quote_plus(value)
        return value

    def send(self, sms: OutgoingSms) -> str:
        values = {"to": sms.to, "sender": sms.sender, "text": sms.text, "id": str(sms.id)}
        body = self.body.safe_substitute({k: self._escape(v) for k, v in values.items()}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}: {exc.read(500).decode('utf-8', 'replace').strip()}"
            if exc.code in (408, 425, 429) or exc.code >= 500:
                raise TemporaryFailure(detail) from exc
            raise PermanentFailure(detail) from exc
        except urllib.error.URLError as exc:  # connecting or sending the request failed
            raise ConnectionFailure(f"gateway unreachable: {exc.reason}") from exc
        except OSError as exc:  # the request went out, the answer did not come back
            raise OutcomeUnknown(f"no answer from the gateway: {exc}") from exc
        return self._provider_id(answer) or f"http-{sms.id}"

    def _provider_id(self, answer: bytes) -> str | None:
        try:
            value = json.loads(answer.decode("utf-8"))
            for key in self.id_field.split("."):
                value = value[key] if isinstance(value, dict) else value[int(key)]
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        return str(value)[:255] if value is not None else None
