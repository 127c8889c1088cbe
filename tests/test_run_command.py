"""``rapport run`` (what ``make run`` starts): the web server and a worker as one command.

Both come up, the worker runs jobs started from outside, Ctrl-C stops both, and when one
of them dies the other is stopped too (no orphan left serving or working).
"""
from __future__ import annotations

import os
import re
import signal
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

import jobtest_plugin
from core.testing import _pg_base_url
from processes import Processes, free_port, rapport_env, wait_until

pytestmark = [
    pytest.mark.plugins("jobtest", extra=[jobtest_plugin]),
    # Starting and stopping processes does not depend on the database: once (the SQLite pass) is enough.
    pytest.mark.skipif(_pg_base_url() is not None, reason="process supervision is the same on PostgreSQL; "
                                                          "tested in the SQLite run"),
]


@pytest.fixture
def procs(tmp_path):
    p = Processes(tmp_path)
    yield p
    p.stop_all()


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def _children(log_path) -> dict[str, int]:
    """Honcho announces each process: ``system | web started (pid=123)``."""
    return {name: int(pid) for name, pid in re.findall(r"(\w+) started \(pid=(\d+)\)", log_path.read_text())}


def _start_run(app, tmp_path, procs):
    port = free_port()
    env = rapport_env(app, tmp_path, RAPPORT_EXTRA_PLUGINS="jobtest_plugin")
    run = procs.start(["run", "--port", str(port), "--workers", "1"], env, "run")
    wait_until(lambda: _serving(port), what="the web server of rapport run", logs=procs.logs)
    children = wait_until(lambda: (c := _children(run.log_path)) and {"web", "worker"} <= set(c) and c,
                          what="both processes announced", logs=procs.logs)
    return run, port, children


def _job_status(app, job_id):
    from core.db import db
    from core.jobs.models import Job

    with app.app_context():
        status = db.session.execute(sa.select(Job.status).where(Job.id == job_id)).scalar()
        db.session.remove()
        return status


def test_run_serves_and_works_and_ctrl_c_stops_both(app, tmp_path, procs):
    from core.db import db
    from core.jobs import start_job

    run, port, children = _start_run(app, tmp_path, procs)
    with app.app_context():
        job_id = start_job("jobtest.count", {"n": 2}).id
        db.session.commit()
    wait_until(lambda: _job_status(app, job_id) == "done", what="the job run by rapport run's worker",
               logs=procs.logs)

    os.kill(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    assert run.wait(timeout=30) == 130
    wait_until(lambda: not any(_alive(pid) for pid in children.values()), timeout=15,
               what="web and worker stopped", logs=procs.logs)
    assert not _serving(port)


def test_when_one_process_dies_run_stops_the_other(app, tmp_path, procs):
    run, port, children = _start_run(app, tmp_path, procs)
    os.killpg(children["worker"], signal.SIGKILL)  # the worker crashes
    assert run.wait(timeout=30) != 0
    wait_until(lambda: not _alive(children["web"]), timeout=15, what="the web server stopped", logs=procs.logs)
    assert not _serving(port)
