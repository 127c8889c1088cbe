"""Running an import: map, check, decide, save — with nothing half-saved.

An import makes two passes over the file:

1. **Check.** Rows are read in batches, mapped to fields and handed to the importer's
   ``check`` (the same validation as the forms), then compared with the rows before
   them (a row sharing a duplicate key with an earlier one is refused, naming it).
   Good rows are spooled to a scratch file beside the upload (never all in memory);
   bad ones go to ``<file>.rejected.csv`` with a reason each. Progress is reported
   per batch.
2. **Save.** All-or-nothing mode saves only if no row was bad. Otherwise (or in
   skip-bad-rows mode) the spooled good rows are saved by the importer's ``save`` in
   **one transaction**: a failure half-way rolls everything back.

The preview is pass 1 over the first rows, with the duplicates it would match.
"""
from __future__ import annotations

import csv
import os
import pickle
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from core.db import db, utcnow
from core.text import fold, unstorable
from core.transfer.keyset import KeySet
from core.transfer.models import CREATE, DONE, FAILED, REFUSED, SKIP, ImportRun
from core.transfer.pool import checked_batches, workers_for
from core.transfer.readers import Sniffed, TransferError, read_rows
from core.transfer.writers import neutralise, unwrap

BATCH = 2000
PREVIEW_ROWS = 20
FORMULA_START = ("=",)


@dataclass
class ImportRow:
    """One row of the file on its way in (see :class:`core.contrib.Importer`)."""

    line: int
    values: dict[str, str]
    cells: list[str] = field(default_factory=list)
    clean: Any = None
    errors: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)
    match_id: int | None = None
    match_label: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportContext:
    """What importers get besides the rows: the options and the running counts."""

    import_id: int | None
    user_id: int | None
    on_duplicate: str = SKIP
    language: str = "en"
    created: int = 0
    updated: int = 0
    skipped: int = 0
    cache: dict = field(default_factory=dict)  # for importers: lookups shared across batches


def import_dir() -> str:
    path = current_app.config.get("IMPORT_DIR") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def stored_path(run: ImportRun, suffix: str = "") -> str:
    return os.path.join(import_dir(), run.stored_name + suffix)


def sniffed_of(run: ImportRun) -> Sniffed:
    return Sniffed(run.format, run.encoding, run.delimiter, list(run.headers))


# -- mapping -----------------------------------------------------------------------------------


def field_keys(importer) -> dict[str, str]:
    """Folded header text → field name: each field's name, label (in every language) and aliases."""
    from flask_babel import force_locale

    keys: dict[str, str] = {}
    for f in importer.fields:
        names = [f.name, f.name.replace("_", " "), *f.aliases]
        for lang in current_app.config["LANGUAGES"]:
            with force_locale(lang):
                names.append(str(f.label))
        for n in names:
            keys.setdefault(_header_key(n), f.name)
    return keys


def _header_key(text: str) -> str:
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split()).strip(" :*")


def auto_mapping(importer, headers: list[str], saved: dict | None = None) -> dict[str, str]:
    """Column index (as text) → field, from a saved profile's header names, else the field names."""
    keys = field_keys(importer)
    valid = {f.name for f in importer.fields}
    mapping, used = {}, set()
    for i, header in enumerate(headers):
        key = _header_key(header)
        name = (saved or {}).get(key) or keys.get(key)
        if name in valid and name not in used:
            mapping[str(i)] = name
            used.add(name)
    return mapping


def profile_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """A run's mapping as header text → field, to save as a profile for other files."""
    return {_header_key(headers[int(i)]): name for i, name in mapping.items() if int(i) < len(headers)}


def fixed_values(importer, run: ImportRun) -> dict[str, str]:
    """The values chosen for every row (``ImportField.choices``) of fields no column holds."""
    mapped = set(run.mapping.values())
    chosen = run.options.get("fixed") or {}
    return {f.name: chosen[f.name] for f in importer.fields
            if f.choices and f.name not in mapped and chosen.get(f.name)}


def mapping_problems(importer, mapping: dict[str, str], fixed: dict[str, str] | None = None) -> list[str]:
    mapped = set(mapping.values()) | set(fixed or {})
    problems = [_("Map a column to “%(field)s”: it is required.", field=f.label)
                for f in importer.fields if f.required and f.name not in mapped and not _alternative(importer, f, mapped)]
    if not mapped:
        problems.append(_("Map at least one column to a field."))
    return problems


def _alternative(importer, f, mapped) -> bool:
    """A required field another mapping can stand in for (first and last name for the name)."""
    return any(name in mapped for name in dict(importer.stand_ins).get(f.name, ()))


# Persian written with an Arabic keyboard or code page (Windows-1256 has no ی or ک).
PERSIAN_LETTERS = str.maketrans({"\u064a": "\u06cc", "\u0643": "\u06a9", "\u0649": "\u06cc"})


