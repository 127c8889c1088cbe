"""Reading received mail tolerantly: whatever arrives, something sensible comes out.

The standard library's ``email`` package (``policy.default``) does the parsing. Real mail
is often broken — a missing MIME boundary, a charset that does not exist or lies, encoded
words in Greek or Hebrew split in odd places, no ``From`` at all — so every header and
every part is read on its own, and what fails is recorded in ``problems`` instead of
raised. Delivery status notifications (bounces) are recognised and their details kept.
"""
from __future__ import annotations

import email
import email.policy
import email.utils
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message

import nh3

MSGID = re.compile(r"<[^<>\s]{1,250}>")
HEADER_BYTES_MAX = 256 * 1024


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Bounce:
    """What a delivery status notification says about one of our messages."""

    original_message_id: str | None
    recipient: str
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: str = ""
    bounce: Bounce | None = None
    problems: list[str] = field(default_factory=list)


def _raw_header(msg: Message, name: str) -> str:
    """A header as text whatever it holds: the policy's value, else decoded by hand."""
    try:
        value = msg.get(name)
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001 - malformed headers make the policy raise many things
        raw = msg.get_all(name, failobj=[None])[0] if hasattr(msg, "get_all") else None
        raw = getattr(raw, "_parse_tree", None) or raw
        try:
            return str(make_header(decode_header(str(raw or ""))))
        except Exception:  # noqa: BLE001
            return str(raw or "").encode("utf-8", "replace").decode("utf-8")


