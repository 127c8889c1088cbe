"""Reading uploaded files as rows of text: CSV (any of our encodings), Excel .xlsx, vCard.

:func:`sniff` looks at a file once — what it is, its encoding and delimiter, its header
— and :func:`read_rows` streams its rows as lists of strings, never holding the file
in memory. Everything a user can get wrong (an empty file, a binary file named
``.csv``, an old ``.xls``, the wrong encoding) raises :class:`TransferError` with a
message meant for them.

Encodings: a BOM decides; else a file that is valid UTF-8 is UTF-8; else
charset-normalizer chooses among the legacy code pages real files in our languages
use (Windows-1253 Greek, 1257 Lithuanian/Baltic, 1255 Hebrew, 1256 Persian/Arabic,
1252 Western). The user can override the choice on the mapping page.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

CSV, XLSX, VCF = "csv", "xlsx", "vcf"
SAMPLE = 1 << 20  # bytes looked at to detect encoding and delimiter
LEGACY_ENCODINGS = ("cp1253", "cp1257", "cp1255", "cp1256", "cp1252")
ENCODINGS = {
    "utf-8": _l("Unicode (UTF-8)"),
    "utf-8-sig": _l("Unicode (UTF-8 with BOM)"),
    "utf-16": _l("Unicode (UTF-16)"),
    "cp1253": _l("Greek (Windows-1253)"),
    "cp1257": _l("Baltic (Windows-1257)"),
    "cp1255": _l("Hebrew (Windows-1255)"),
    "cp1256": _l("Arabic and Persian (Windows-1256)"),
    "cp1252": _l("Western European (Windows-1252)"),
    "iso8859_7": _l("Greek (ISO-8859-7)"),
    "iso8859_13": _l("Baltic (ISO-8859-13)"),
    "iso8859_8": _l("Hebrew (ISO-8859-8)"),
}
DELIMITERS = {",": _l("Comma"), ";": _l("Semicolon"), "\t": _l("Tab"), "|": _l("Vertical bar")}
csv.field_size_limit(1 << 20)


class TransferError(ValueError):
    """Bad input, with a message for the user; nothing was saved."""


@dataclass
class Sniffed:
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    headers: list[str] = field(default_factory=list)


def sniff(path: str, filename: str, *, encoding: str | None = None, delimiter: str | None = None) -> Sniffed:
    """What ``path`` is (``filename`` as the user named it) and its header row."""
    size = os.path.getsize(path)
    if size == 0:
        raise TransferError(_("The file is empty."))
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE)
    name = filename.lower()
    if head.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(path) or "xl/workbook.xml" not in zipfile.ZipFile(path).namelist():
            raise TransferError(_("This file is a ZIP archive, not an Excel workbook or a CSV file."))
        sniffed = Sniffed(XLSX)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TransferError(_("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV."))
    elif name.endswith((".xlsx", ".xlsm")):
        raise TransferError(_("This file is named .xlsx but is not an Excel workbook."))
    else:
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (encoding or "").startswith("utf-16")
        if b"\x00" in head and not utf16:
            raise TransferError(_("This is not a text file (it contains binary data): upload a CSV, .xlsx or "
                                  "vCard file."))
        enc = encoding or detect_encoding(head)
        if enc not in ENCODINGS:
            raise TransferError(_("Unknown encoding “%(e)s”.", e=enc))
        text = _decode_sample(head, enc, complete=size <= SAMPLE)
        if not text.strip():
            raise TransferError(_("The file is empty."))
        if text.lstrip("\ufeff \r\n\t").upper().startswith("BEGIN:VCARD"):
            sniffed = Sniffed(VCF, encoding=enc)
        else:
            sniffed = Sniffed(CSV, encoding=enc, delimiter=delimiter or detect_delimiter(text))
    for headers in _rows(path, sniffed, with_header=True):
        sniffed.headers = [h.strip() for h in headers]
        break
    if not sniffed.headers or not any(sniffed.headers):
        raise TransferError(_("The file has no header row: the first row must name the columns."))
    return sniffed


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == SAMPLE:  # a character cut by the sample's end
            return "utf-8"
    from charset_normalizer import from_bytes

    matches = list(from_bytes(head[:200_000], cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        raise TransferError(_("The file's encoding could not be recognised: choose it by hand, or save the file "
                              "as UTF-8."))
    # Equally likely code pages (short files: Lithuanian in 1257 reads as plausible 1252 too)
    # go to the languages Rapport's users write, in LEGACY_ENCODINGS order.
    best = min(matches, key=lambda m: (m.chaos, -m.coherence))
    tied = [m.encoding for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    return min(tied, key=lambda e: LEGACY_ENCODINGS.index(e) if e in LEGACY_ENCODINGS else len(LEGACY_ENCODINGS))


def _decode_sample(head: bytes, enc: str, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    try:
        return decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        raise TransferError(_("The file cannot be read as %(encoding)s: choose its encoding.",
                              encoding=ENCODINGS.get(enc, enc))) from None


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def read_rows(path: str, sniffed: Sniffed) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of every row after the header; blank rows are left out."""
    for number, row in enumerate(_rows(path, sniffed, with_header=False), start=2):
        if any(cell.strip() for cell in row):
            yield number, row


