"""Checking an import's batches in worker processes (the check pass only).

The check pass is CPU work per row — the customer form's validation (email-validator,
phonenumbers), folding, building keys — plus one matching query per batch, and each batch
is independent of the others. So big files hand their batches to ``IMPORT_WORKERS``
processes, a few batches ahead, and take the results back **in file order**: the parent
keeps everything that depends on order — the in-file duplicate check (:class:`KeySet`),
the spool, the rejected rows, progress — exactly as without workers. Saving stays in the
parent, in its one transaction: the workers only read.

Workers are forked from the process running the import (a job worker or ``rapport
import``), so they have its app, plugins and importer without pickling them; each opens
its own database connections (the inherited pool is dropped without closing the parent's
connections, as SQLAlchemy advises after a fork) and speaks the import's language. A
small file (fewer than ``MIN_BATCHES`` batches per worker) is checked in-process: starting
processes would cost more than it saves.
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Iterable, Iterator

from flask import current_app
from flask_babel import force_locale, get_locale

from core.db import db

MIN_BATCHES = 2  # per worker, before processes are worth starting

_state: dict = {}  # what a forked worker needs, set by the parent just before the pool forks


def workers_for(total_rows: int | None, batch: int) -> int:
    """How many processes to check with: 0 (in-process) for small files or ``IMPORT_WORKERS`` ≤ 1."""
    workers = int(current_app.config.get("IMPORT_WORKERS") or 0)
    if workers <= 1 or not total_rows or total_rows < workers * MIN_BATCHES * batch:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():  # not on Windows
        return 0
    if multiprocessing.current_process().daemon:  # a daemonic worker process may not have children
        return 0
    return workers


def _start_worker() -> None:
    app = _state["app"]
    app.app_context().push()  # stays for the worker's life
    for engine in db.engines.values():
        engine.dispose(close=False)  # the parent's connections are the parent's


def _check(rows: list):
    importer, ctx, language = _state["importer"], _state["ctx"], _state["language"]
    try:
        with force_locale(language):
            importer.check(rows, ctx)
    finally:
        db.session.rollback()  # checks only read
    return [(r.clean, r.errors, r.keys, r.match_id, r.match_label) for r in rows]  # what check decided


def _merge(batch: list, results: list) -> list:
    """Put a worker's decisions on the parent's own rows (the file's cells never travel back)."""
    for row, (clean, errors, keys, match_id, match_label) in zip(batch, results):
        row.clean, row.errors, row.keys, row.match_id, row.match_label = clean, errors, keys, match_id, match_label
    return batch


def checked_batches(batches: Iterable[list], importer, ctx, workers: int) -> Iterator[list]:
    """``batches`` after ``importer.check``, in order, checked by ``workers`` processes
    (at most ``2 × workers`` batches in flight, so memory stays bounded)."""
    _state.update(app=current_app._get_current_object(), importer=importer, ctx=ctx,
                  language=str(get_locale() or "en"))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)
    pending: deque = deque()
    try:
        for batch in batches:
            pending.append((batch, pool.submit(_check, batch)))
            if len(pending) >= 2 * workers:
                batch_, future = pending.popleft()
                yield _merge(batch_, future.result())
        while pending:
            batch_, future = pending.popleft()
            yield _merge(batch_, future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _state.clear()
