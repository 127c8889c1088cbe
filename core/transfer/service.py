"""Imports and exports as the pages, the CLI and the job see them.

* :func:`importer_for` / :func:`exporter_for`: the contributions of the ``importers`` and
  ``exporters`` hooks (the core's customers, the plugins' own), by kind.
* :func:`create_run`: an uploaded file stored in the import folder, sniffed, mapped
  automatically (from a saved profile when one is named).
* :func:`start_run`: the background job (``core.import``) that runs it.
* :func:`record_export`: the audit entry of a download.
"""
from __future__ import annotations

import os
import secrets
import shutil

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.db import db
from core.transfer.engine import auto_mapping, estimate_rows, import_dir, profile_mapping, run_import, stored_path
from core.transfer.models import ON_DUPLICATE, RUNNING, SKIP, UPLOADED, ImportProfile, ImportRun
from core.transfer.readers import TransferError, sniff

JOB = "core.import"


def _registry():
    return current_app.extensions["rapport"].plugins


def importers() -> list:
    return _registry().contributions("importers")


def exporters() -> list:
    return _registry().contributions("exporters")


def importer_for(kind: str):
    """The importer named ``kind`` (``customers``, ``sales.orders``; a plugin's may be named
    without its prefix when unambiguous: ``orders``), or None."""
    return _by_kind(importers(), kind)


def exporter_for(kind: str):
    return _by_kind(exporters(), kind)


def _by_kind(items: list, kind: str):
    exact = [i for i in items if i.kind == kind]
    if exact:
        return exact[0]
    short = [i for i in items if i.kind.split(".", 1)[-1] == kind]
    return short[0] if len(short) == 1 else None


def max_bytes() -> int:
    return current_app.config["IMPORT_MAX_MB"] * 1024 * 1024