def _mapped(number: int, cells: list[str], mapping: dict[int, str], width: int, persian: bool) -> ImportRow:
    row = ImportRow(number, {}, cells)
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        row.errors.append(ngettext("This row has %(num)d cell more than the header row.",
                                   "This row has %(num)d cells more than the header row.", len(extra)))
    for index, name in mapping.items():
        value = unwrap(cells[index].strip()) if index < len(cells) else ""
        problem = unstorable(value) if value else None
        if problem:  # NUL, a lone surrogate, a control character: the same refusal as a form's
            row.errors.append(problem)
            value = ""
        elif value.startswith(FORMULA_START) and len(value) > 1:
            row.errors.append(_("“%(value)s” is a spreadsheet formula, not a value: export the values.",
                                value=value[:60]))
            value = ""
        row.values[name] = value.translate(PERSIAN_LETTERS) if persian else value
    return row


def _batches(path: str, sniffed: Sniffed, mapping: dict[str, str], language: str, limit: int | None = None,
             fixed: dict[str, str] | None = None) -> Iterator[list[ImportRow]]:
    """Rows mapped to fields (plus the values chosen for every row), a batch at a time; in a
    Persian file Arabic ي/ك become ی/ک."""
    index_map = {int(i): name for i, name in mapping.items()}
    persian = language == "fa"
    width = len(sniffed.headers)
    batch: list[ImportRow] = []
    read = 0
    for number, cells in read_rows(path, sniffed):
        row = _mapped(number, cells, index_map, width, persian)
        if fixed:
            row.values.update(fixed)
        batch.append(row)
        read += 1
        if len(batch) >= BATCH or (limit and read >= limit):
            yield batch
            batch = []
            if limit and read >= limit:
                return
    if batch:
        yield batch


def check_batch(importer, rows: list[ImportRow], ctx: ImportContext, seen: KeySet) -> None:
    importer.check(rows, ctx)
    mark_duplicates(rows, seen)


def mark_duplicates(rows: list[ImportRow], seen: KeySet) -> None:
    """Refuse a checked row sharing a duplicate key with an earlier row of the file (in file order)."""
    for row in rows:
        if not row.ok:
            continue
        hashes = []
        for key in row.keys:
            h, first = seen.lookup(key)
            if first is not None:
                row.errors.append(_("Same %(what)s as line %(line)s (“%(value)s”): a duplicate inside the file.",
                                    what=_key_label(key[0]), line=first, value=key[1]))
                break
            hashes.append(h)
        else:
            for h in hashes:
                seen.put(h, row.line)


def _key_label(name: str) -> str:
    return {"ref": _("external reference"), "email": _("email"), "phone": _("phone"), "tax": _("tax number"),
            "name": _("name"), "serial": _("serial number"), "order": _("order number"),
            "line": _("order line")}.get(name, name)


# -- preview -----------------------------------------------------------------------------------


def preview(run: ImportRun, importer, *, rows: int = PREVIEW_ROWS) -> list[ImportRow]:
    """The first ``rows`` rows checked as the import would, nothing written."""
    ctx = _context(run)
    seen = KeySet()
    out: list[ImportRow] = []
    for batch in _batches(stored_path(run), sniffed_of(run), run.mapping, ctx.language, limit=rows,
                          fixed=fixed_values(importer, run)):
        check_batch(importer, batch, ctx, seen)
        out.extend(batch)
    db.session.rollback()  # a check may have autoflushed nothing; make sure nothing lingers
    return out


def _context(run: ImportRun) -> ImportContext:
    return ImportContext(run.id, run.user_id, on_duplicate=run.on_duplicate,
                         language=run.options.get("language") or "en")


# -- the run -----------------------------------------------------------------------------------


def estimate_rows(run: ImportRun) -> int | None:
    """About how many rows the file has (for the progress bar), counted cheaply."""
    path = stored_path(run)
    if run.format == "xlsx":
        try:
            from openpyxl import load_workbook

            with open(path, "rb") as fh:
                book = load_workbook(fh, read_only=True)
                rows = book.worksheets[0].max_row
                book.close()
            return max(0, (rows or 1) - 1) or None
        except Exception:
            return None
    needle = b"BEGIN:VCARD" if run.format == "vcf" else b"\n"
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            count += chunk.upper().count(needle) if run.format == "vcf" else chunk.count(needle)
    return max(1, count - (0 if run.format == "vcf" else 1))


