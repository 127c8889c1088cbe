"""Running jobs in a worker: claim, heartbeat, progress, outcome, and recovery.

A worker *claims* a job with a conditional update (``queued → running``,
``attempts + 1``): of several workers handed the same id, one wins. While the task
runs, a heartbeat thread refreshes ``heartbeat_at``; a job whose heartbeat is older
than ``JOBS_LEASE_SECONDS`` lost its worker (killed, machine gone) and the sweep puts
it back in the queue (attempts left) or marks it failed. Every write about an
attempt — progress, outcome — is fenced by the attempt number, so a worker that
was presumed dead and wakes up cannot overwrite the attempt that replaced it.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.audit import JOB, audit_context
from core.db import db, utcnow
from core.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"
RETRY_DELAY = 10  # seconds before an attempt that raised is tried again


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.progress` when someone asked the job to stop."""


class JobLost(Exception):
    """This attempt no longer owns the job (its lease expired and another attempt took over)."""


class JobError(Exception):
    """A failure meant for the user: its message is shown on the Jobs page as it is."""


class JobContext:
    """What a task gets as its first argument: the job's identity, params and progress.

    ``progress()`` commits the session: call it between batches (every few hundred rows,
    not every row), when the work done so far is consistent. A crash later keeps what
    was committed; if the task may be retried (``max_attempts`` > 1), make it skip work
    already done.
    """

    def __init__(self, job: Job):
        self.id = job.id
        self.kind = job.kind
        self.params = dict(job.params or {})
        self.user_id = job.user_id
        self.attempt = job.attempts
        self.total = job.total

    @property
    def user(self):
        """The user who started the job (a ``User``), or None for a scheduled job."""
        from core.auth.models import User

        return db.session.get(User, self.user_id) if self.user_id else None

    def _fenced(self):
        return sa.update(Job).where(Job.id == self.id, Job.attempts == self.attempt, Job.status == RUNNING)

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record ``done`` (of ``total``) and an optional short message; commit; stop if cancelled.

        Raises :class:`JobCancelled` when the user pressed *Cancel* (let it propagate:
        the job ends as cancelled, work committed so far stays).
        """
        values = {"done": max(0, int(done)), "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = self.total = max(0, int(total))
        if message is not None:
            values["message"] = str(message)[:300]
        if db.session.execute(self._fenced().values(**values)).rowcount != 1:
            db.session.rollback()
            raise JobLost(f"job {self.id} attempt {self.attempt} lost its lease")
        cancel = db.session.execute(sa.select(Job.cancel_requested).where(Job.id == self.id)).scalar()
        db.session.commit()
        if cancel:
            raise JobCancelled()

    def progress_outside(self, done: int, total: int | None = None, message: str | None = None) -> bool:
        """Record progress **without committing the session**, on a connection of its own.

        For a task whose work is one long transaction (an import's save pass: all of it
        commits or none): the progress bar moves while the transaction stays open, and
        :class:`JobCancelled` (raised as by ``progress``) lets the task roll it all back.
        Returns False, writing nothing, on SQLite: there a second connection cannot write
        while the session holds the database's write lock, so the task should say on the
        page that it is busy instead. A progress write that cannot get its row lock within
        a second is skipped (True is still returned: the next one will try again).
        """
        engine = db.session.get_bind()
        if engine.dialect.name == "sqlite":
            return False
        values = {"done": max(0, int(done)), "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = self.total = max(0, int(total))
        if message is not None:
            values["message"] = str(message)[:300]
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                if conn.execute(self._fenced().values(**values)).rowcount != 1:
                    raise JobLost(f"job {self.id} attempt {self.attempt} lost its lease")
                cancel = conn.execute(sa.select(Job.cancel_requested).where(Job.id == self.id)).scalar()
        except sa.exc.OperationalError as exc:  # the row is locked (someone cancelling): next time
            log.warning("progress of job %s skipped: %s", self.id, exc)
            return True
        if cancel:
            raise JobCancelled()
        return True

    @property
    def cancel_requested(self) -> bool:
        """True once someone asked the job to stop (for tasks that stop without ``progress``)."""
        return bool(db.session.execute(sa.select(Job.cancel_requested).where(Job.id == self.id)).scalar())


class Heartbeat(threading.Thread):
    """Refreshes ``heartbeat_at`` of one attempt every lease/4 seconds on its own connection."""

    def __init__(self, engine, job_id: int, attempt: int, interval: float):
        super().__init__(name=f"heartbeat-job-{job_id}", daemon=True)
        self.engine, self.job_id, self.attempt, self.interval = engine, job_id, attempt, interval
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.update(Job).where(Job.id == self.job_id, Job.attempts == self.attempt,
                                                      Job.status == RUNNING).values(heartbeat_at=utcnow()))
            except sa.exc.SQLAlchemyError as exc:  # busy database: the next beat tries again
                log.warning("heartbeat of job %s failed: %s", self.job_id, exc)

    def stop(self):
        self.stopped.set()
        self.join(timeout=5)


def _language(user_id):
    """Run a job in the language of the user who started it (messages, result summary)."""
    from core.auth.models import User

    user = db.session.get(User, user_id) if user_id else None
    lang = getattr(user, "ui_language", None)
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _claim(job_id: int) -> Job | None:
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, heartbeat_at=now, worker=WORKER_ID)
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if claimed == 1 else None


def _end(job_id: int, attempt: int, status: str, **values) -> bool:
    """Write the outcome of ``attempt`` (fenced) and commit; False if the attempt was superseded."""
    values.setdefault("finished_at", utcnow())
    ok = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.attempts == attempt, Job.status == RUNNING)
        .values(status=status, **values)
    ).rowcount == 1
    if ok:
        db.session.commit()
    else:
        db.session.rollback()
        log.warning("job %s attempt %s was superseded; its outcome (%s) is dropped", job_id, attempt, status)
    return ok


def run_job(job_id: int) -> None:
    """The Huey task behind every tracked job."""
    from core.jobs.queue import queue

    job = _claim(job_id)
    if job is None:  # cancelled while queued, or another worker has it
        return
    q = queue()
    registry = current_app.extensions["rapport"].plugins
    ctx = JobContext(job)
    task = q.tasks.get(job.kind)
    with force_locale(_language(job.user_id)):
        if task is None:
            _end(job.id, ctx.attempt, FAILED, message=_("This kind of job is no longer installed."),
                 error=f"unknown task {job.kind}")
            return
        if not registry.is_enabled(task.plugin):
            _end(job.id, ctx.attempt, FAILED, message=_("The plugin “%(name)s” is disabled.", name=task.plugin),
                 error=f"plugin {task.plugin} is disabled")
            return
        interval = max(1.0, current_app.config["JOBS_LEASE_SECONDS"] / 4)
        beat = Heartbeat(db.engine, job.id, ctx.attempt, interval)
        beat.start()
        try:
            with audit_context(JOB, user_id=job.user_id, actor=job.kind, detail={"job_id": job.id}):
                result = task.run(ctx, **ctx.params)
        except JobCancelled:
            db.session.rollback()
            _end(job.id, ctx.attempt, CANCELLED, message=_("Cancelled."))
        except JobLost:
            db.session.rollback()
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s (%s) attempt %s failed", job.id, job.kind, ctx.attempt)
            _failed(job, ctx, exc)
        else:
            values = {"result": "" if result is None else str(result)[:1000]}
            if ctx.total is not None:
                values["done"] = ctx.total
            _end(job.id, ctx.attempt, DONE, **values)
        finally:
            beat.stop()


def _failed(job: Job, ctx: JobContext, exc: Exception) -> None:
    from core.jobs.queue import queue

    error = f"{type(exc).__name__}: {exc}"[:4000]
    shown = str(exc)[:300] if isinstance(exc, JobError) else _("The job failed.")
    if ctx.attempt < job.max_attempts:
        if _end(job.id, ctx.attempt, QUEUED, finished_at=None, error=error, enqueued_at=None,
                message=_("Failed; it will be tried again.")):
            from core.jobs.service import mark_enqueued

            queue().enqueue_job(job.id, delay=RETRY_DELAY)
            mark_enqueued([job.id])
    else:
        _end(job.id, ctx.attempt, FAILED, error=error, message=shown)


def call_task(name: str, params: dict) -> None:
    """The Huey task behind ``run_soon`` and untracked periodic tasks: call ``run(**params)``
    inside the app context and commit; raising makes Huey retry it (``max_attempts``)."""
    from core.jobs.queue import queue

    task = queue().tasks.get(name)
    if task is None or not current_app.extensions["rapport"].plugins.is_enabled(task.plugin):
        log.warning("background call %s skipped: its plugin is disabled or gone", name)
        return
    try:
        task.run(**params)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def start_periodic(name: str, params: dict) -> None:
    """The scheduled firing of periodic task ``name``: start its job once for this minute."""
    from core.jobs.queue import queue
    from core.jobs.service import start_job

    task = queue().tasks[name]
    if not current_app.extensions["rapport"].plugins.is_enabled(task.plugin):
        return
    slot = utcnow().strftime("%Y-%m-%dT%H:%M")
    try:
        start_job(name, params, dedupe_key=f"{name}@{slot}")
        db.session.commit()
    except sa.exc.IntegrityError:  # another worker's scheduler started this slot's job
        db.session.rollback()


def recover_stalled(now=None) -> list[int]:
    """Jobs whose worker stopped beating: back to the queue, or failed when out of attempts.

    Returns the ids put back in the queue (the caller enqueues them).
    """
    now = now or utcnow()
    cutoff = now - timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    stalled = db.session.execute(
        sa.select(Job.id, Job.attempts, Job.max_attempts, Job.user_id, Job.worker, Job.heartbeat_at)
        .where(Job.status == RUNNING, Job.heartbeat_at < cutoff)
    ).all()
    requeued, failed = [], 0
    for job_id, attempts, max_attempts, user_id, worker, beat in stalled:
        fence = sa.update(Job).where(Job.id == job_id, Job.attempts == attempts, Job.status == RUNNING,
                                     Job.heartbeat_at < cutoff)
        error = f"worker {worker} stopped during attempt {attempts}: last heartbeat {beat:%Y-%m-%d %H:%M:%S} UTC"
        with force_locale(_language(user_id)):
            if attempts < max_attempts:
                changed = db.session.execute(fence.values(
                    status=QUEUED, enqueued_at=None, error=error,
                    message=_("The worker stopped; the job will run again."))).rowcount
                if changed:
                    requeued.append(job_id)
            else:
                failed += db.session.execute(fence.values(status=FAILED, finished_at=now, error=error,
                                                          message=_("The worker running this job stopped."))).rowcount
    db.session.commit()
    if requeued or failed:  # (another worker's sweep may have taken some of them first)
        log.warning("jobs whose worker stopped: %d queued again, %d failed", len(requeued), failed)
    return requeued


def unsent(now=None) -> list[int]:
    """Queued jobs whose queue message was never sent (the process died right after the commit)."""
    before = (now or utcnow()) - timedelta(seconds=current_app.config["EVENTS_PICKUP_SECONDS"])
    return list(db.session.execute(
        sa.select(Job.id).where(Job.status == QUEUED, Job.enqueued_at.is_(None), Job.created_at <= before)
    ).scalars())


def sweep() -> dict:
    """Every minute on every worker (and when a worker starts): recover what fell through."""
    from core.events.delivery import BATCH, deliver_due
    from core.jobs.queue import queue
    from core.jobs.service import mark_enqueued

    q = queue()
    requeued = recover_stalled()
    lost = unsent()
    for job_id in requeued + lost:
        q.enqueue_job(job_id)
    if requeued or lost:
        mark_enqueued(requeued + lost)
    tried = deliver_due()
    if tried >= BATCH:  # more may be waiting: continue in another message
        q.enqueue_sweep()
    return {"requeued": len(requeued), "unsent": len(lost), "deliveries": tried}