def _clean_line(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _addresses(msg: Message, name: str, problems: list[str]) -> list[tuple[str, str]]:
    try:
        header = msg.get(name)
        if header is None:
            return []
        found = [(a.display_name or "", a.addr_spec or "") for a in getattr(header, "addresses", ())]
        if found or not str(header).strip():
            return [(n, a) for n, a in found if a and a != "<>"]
    except Exception:  # noqa: BLE001
        pass
    problems.append(f"unreadable {name} header")
    pairs = email.utils.getaddresses([_raw_header(msg, name)])
    return [(n, a) for n, a in pairs if "@" in a]


def _message_ids(value: str) -> list[str]:
    return MSGID.findall(value or "")[:50]


def decode_part(part: Message, problems: list[str]) -> str:
    """A text part's content, trying its charset, then UTF-8, then Latin-1."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return _fix_mislabelled(part, content)
    except Exception:  # noqa: BLE001 - unknown charset, broken base64, ...
        pass
    payload = part.get_payload(decode=True) or b""
    if isinstance(payload, str):
        return payload
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    problems.append(f"text in an unknown or wrong charset ({charset[:40]})")
    return payload.decode("utf-8", "replace")


def _fix_mislabelled(part: Message, text: str) -> str:
    """Mail labelled Latin-1/ASCII that is really UTF-8 (a common mistake) is read as UTF-8."""
    charset = (part.get_content_charset() or "").lower()
    if charset in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"):
        try:
            raw = part.get_payload(decode=True) or b""
            if not raw.isascii():
                return raw.decode("utf-8")
        except (UnicodeDecodeError, AttributeError):
            pass
    return text


def html_to_text(value: str) -> str:
    """The readable text of an HTML body (scripts and styles dropped)."""
    stripped = nh3.clean(value.replace("<br", "\n<br").replace("</p>", "</p>\n"), tags=set())
    return "\n".join(line.strip() for line in html_lib.unescape(stripped).splitlines()).strip()


def sanitise_html(value: str) -> str:
    """HTML safe to show inside a page: nh3 (Ammonia) keeps formatting, drops scripts,
    event handlers, styles and forms; links open without referrer."""
    return nh3.clean(value, link_rel="noopener noreferrer nofollow")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip(" .")
    return name[:200]


def _bounce(msg: Message) -> Bounce | None:
    if msg.get_content_type() != "multipart/report":
        return None
    recipient = action = status = diagnostic = ""
    original = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            blocks = part.get_payload()
            blocks = blocks if isinstance(blocks, list) else []
            for block in blocks[1:] or blocks:
                recipient = recipient or _raw_header(block, "Final-Recipient").split(";")[-1].strip()
                action = action or _raw_header(block, "Action").strip().lower()
                status = status or _raw_header(block, "Status").strip()
                diagnostic = diagnostic or _raw_header(block, "Diagnostic-Code").split(";", 1)[-1].strip()
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            if ctype == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
            else:
                inner = email.message_from_bytes(part.get_payload(decode=True) or b"", policy=email.policy.default)
            ids = _message_ids(_raw_header(inner, "Message-ID")) if isinstance(inner, Message) else []
            original = ids[0] if ids else None
    return Bounce(original, recipient[:254], action[:20], status[:20], _clean_line(diagnostic, 500))


def parse_headers_only(raw: bytes) -> Message:
    head = raw[:HEADER_BYTES_MAX]
    end = head.find(b"\r\n\r\n")
    end = end if end >= 0 else head.find(b"\n\n")
    return email.message_from_bytes(head[: end if end >= 0 else len(head)], policy=email.policy.default)


def parse_mail(raw: bytes, *, headers_only: bool = False, attachment_limit: int | None = None) -> ParsedMail:
    """Parse ``raw``; never raises. ``headers_only`` reads just the header block (for
    messages over the size limit)."""
    out = ParsedMail()
    try:
        msg = parse_headers_only(raw) if headers_only else email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # noqa: BLE001 - the parser itself gave up
        out.problems.append("the message could not be parsed at all")
        out.text = raw[:100_000].decode("utf-8", "replace")
        return out
    for defect in getattr(msg, "defects", [])[:5]:
        out.problems.append(f"malformed: {type(defect).__name__}")
    ids = _message_ids(_raw_header(msg, "Message-ID"))
    out.message_id = ids[0] if ids else None
    reply = _message_ids(_raw_header(msg, "In-Reply-To"))
    out.in_reply_to = reply[0] if reply else None
    out.references = _message_ids(_raw_header(msg, "References"))
    senders = _addresses(msg, "From", out.problems) or _addresses(msg, "Sender", out.problems)
    if senders:
        out.from_name, out.from_address = _clean_line(senders[0][0], 200), senders[0][1].strip()[:254]
    else:
        out.problems.append("no sender")
    out.to = [a for _n, a in _addresses(msg, "To", out.problems)][:100]
    out.cc = [a for _n, a in _addresses(msg, "Cc", out.problems)][:100]
    out.subject = _clean_line(_raw_header(msg, "Subject"), 500)
    out.auto_submitted = _clean_line(_raw_header(msg, "Auto-Submitted"), 60).lower()
    try:
        parsed_date = email.utils.parsedate_to_datetime(_raw_header(msg, "Date"))
        if parsed_date.tzinfo is not None:
            parsed_date = parsed_date.astimezone(timezone.utc).replace(tzinfo=None)
        out.date = parsed_date if 1970 <= parsed_date.year <= 2200 else None
    except (TypeError, ValueError, IndexError):
        out.date = None
    if headers_only:
        return out
    _walk(msg, out, attachment_limit)
    if not out.text and out.html:
        out.text = html_to_text(out.html)
    out.bounce = _bounce(msg)
    return out


def _walk(msg: Message, out: ParsedMail, attachment_limit: int | None) -> None:
    try:
        parts = list(msg.walk())
    except Exception:  # noqa: BLE001
        out.problems.append("the MIME structure is broken")
        parts = [msg]
    for part in parts[:500]:
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001
            disposition = None
        filename = _filename(part)
        is_text = ctype in ("text/plain", "text/html")
        if is_text and disposition != "attachment" and not (filename and disposition == "inline" and out.text):
            content = decode_part(part, out.problems)
            if ctype == "text/plain" and not out.text:
                out.text = content
            elif ctype == "text/html" and not out.html:
                out.html = content
            continue
        if ctype in ("message/delivery-status", "text/rfc822-headers") or (
                ctype == "message/rfc822" and msg.get_content_type() == "multipart/report"):
            continue
        if disposition in ("attachment", "inline") or filename or not is_text:
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001
                data = b""
                out.problems.append(f"attachment {filename or ctype} could not be decoded")
            if isinstance(data, str):
                data = data.encode("utf-8")
            out.attachments.append(Attachment(filename or "attachment", ctype[:120], data))