def run_import(run: ImportRun, importer, *, progress: Callable[[int, int | None, str], None] | None = None,
               save_progress: Callable[[int, int, str], bool] | None = None) -> ImportRun:
    """Check every row, then save the good ones in one transaction (see the module doc).

    ``progress(done, total, message)`` is called between batches of the check pass (a
    job's ``progress``, which commits). ``save_progress(done, total, message)`` is called
    between batches of the save pass, inside its transaction, so it must not touch the
    session (a job's ``progress_outside``); when it returns False (SQLite) the page says
    instead that the rows are being saved in one go. Returns ``run`` with its state
    (``done``, ``refused``: bad rows in all-or-nothing mode, or ``failed``) and counts,
    committed.
    """
    ctx = _context(run)
    sniffed = sniffed_of(run)
    spool_path = stored_path(run, ".spool")
    rejected_path = stored_path(run, ".rejected.csv")
    total = estimate_rows(run)
    seen = KeySet()
    good = bad = read = 0
    try:
        with open(spool_path, "wb") as spool, open(rejected_path, "w", encoding="utf-8-sig", newline="") as rej:
            writer = csv.writer(rej)
            writer.writerow([_("Line"), _("Reason"), *sniffed.headers])
            batches = _batches(stored_path(run), sniffed, run.mapping, ctx.language, fixed=fixed_values(importer, run))
            workers = workers_for(total, BATCH)
            checked = checked_batches(batches, importer, ctx, workers) if workers else _checked_here(batches, importer, ctx)
            for batch in checked:
                mark_duplicates(batch, seen)
                kept = [(r.line, r.clean, r.match_id) for r in batch if r.ok]
                for r in batch:
                    if not r.ok:
                        writer.writerow([r.line, " ".join(r.errors), *(neutralise(c) for c in r.cells)])
                if kept:
                    pickle.dump(kept, spool, protocol=pickle.HIGHEST_PROTOCOL)
                read += len(batch)
                good += len(kept)
                bad += len(batch) - len(kept)
                if progress:
                    progress(read, max(total or 0, read), _("Checked %(n)s rows, %(bad)s with problems.",
                                                              n=read, bad=bad))
        run.rows_read, run.bad = read, bad
        if read == 0:
            return _finish(run, REFUSED, _("The file has a header but no rows."))
        if bad and not run.skip_bad_rows:
            return _finish(run, REFUSED, ngettext(
                "Nothing was imported: %(num)d row has problems (all-or-nothing). Download them, fix them and "
                "upload again, or choose to skip bad rows.",
                "Nothing was imported: %(num)d rows have problems (all-or-nothing). Download them, fix them and "
                "upload again, or choose to skip bad rows.", bad))
        if good == 0:
            return _finish(run, REFUSED, _("Nothing was imported: no row could be read without problems."))
        live = bool(save_progress) and save_progress(0, good, saving_message(0, good))
        if progress and not live:
            progress(0, good, ngettext(
                "Saving %(num)d row in one go: the bar moves again when it is saved.",
                "Saving %(num)d rows in one go: the bar moves again when all of them are saved.", good))
        _save_all(run, importer, ctx, spool_path, save_progress if live else None, good)
        run.created, run.updated, run.skipped = ctx.created, ctx.updated, ctx.skipped
        return _finish(run, DONE, summary(run))
    except TransferError as exc:
        db.session.rollback()
        return _finish(run, FAILED, str(exc))
    finally:
        if os.path.exists(spool_path):
            os.remove(spool_path)


def _checked_here(batches, importer, ctx: ImportContext) -> Iterator[list[ImportRow]]:
    """``batches`` after ``importer.check``, in this process (small files, or no workers)."""
    for batch in batches:
        importer.check(batch, ctx)
        db.session.rollback()  # checks only read
        yield batch


def saving_message(done: int, total: int) -> str:
    return _("Saving: %(done)s of %(total)s rows…", done=done, total=total)


def _save_all(run: ImportRun, importer, ctx: ImportContext, spool_path: str,
              save_progress: Callable[[int, int, str], bool] | None = None, total: int = 0) -> None:
    """Every good row, in one transaction: all of it commits, or none of it."""
    session = db.session
    saved = 0
    try:
        with (importer.bulk(ctx) if importer.bulk else nullcontext()):
            with open(spool_path, "rb") as spool:
                for chunk in _spooled(spool):
                    rows = [ImportRow(line, {}, clean=clean, match_id=match) for line, clean, match in chunk]
                    importer.save(rows, ctx)
                    saved += len(rows)
                    if save_progress and saved < total:  # the last one is the commit's
                        save_progress(saved, total, saving_message(saved, total))
        _audit_import(run, ctx)
        run.created, run.updated, run.skipped = ctx.created, ctx.updated, ctx.skipped
        session.flush()
    except Exception:
        session.rollback()
        raise


def _spooled(spool) -> Iterable[list]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _audit_import(run: ImportRun, ctx: ImportContext) -> None:
    """One audit entry for the import as a whole (its new customers have their own)."""
    from core.audit import record_event
    from core.audit.models import IMPORT

    record_event(IMPORT, record_type="import", record_id=run.id, label=run.filename[:200],
                 detail={"kind": run.kind, "created": ctx.created, "updated": ctx.updated, "skipped": ctx.skipped,
                         "bad": run.bad, "on_duplicate": ctx.on_duplicate})


def _finish(run: ImportRun, state: str, message: str) -> ImportRun:
    run.state, run.message, run.finished_at = state, message[:500], utcnow()
    db.session.add(run)
    db.session.commit()
    return run


def summary(run: ImportRun) -> str:
    return _("Created: %(created)s, updated: %(updated)s, skipped as already saved: %(skipped)s, rows with problems "
             "left out: %(bad)s.", created=run.created, updated=run.updated, skipped=run.skipped, bad=run.bad)