def _rows(path: str, sniffed: Sniffed, *, with_header: bool) -> Iterator[list[str]]:
    reader = {CSV: _csv_rows, XLSX: _xlsx_rows, VCF: _vcf_rows}[sniffed.format]
    rows = reader(path, sniffed)
    if not with_header:
        next(rows, None)
    yield from rows


def _csv_rows(path: str, sniffed: Sniffed) -> Iterator[list[str]]:
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=sniffed.encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=sniffed.delimiter or ",")
        try:
            yield from reader
        except UnicodeDecodeError:
            raise TransferError(_("Line %(n)s cannot be read as %(encoding)s: choose the file's encoding.",
                                  n=reader.line_num + 1, encoding=ENCODINGS.get(sniffed.encoding, sniffed.encoding))
                                ) from None
        except csv.Error as exc:
            raise TransferError(_("Line %(n)s is not valid CSV: %(why)s", n=reader.line_num, why=str(exc))) from None


def xlsx_text(value) -> str:
    """An Excel cell as the text a user sees (dates as ISO dates, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _xlsx_rows(path: str, _sniffed: Sniffed) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    with open(path, "rb") as fh:  # a file object: openpyxl judges a path by its extension; uploads have none
        try:
            book = load_workbook(fh, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TransferError(_("The Excel file could not be opened: %(why)s", why=str(exc)[:200])) from None
        try:
            sheet = book.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [xlsx_text(v) for v in row]
        finally:
            book.close()


VCARD_HEADERS = ("UID", "FN", "N:family", "N:given", "ORG", "EMAIL", "TEL", "ADR:street", "ADR:city", "ADR:code",
                 "ADR:region", "ADR:country", "BDAY", "CATEGORIES", "NOTE")


def _vcf_rows(path: str, sniffed: Sniffed) -> Iterator[list[str]]:
    """One row per vCard (3.0 or 4.0), under fixed headers (``VCARD_HEADERS``)."""
    import vobject

    yield list(VCARD_HEADERS)
    with open(path, encoding=sniffed.encoding, errors="strict") as fh:
        try:
            for card in vobject.readComponents(fh, ignoreUnreadable=True):
                yield _vcard_row(card)
        except UnicodeDecodeError:
            raise TransferError(_("The file cannot be read as %(encoding)s: choose its encoding.",
                                  encoding=ENCODINGS.get(sniffed.encoding, sniffed.encoding))) from None
        except Exception as exc:  # vobject's ParseError and friends
            raise TransferError(_("The vCard file is damaged: %(why)s", why=str(exc)[:200])) from None


def _vcard_row(card) -> list[str]:
    def values(key):
        return [c.value for c in card.contents.get(key, [])]

    def text(v):
        return v if isinstance(v, str) else ";".join(v) if isinstance(v, (list, tuple)) else str(v or "")

    n = next(iter(values("n")), None)
    adr = next(iter(values("adr")), None)
    org = next(iter(values("org")), None)
    return [
        text(next(iter(values("uid")), "")),
        text(next(iter(values("fn")), "")),
        text(getattr(n, "family", "")) if n else "",
        text(getattr(n, "given", "")) if n else "",
        text(org[0] if isinstance(org, (list, tuple)) and org else org or ""),
        "; ".join(text(v) for v in values("email")),
        "; ".join(text(v) for v in values("tel")),
        text(getattr(adr, "street", "")) if adr else "",
        text(getattr(adr, "city", "")) if adr else "",
        text(getattr(adr, "code", "")) if adr else "",
        text(getattr(adr, "region", "")) if adr else "",
        text(getattr(adr, "country", "")) if adr else "",
        text(next(iter(values("bday")), "")),
        ", ".join(", ".join(v) if isinstance(v, (list, tuple)) else text(v) for v in values("categories")),
        text(next(iter(values("note")), "")),
    ]
