"""Forgetting old imports: the uploaded files, their rejected rows and the runs themselves.

An uploaded file is a copy of the business's customer data (names, emails, phones); it
must not stay in ``RAPPORT_IMPORT_DIR`` for ever. The nightly ``core.purge`` job calls
:func:`purge_imports`, which follows :func:`core.jobs.service.purge_jobs`:

* a run that ended (done, refused, failed) more than ``IMPORT_RETENTION_DAYS`` ago, or was
  uploaded that long ago and never started, is deleted with its files (the upload,
  ``.rejected.csv``, a ``.spool`` a dead worker left). The audit log keeps its ``import``
  entry with the counts; the *My imports* list no longer shows it.
* a running import is never touched, however old.
* a file in the folder that no run names any more (a worker killed half-way, a run deleted
  by hand) is deleted once it is older than the retention too.

Files go first, then the rows: if a file cannot be removed (permissions), its run stays and
the next purge tries again.
"""
from __future__ import annotations

import os
from datetime import timedelta, timezone

import sqlalchemy as sa
from flask import current_app

from core.db import db, utcnow
from core.transfer.engine import import_dir
from core.transfer.models import DONE, FAILED, REFUSED, UPLOADED, ImportRun

ENDED = (DONE, REFUSED, FAILED)
SUFFIXES = ("", ".rejected.csv", ".spool")
NAME_LENGTH = 32  # stored names are secrets.token_hex(16)


def retention_cutoff():
    return utcnow() - timedelta(days=current_app.config["IMPORT_RETENTION_DAYS"])


def purge_imports(before=None, batch: int = 1000) -> int:
    """Delete old import runs with their files, then stray files; returns how many runs."""
    before = before or retention_cutoff()
    old = sa.or_(sa.and_(ImportRun.state.in_(ENDED), sa.func.coalesce(ImportRun.finished_at, ImportRun.created_at)
                         < before),
                 sa.and_(ImportRun.state == UPLOADED, ImportRun.created_at < before))
    folder = import_dir()
    removed, after_id = 0, 0
    while True:
        found = db.session.execute(sa.select(ImportRun.id, ImportRun.stored_name).where(old, ImportRun.id > after_id)
                                   .order_by(ImportRun.id).limit(batch)).all()
        if not found:
            break
        after_id = found[-1].id
        gone = [run_id for run_id, stored in found if _remove_files(folder, stored)]
        if gone:
            db.session.execute(sa.delete(ImportRun).where(ImportRun.id.in_(gone)))
        db.session.commit()
        removed += len(gone)
    _remove_strays(folder, before)
    return removed


def _remove_files(folder: str, stored: str) -> bool:
    """Remove a run's files; False when one of them could not be removed."""
    ok = True
    for suffix in SUFFIXES:
        try:
            os.remove(os.path.join(folder, stored + suffix))
        except FileNotFoundError:
            pass
        except OSError:
            current_app.logger.warning("could not remove import file %s%s", stored, suffix, exc_info=True)
            ok = False
    return ok


def _remove_strays(folder: str, before) -> None:
    """Files older than ``before`` that no run names (only names the import folder itself writes)."""
    limit = before.replace(tzinfo=timezone.utc).timestamp()  # ``before`` is naive UTC, as stored
    known = set(db.session.execute(sa.select(ImportRun.stored_name)).scalars())
    db.session.rollback()
    with os.scandir(folder) as entries:
        for entry in entries:
            stored = entry.name[:NAME_LENGTH]
            if (len(stored) < NAME_LENGTH or entry.name[NAME_LENGTH:] not in SUFFIXES or stored in known
                    or not _is_hex(stored) or not entry.is_file(follow_symlinks=False)):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.remove(entry.path)
            except OSError:
                current_app.logger.warning("could not remove stray import file %s", entry.name, exc_info=True)


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)
