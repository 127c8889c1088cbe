"""Real worker processes (``rapport worker``): killed with SIGKILL in the middle of a job, restarted.

A job whose worker dies must not stay "running" forever: once its heartbeat is older than
the lease, the next worker puts it back in the queue (attempts left) or marks it failed.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import jobtest_plugin
from processes import Processes, rapport_env, wait_until

pytestmark = pytest.mark.plugins("jobtest", extra=[jobtest_plugin])

LEASE = 2  # seconds without a heartbeat before a job counts as abandoned


@pytest.fixture
def procs(tmp_path):
    p = Processes(tmp_path)
    yield p
    p.stop_all()


def _jobs(app, *ids):
    from core.db import db
    from core.jobs.models import Job

    with app.app_context():
        rows = db.session.execute(sa.select(Job).where(Job.id.in_(ids)).order_by(Job.id)).scalars().all()
        out = {j.id: (j.status, j.attempts, j.done, j.total, j.message, j.error) for j in rows}
        db.session.remove()
        return out


def test_a_worker_killed_mid_job_leaves_no_job_running(app, tmp_path, procs):
    from core.db import db
    from core.jobs import start_job

    with app.app_context():
        retried = start_job("jobtest.sleepy_retried", {"steps": 16, "delay": 0.2})
        once = start_job("jobtest.sleepy_once", {"steps": 16, "delay": 0.2})
        db.session.commit()
        retried, once = retried.id, once.id

    env = rapport_env(app, tmp_path, RAPPORT_EXTRA_PLUGINS="jobtest_plugin", RAPPORT_JOB_LEASE_SECONDS=LEASE)
    first = procs.start(["worker", "--workers", "2"], env, "worker-1")
    wait_until(lambda: all(s == "running" and done >= 3 for s, _a, done, *_ in _jobs(app, retried, once).values()),
               what="both jobs running and past step 3", logs=procs.logs)
    procs.kill(first)  # SIGKILL: no cleanup, no goodbye
    killed = _jobs(app, retried, once)
    assert all(state[0] == "running" and state[2] < 16 for state in killed.values()), killed

    procs.start(["worker", "--workers", "2"], env, "worker-2")
    jobs = wait_until(lambda: (j := _jobs(app, retried, once)) and j[retried][0] == "done"
                      and j[once][0] == "failed" and j,
                      timeout=90, what="the retried job done and the other failed", logs=procs.logs)
    status, attempts, done, total, _message, _error = jobs[retried]
    assert (attempts, done, total) == (2, 16, 16)
    status, attempts, done, total, message, error = jobs[once]
    assert attempts == 1 and done < 16
    assert message == "The worker running this job stopped." and "stopped during attempt 1" in error
