"""Writing exports as streams: CSV, Excel .xlsx and vCard, a batch of rows at a time.

**CSV injection.** A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``,
tab or carriage return as a formula. :func:`neutralise` makes such a cell inert:

* a phone number or other number-like text (``+30 210 123 4567``, ``-12,50``: digits and
  ``+ - ( ) . , /`` and spaces only) is written as the text formula ``="+30 210 123 4567"``,
  which Excel, LibreOffice and Google Sheets all show exactly as the number was, as text
  (no apostrophe, no lost ``+``), and which cannot call anything: its only content is
  digits and separators. Rapport's own import reads it back as the plain text;
* anything else gets a leading apostrophe (``'=HYPERLINK(…)``), the OWASP advice: shown,
  never run.

Excel files need none of this: every text cell is written as a string cell, never a
formula, so ``+30…`` stays as typed.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Iterator

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_STARTS_A_FORMULA = frozenset(DANGEROUS)
_WRAPPED = frozenset("='")  # how a neutralised cell starts
_NUMBER_LIKE = re.compile(r"^[+\-]?[\d\s().,/\-]*\d[\d\s().,/\-]*$")
_TEXT_FORMULA = re.compile(r'^="([+\-]?[\d\s().,/\-]*)"$')


def neutralise(value: str) -> str:
    """A CSV cell that no spreadsheet will run as a formula (see the module doc)."""
    if not value or not value.startswith(DANGEROUS):
        return value
    if _NUMBER_LIKE.match(value):
        return f'="{value}"'
    return "'" + value


def unwrap(value: str) -> str:
    """What :func:`neutralise` wrote, back to the value (used when reading a file in)."""
    if value[:1] not in _WRAPPED:  # nearly every cell: nothing to undo, no regular expression
        return value
    m = _TEXT_FORMULA.match(value)
    if m:
        return m.group(1)
    if value.startswith("'") and value[1:2] in DANGEROUS and value[1:2]:
        return value[1:]
    return value


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, (date, Decimal, int, float)):
        return str(value)
    return str(value)


class _Buffer:
    """A write target for ``csv.writer`` that hands back what was written."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, s):
        self.parts.append(s)

    def take(self) -> str:
        out = "".join(self.parts)
        self.parts = []
        return out


def csv_stream(headers: list[str], rows: Iterable[list], *, chunk_rows: int = 2000) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel then reads Greek, Hebrew and Persian right), CRLF lines."""
    buf = _Buffer()
    writer = csv.writer(buf)
    writer.writerow(headers)
    yield ("\ufeff" + buf.take()).encode("utf-8")
    n = 0
    for row in rows:
        # Most cells are text that cannot start a formula: written as they are, with no call.
        # Anything else (None, numbers, dates, a text starting with = + - @ tab CR) goes
        # through cell_text and neutralise. Same bytes as neutralise(cell_text(v)) for every v.
        writer.writerow([v if v.__class__ is str and v[:1] not in _STARTS_A_FORMULA else neutralise(cell_text(v))
                         for v in row])
        n += 1
        if n % chunk_rows == 0:
            yield buf.take().encode("utf-8")
    rest = buf.take()
    if rest:
        yield rest.encode("utf-8")


def xlsx_stream(headers: list[str], rows: Iterable[list], *, title: str = "Export") -> Iterator[bytes]:
    """An .xlsx written by openpyxl's write-only mode to a scratch file, then streamed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Export")
    sheet.append(headers)
    for row in rows:
        out = []
        for v in row:
            if isinstance(v, str) and v:
                cell = WriteOnlyCell(sheet, value=v.replace("\x00", ""))
                cell.data_type = "s"  # text, never a formula
                out.append(cell)
            elif isinstance(v, Decimal):
                out.append(float(v))
            else:
                out.append(v)
        sheet.append(out)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book.save(path)
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 16):
                yield chunk
    finally:
        os.remove(path)


def vcf_stream(cards: Iterable) -> Iterator[bytes]:
    """vCard 3.0 cards (``vobject`` components), one after the other."""
    out = io.StringIO()
    n = 0
    for card in cards:
        out.write(card.serialize())
        n += 1
        if n % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out = io.StringIO()
    if out.getvalue():
        yield out.getvalue().encode("utf-8")