def create_run(importer, source, filename: str, *, user_id: int | None, profile: ImportProfile | None = None,
               encoding: str | None = None, delimiter: str | None = None, options: dict | None = None) -> ImportRun:
    """Store ``source`` (a path or a readable binary file) and describe it; the caller commits.

    Raises :class:`TransferError` (nothing stored) for a file that cannot be imported.
    """
    stored = secrets.token_hex(16)
    path = os.path.join(import_dir(), stored)
    if isinstance(source, str):
        shutil.copyfile(source, path)
    else:
        with open(path, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    size = os.path.getsize(path)
    try:
        if size > max_bytes():
            raise TransferError(_("The file is larger than %(n)s MB: split it, or ask an administrator to raise "
                                  "RAPPORT_IMPORT_MAX_MB.", n=current_app.config["IMPORT_MAX_MB"]))
        sniffed = sniff(path, filename, encoding=encoding, delimiter=delimiter)
    except TransferError:
        os.remove(path)
        raise
    opts = {"on_duplicate": SKIP, "skip_bad_rows": False, "language": "en"}
    if profile is not None:
        opts.update(profile.options or {})
    opts.update(options or {})
    run = ImportRun(kind=importer.kind, user_id=user_id, filename=os.path.basename(filename)[:255], stored_name=stored,
                    size=size, format=sniffed.format, encoding=sniffed.encoding, delimiter=sniffed.delimiter,
                    headers=sniffed.headers, options=opts, state=UPLOADED,
                    mapping=auto_mapping(importer, sniffed.headers, profile.mapping if profile else None))
    run.options = {**opts, "rows_estimate": estimate_rows(run),  # shown before mapping
                   "profile_id": profile.id if profile is not None else None}  # remembered for the next upload
    db.session.add(run)
    db.session.flush()
    return run


def resniff(run: ImportRun, *, encoding: str | None, delimiter: str | None) -> None:
    """Read the file again with the encoding or delimiter the user chose (mapping kept where it fits)."""
    sniffed = sniff(stored_path(run), run.filename, encoding=encoding or run.encoding,
                    delimiter=delimiter or run.delimiter)
    if sniffed.headers != run.headers:
        run.mapping = {}
    run.encoding, run.delimiter, run.headers = sniffed.encoding, sniffed.delimiter, sniffed.headers


def set_options(run: ImportRun, *, on_duplicate: str, skip_bad_rows: bool, language: str,
                fixed: dict[str, str] | None = None) -> None:
    """``fixed``: values chosen for every row (``ImportField.choices``), already checked."""
    if on_duplicate not in ON_DUPLICATE:
        raise ValueError(on_duplicate)
    run.options = {**run.options, "on_duplicate": on_duplicate, "skip_bad_rows": bool(skip_bad_rows),
                   "language": language, "fixed": dict(fixed or {})}


def save_profile(run: ImportRun, name: str, user_id: int | None) -> ImportProfile:
    """Save (or replace) the run's mapping and options as profile ``name`` for its kind."""
    profile = db.session.execute(sa.select(ImportProfile).where(
        ImportProfile.kind == run.kind, ImportProfile.name == name)).scalar()
    if profile is None:
        profile = ImportProfile(kind=run.kind, name=name, user_id=user_id)
        db.session.add(profile)
    profile.mapping = profile_mapping(run.headers, run.mapping)
    profile.options = {k: run.options[k] for k in ("on_duplicate", "skip_bad_rows", "language") if k in run.options}
    db.session.flush()
    run.options = {**run.options, "profile_id": profile.id}  # the user's choice for next time
    return profile


def may_delete_profile(profile: ImportProfile, user) -> bool:
    """Only the user who saved a mapping, or an administrator, may delete it (others use it)."""
    return bool(user.is_admin or (profile.user_id is not None and profile.user_id == user.id))


def last_profile(kind: str, user_id: int) -> ImportProfile | None:
    """The saved mapping this user chose (or saved) in their latest import of ``kind``, if it
    still exists: the upload page selects it again. None when they matched columns by name."""
    options = db.session.execute(sa.select(ImportRun.options).where(
        ImportRun.user_id == user_id, ImportRun.kind == kind).order_by(ImportRun.id.desc()).limit(1)).scalar()
    profile_id = (options or {}).get("profile_id")
    if not isinstance(profile_id, int):
        return None
    profile = db.session.get(ImportProfile, profile_id)
    return profile if profile is not None and profile.kind == kind else None


def profiles(kind: str) -> list[ImportProfile]:
    return list(db.session.execute(sa.select(ImportProfile).where(ImportProfile.kind == kind)
                                   .order_by(ImportProfile.name)).scalars())


def profile_named(kind: str, name: str) -> ImportProfile | None:
    return db.session.execute(sa.select(ImportProfile).where(ImportProfile.kind == kind,
                                                             ImportProfile.name == name)).scalar()


def start_run(run: ImportRun, user) -> None:
    """Hand the run to a worker (the caller commits)."""
    from core.jobs import start_job

    job = start_job(JOB, {"import_id": run.id}, user=user, message=_("Waiting for a worker…"))
    run.job_id, run.state = job.id, RUNNING


def run_job(job, import_id: int) -> str:
    """The ``core.import`` job: run the import, reporting progress on the job."""
    from core.jobs.runner import JobCancelled, JobError

    run = db.session.get(ImportRun, import_id)
    if run is None:
        raise JobError(_("The import was deleted."))
    importer = importer_for(run.kind)
    if importer is None:
        raise JobError(_("Nothing imports “%(kind)s” any more (was a plugin disabled?).", kind=run.kind))
    try:
        run = run_import(run, importer, progress=job.progress, save_progress=job.progress_outside)
    except JobCancelled:
        _stopped(import_id, _("Cancelled before anything was saved."))
        raise
    except Exception:
        _stopped(import_id, _("The import stopped with an error; nothing was saved."))
        raise
    if run.state != "done":
        raise JobError(run.message)
    return run.message


def _stopped(import_id: int, message: str) -> None:
    """A run whose job ended early: nothing of it was saved (the save is one transaction)."""
    from core.db import utcnow
    from core.transfer.models import FAILED

    db.session.rollback()
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == import_id).values(
        state=FAILED, message=message, finished_at=utcnow()))
    db.session.commit()


def record_export(exporter, fmt: str, args: dict) -> None:
    """One audit entry per download: who exported which list, filtered how, in which format."""
    from core.audit import record_event
    from core.audit.models import EXPORT

    record_event(EXPORT, record_type="export", record_id=exporter.kind, label=str(exporter.label),
                 detail={"format": fmt, "filters": {k: v for k, v in args.items() if k != "cursor"}})
