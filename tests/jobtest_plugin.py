"""A plugin with background tasks, for the job tests (also loaded by real worker processes
through ``RAPPORT_EXTRA_PLUGINS=jobtest_plugin`` with this folder on ``PYTHONPATH``)."""
from __future__ import annotations

import time

from core import PluginManifest, hookimpl
from core.contrib import JobTask, PeriodicTask

manifest = PluginManifest(name="jobtest", label="Job test")


def count(job, n=5, note=None):
    """Counts to ``n``, reporting each step; logs one history entry per run when ``note`` names a customer."""
    for i in range(n):
        job.progress(i + 1, total=n, message=f"step {i + 1} of {n}")
    if note:
        from core.history.service import log_event

        log_event(int(note), "jobtest.counted", source="jobtest", subject=f"job {job.id} attempt {job.attempt}")
    return f"counted to {n}"


def fail(job, public=False):
    from core.jobs import JobError

    if public:
        raise JobError("The file has no header row.")
    raise RuntimeError("internal detail: connection refused")


def flaky(job):
    """Fails on the first attempt, succeeds on the second."""
    if job.attempt == 1:
        raise RuntimeError("first attempt fails")
    return "second attempt worked"


def cancel_midway(job, n=10):
    """Asks for its own cancellation at step 3, as a user pressing Cancel would."""
    from core.db import db
    from core.jobs.models import Job

    for i in range(n):
        if i == 3:
            db.session.get(Job, job.id).cancel_requested = True
        job.progress(i + 1, total=n)
    return "never reached"


def sleepy(job, steps=40, delay=0.25):
    """Slow enough to be killed in the middle (the SIGKILL test)."""
    for i in range(steps):
        time.sleep(delay)
        job.progress(i + 1, total=steps)
    return f"slept {steps} steps"


def tick(job, value="x"):
    return f"tick {value}"


pings: list = []  # background calls made: (customer_id, attempt number)


def ping(customer_id, fail_first=False):
    """An untracked background call: logs one history entry; may fail on its first try."""
    from core.history.service import log_event

    pings.append(customer_id)
    if fail_first and pings.count(customer_id) == 1:
        raise RuntimeError("first ping fails")
    log_event(int(customer_id), "jobtest.pinged", source="jobtest", subject="pinged")


def sweep_minutely(value="m"):
    pings.append(value)


@hookimpl
def job_tasks():
    return [
        JobTask("jobtest.count", count, "Count"),
        JobTask("jobtest.fail", fail, "Fail"),
        JobTask("jobtest.flaky", flaky, "Flaky", max_attempts=2),
        JobTask("jobtest.cancel_midway", cancel_midway, "Cancel midway"),
        JobTask("jobtest.sleepy_retried", sleepy, "Sleepy (retried)", max_attempts=2),
        JobTask("jobtest.sleepy_once", sleepy, "Sleepy (once)"),
        JobTask("jobtest.ping", ping, "Ping", max_attempts=2, tracked=False),
    ]


@hookimpl
def periodic_tasks():
    from core.jobs import crontab

    return [PeriodicTask("jobtest.tick", crontab(minute="*/5"), tick, "Tick", params=(("value", "y"),)),
            PeriodicTask("jobtest.minutely", crontab(), sweep_minutely, "Minutely", tracked=False)]


@hookimpl
def register_api(api):
    """``POST /api/v1/jobtest/count {"n": 3, "note": customer_id}`` starts a count job (scale-out test)."""
    from flask import request
    from flask.views import MethodView
    from flask_login import current_user

    from core.api.base import Blueprint
    from core.db import db
    from core.jobs import start_job
    from core.security import login_required

    blp = Blueprint("jobtest_api", __name__, url_prefix="/jobtest")

    @blp.route("/count")
    class Count(MethodView):
        @login_required
        def post(self):
            body = request.get_json(force=True)
            job = start_job("jobtest.count", {"n": int(body.get("n", 3)), "note": body.get("note")},
                            user=current_user)
            db.session.commit()
            return {"id": job.id}, 201

    return [blp]
