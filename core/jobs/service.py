"""Starting, cancelling and listing jobs: what pages, API, CLI and plugins call."""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from flask import current_app

from core.db import db, is_lock_timeout, utcnow
from core.jobs.models import ACTIVE, CANCELLED, QUEUED, RUNNING, Job

log = logging.getLogger(__name__)


class JobStartError(ValueError):
    """``start_job`` was asked for something it cannot run (a programming error)."""


def start_job(name: str, params: dict | None = None, *, user=None, total: int | None = None,
              message: str = "", dedupe_key: str | None = None) -> Job:
    """Start background job ``name`` (a declared :class:`core.contrib.JobTask`); the caller commits.

    The job row is written in the current transaction and handed to the queue after
    the commit, so a job never runs for a change that was rolled back, and never
    before its row is visible to the worker. ``params`` must be plain JSON data;
    ``user`` (a ``User``) is who started it: it appears on their Jobs page. ``total``
    and ``message`` are the first progress shown. Returns the ``Job`` (flushed: its
    ``id`` is set).
    """
    task, params = _checked(name, params, tracked=True)
    user_id = user.id if user is not None and getattr(user, "is_authenticated", True) else None
    job = Job(kind=name, params=params, user_id=user_id, total=total, message=message[:300],
              max_attempts=task.max_attempts, dedupe_key=dedupe_key, status=QUEUED)
    db.session.add(job)
    db.session.flush()  # job.id is usable at once (a redirect to its page, a reply with its id)
    db.session.info.setdefault("pending_jobs", []).append(job)
    return job


def run_soon(name: str, params: dict | None = None, *, delay: float | None = None) -> None:
    """Call background task ``name`` (declared ``tracked=False``) in a worker after the commit.

    No job row: nothing on the Jobs page, no progress. The call is queued when the
    transaction commits (dropped on rollback), ``delay`` seconds later if given, and
    retried by Huey while ``max_attempts`` allows. The same call (name, params, delay) asked
    again in one transaction is queued once. A process that dies between the commit
    and queuing loses the call: keep the work's state in your own tables and pick up what
    is left from an untracked periodic task as well (the outbox does both).
    """
    pending = db.session.info.setdefault("pending_calls", [])
    if (name, params or {}, delay) in pending:  # asked (and checked) already in this transaction: queued once
        return
    _task, params = _checked(name, params, tracked=False)
    if (name, params, delay) not in pending:
        pending.append((name, params, delay))


def _checked(name: str, params: dict | None, *, tracked: bool):
    from core.jobs.queue import queue

    task = queue().tasks.get(name)
    if task is None:
        raise JobStartError(f"no job task named {name!r} is declared")
    if task.tracked != tracked:
        raise JobStartError(f"task {name!r} is {'' if task.tracked else 'not '}tracked: use "
                            f"{'start_job' if task.tracked else 'run_soon'}")
    if not current_app.extensions["rapport"].plugins.is_enabled(task.plugin):
        raise JobStartError(f"job task {name!r} belongs to plugin {task.plugin}, which is disabled")
    try:
        params = json.loads(json.dumps(params or {}, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise JobStartError(f"job {name}: params must be plain JSON data: {exc}") from exc
    return task, params


def enqueue_calls(calls: list[tuple[str, dict, float | None]]) -> None:
    """After the commit that asked for them (``run_soon``)."""
    from core.jobs.queue import queue

    q = queue()
    for name, params, delay in calls:
        try:
            q.enqueue_call(name, params, delay)
        except Exception:  # queue unreachable: the caller's own sweep must pick the work up
            log.exception("could not queue background call %s", name)


def enqueue_jobs(job_ids: list[int]) -> None:
    """After the commit that started them: one queue message per job."""
    from core.jobs.queue import queue

    q = queue()
    sent = []
    for job_id in job_ids:
        try:
            q.enqueue_job(job_id)
            sent.append(job_id)
        except Exception:  # queue unreachable: the sweep sends it later (enqueued_at stays empty)
            log.exception("could not queue job %s; a worker's sweep will", job_id)
    if sent:
        mark_enqueued(sent)


def mark_enqueued(job_ids: list[int]) -> None:
    db.session.execute(sa.update(Job).where(Job.id.in_(job_ids)).values(enqueued_at=utcnow()))
    db.session.commit()


class JobBusy(Exception):
    """The cancel request could not be recorded now: the job holds the database's write lock
    (on SQLite, an import saving all its rows in one transaction). Ask the user to try again."""


def cancel_job(job: Job) -> bool:
    """Cancel a queued job at once, or ask a running one to stop; the caller commits.

    Returns False when the job had already finished. A running job stops at its next
    ``progress()`` call (the task decides where it is safe to stop). Raises
    :class:`JobBusy` (after rolling the session back) when the job's row cannot be
    written within the busy timeout: on SQLite a job saving in one long transaction
    holds the write lock, and the user should get an answer, not an error page.
    """
    now = utcnow()
    try:
        if db.session.execute(
            sa.update(Job).where(Job.id == job.id, Job.status == QUEUED)
            .values(status=CANCELLED, cancel_requested=True, finished_at=now)
        ).rowcount:
            return True
        return bool(db.session.execute(
            sa.update(Job).where(Job.id == job.id, Job.status == RUNNING).values(cancel_requested=True)
        ).rowcount)
    except sa.exc.OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
        db.session.rollback()
        raise JobBusy() from exc


def jobs_query(user, *, everyone: bool = False, status: str | None = None):
    """Jobs ``user`` may see: their own, or everyone's when ``everyone`` (admins)."""
    stmt = sa.select(Job)
    if not everyone:
        stmt = stmt.where(Job.user_id == user.id)
    if status == "active":
        stmt = stmt.where(Job.status.in_(ACTIVE))
    elif status:
        stmt = stmt.where(Job.status == status)
    return stmt


def job_for(user, job_id: int, *, everyone: bool = False) -> Job | None:
    """The job if ``user`` may see it (own job, or ``everyone``), else None (→ 404)."""
    job = db.session.get(Job, job_id) if 0 < job_id < 2**63 else None
    if job is None or (not everyone and job.user_id != user.id):
        return None
    return job


def purge_jobs(before=None, batch: int = 5000) -> int:
    """Delete finished jobs older than ``JOBS_RETENTION_DAYS``; returns how many."""
    from datetime import timedelta

    from core.jobs.models import FINISHED

    before = before or utcnow() - timedelta(days=current_app.config["JOBS_RETENTION_DAYS"])
    removed = 0
    while True:
        ids = list(db.session.execute(
            sa.select(Job.id).where(Job.status.in_(FINISHED), Job.finished_at < before).order_by(Job.id).limit(batch)
        ).scalars())
        if not ids:
            return removed
        db.session.execute(sa.delete(Job).where(Job.id.in_(ids)))
        db.session.commit()
        removed += len(ids)
