"""Background jobs: long work outside a web request, with progress a person can watch.

What plugin authors use (docs/plugins.md, "Background jobs")::

    from core.jobs import JobContext, JobError, crontab, start_job

* declare tasks with the ``job_tasks`` hook (:class:`core.contrib.JobTask`) and
  schedules with ``periodic_tasks`` (:class:`core.contrib.PeriodicTask`, ``crontab``);
* ``start_job(name, params, user=current_user)`` then commit: the job is queued;
  ``run_soon(name, params)`` for a background call (``JobTask(..., tracked=False)``: no row);
* the task is called as ``run(job, **params)`` in a worker (``rapport worker``) and
  reports with ``job.progress(done, total, message)``, which also stops it when the
  user cancels; it returns a short result summary. ``raise JobError("…")`` fails it
  with a message meant for the user.

The queue is Huey (``core.jobs.queue``); the state is the ``core_job`` table
(``core.jobs.models``); claiming, heartbeats and recovery live in ``core.jobs.runner``.
"""
from huey import crontab

from core.jobs.runner import JobCancelled, JobContext, JobError
from core.jobs.service import JobStartError, cancel_job, run_soon, start_job

__all__ = ["start_job", "run_soon", "cancel_job", "JobContext", "JobCancelled", "JobError", "JobStartError",
           "crontab"]
