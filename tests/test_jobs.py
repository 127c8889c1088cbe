"""Background jobs: started with the transaction, run by Huey, tracked in core_job.

These tests use the real queue (SqliteHuey in the test's folder) and run its
messages in-process with ``run_jobs()`` — Huey's own dequeue/execute, as a worker
thread does. tests/test_worker_process.py runs real worker processes.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

import jobtest_plugin
from core.testing import login_client

pytestmark = pytest.mark.plugins("jobtest", extra=[jobtest_plugin])


def _job(app, job_id):
    from core.db import db
    from core.jobs.models import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def _start(app, name, params=None, user_email=None, **kw):
    from core.auth.models import User
    from core.db import db
    from core.jobs import start_job

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == user_email)).scalar_one() if user_email else None
        job = start_job(name, params, user=user, **kw)
        db.session.commit()
        return job.id


def _pending(app):
    from core.jobs.queue import queue

    return queue(app).huey.pending_count()


def test_a_job_is_queued_with_its_transaction_and_run_by_the_queue(app, run_jobs):
    from core.db import db
    from core.jobs import start_job
    from core.jobs.models import Job

    with app.app_context():
        start_job("jobtest.count", {"n": 3})
        db.session.rollback()  # rolled back: no row, nothing queued
        assert db.session.execute(sa.select(Job.id)).first() is None
    assert _pending(app) == 0

    job_id = _start(app, "jobtest.count", {"n": 3}, user_email="admin@example.com")
    job = _job(app, job_id)
    assert job.status == "queued" and job.enqueued_at is not None and job.user_id is not None
    assert _pending(app) == 1

    assert run_jobs() == 1
    job = _job(app, job_id)
    assert job.status == "done" and job.attempts == 1
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == "counted to 3" and job.message == "step 3 of 3"
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert run_jobs() == 0  # nothing left, nothing run twice


def test_job_tasks_and_periodic_tasks_hooks_declare_the_tasks(app):
    """job_tasks and periodic_tasks of every installed plugin are known to web and workers alike."""
    from core.jobs.queue import queue

    tasks = queue(app).tasks
    assert tasks["jobtest.count"].plugin == "jobtest" and tasks["jobtest.count"].label == "Count"
    assert tasks["jobtest.flaky"].max_attempts == 2
    assert tasks["jobtest.tick"].plugin == "jobtest"  # a periodic task is a job task too
    assert tasks["core.catch_up_events"].plugin == "core"


def test_a_task_named_outside_its_plugin_makes_the_plugin_fail(make_app):
    import types

    from core import PluginManifest, hookimpl
    from core.contrib import JobTask

    rogue = types.ModuleType("rogue_tasks")
    rogue.__file__ = __file__
    rogue.manifest = PluginManifest(name="rogue", label="Rogue")
    rogue.job_tasks = hookimpl(lambda: [JobTask("service.steal", lambda job: None)])
    app = make_app(extra=[rogue])
    registry = app.extensions["rapport"].plugins
    assert "rogue" in registry.failed and "must be named 'rogue.…'" in registry.failed["rogue"]


def test_start_job_refuses_unknown_tasks_and_bad_params(app):
    from core.jobs import JobStartError, start_job

    with app.app_context():
        with pytest.raises(JobStartError, match="no job task named"):
            start_job("jobtest.nope")
        with pytest.raises(JobStartError, match="plain JSON"):
            start_job("jobtest.count", {"n": object()})


def test_failures_keep_technical_details_for_admins(app, run_jobs):
    public = _start(app, "jobtest.fail", {"public": True})
    internal = _start(app, "jobtest.fail")
    run_jobs()
    job = _job(app, public)
    assert job.status == "failed" and job.message == "The file has no header row."
    job = _job(app, internal)
    assert job.status == "failed" and job.message == "The job failed."
    assert "connection refused" in job.error and "connection refused" not in job.message


def test_a_failed_attempt_is_retried_while_attempts_remain(app, run_jobs):
    from core.jobs.queue import queue

    job_id = _start(app, "jobtest.flaky")
    run_jobs()
    job = _job(app, job_id)
    assert job.status == "queued" and job.attempts == 1 and "first attempt fails" in job.error
    assert queue(app).huey.scheduled_count() == 1  # the retry waits a little
    assert run_jobs() == 0
    assert run_jobs(later=60) == 1
    job = _job(app, job_id)
    assert job.status == "done" and job.attempts == 2 and job.result == "second attempt worked"


def test_cancelling_a_queued_job_stops_it_before_it_runs(app, run_jobs):
    from core.db import db
    from core.jobs import cancel_job
    from core.jobs.models import Job

    job_id = _start(app, "jobtest.count", {"n": 3})
    with app.app_context():
        assert cancel_job(db.session.get(Job, job_id)) is True
        db.session.commit()
    run_jobs()
    job = _job(app, job_id)
    assert job.status == "cancelled" and job.attempts == 0 and job.done == 0
    with app.app_context():
        assert cancel_job(db.session.get(Job, job_id)) is False  # finished: nothing to cancel


def test_a_running_job_stops_at_its_next_progress_report(app, run_jobs):
    job_id = _start(app, "jobtest.cancel_midway", {"n": 10})
    run_jobs()
    job = _job(app, job_id)
    assert job.status == "cancelled" and job.done == 4 and job.result == ""  # 4th report saw the request


def test_a_job_of_a_disabled_plugin_fails_with_a_message(app, run_jobs):
    from core.jobs import JobStartError, start_job
    from core.plugin_ops import disable_plugin

    job_id = _start(app, "jobtest.count")
    with app.app_context():
        disable_plugin("jobtest")
        with pytest.raises(JobStartError, match="disabled"):
            start_job("jobtest.count")
    run_jobs()
    job = _job(app, job_id)
    assert job.status == "failed" and "disabled" in job.message


def test_periodic_tasks_start_one_job_per_slot_however_many_schedulers(app):
    """Every worker's scheduler fires the periodic task; the dedupe key lets one job through."""
    from core.db import db
    from core.jobs.models import Job
    from core.jobs.queue import queue
    from core.jobs.runner import start_periodic

    assert "jobtest.tick" in [task.name for _plugin, task in queue(app).periodic]
    with app.app_context():
        start_periodic("jobtest.tick", {"value": "y"})
        start_periodic("jobtest.tick", {"value": "y"})
        jobs = db.session.execute(sa.select(Job).where(Job.kind == "jobtest.tick")).scalars().all()
        assert len(jobs) == 1 and jobs[0].user_id is None and jobs[0].params == {"value": "y"}
        assert jobs[0].dedupe_key.startswith("jobtest.tick@")


def test_periodic_tasks_of_disabled_plugins_are_skipped(app):
    from core.db import db
    from core.jobs.models import Job
    from core.jobs.runner import start_periodic
    from core.plugin_ops import disable_plugin

    with app.app_context():
        disable_plugin("jobtest")
        start_periodic("jobtest.tick", {})
        assert db.session.execute(sa.select(Job.id).where(Job.kind == "jobtest.tick")).first() is None


def test_huey_registers_every_declared_periodic_task(app):
    from core.jobs.queue import queue

    names = {t.__name__ for t in queue(app).huey._registry._periodic_tasks}
    # Installed plugins' schedules are registered whether enabled or not (service is installed, disabled here).
    assert {"periodic:core.purge", "periodic:jobtest.tick", "periodic:jobtest.minutely",
            "periodic:service.schedule_visits", "sweep_every_minute"} <= names


def test_run_soon_calls_an_untracked_task_after_commit_without_a_job_row(app, run_jobs):
    from core.customers.service import create_customer
    from core.db import db
    from core.history.models import Interaction
    from core.jobs import run_soon
    from core.jobs.models import Job

    jobtest_plugin.pings.clear()
    with app.app_context():
        customer_id = create_customer({"name": "Ping Me"}).id
        db.session.commit()
        run_soon("jobtest.ping", {"customer_id": customer_id})
        db.session.rollback()  # rolled back: not queued
    assert _pending(app) == 0
    with app.app_context():
        run_soon("jobtest.ping", {"customer_id": customer_id, "fail_first": True})
        db.session.commit()
    assert _pending(app) == 1
    assert run_jobs() == 1 and jobtest_plugin.pings == [customer_id]  # failed: Huey retries it
    assert run_jobs(later=30) == 1 and jobtest_plugin.pings == [customer_id, customer_id]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(
            Interaction.kind == "jobtest.pinged")).scalar() == 1  # the failed try's work was rolled back
        assert db.session.execute(sa.select(Job.id)).first() is None  # no job rows for background calls


def test_the_same_background_call_asked_twice_in_one_transaction_is_queued_once(app, run_jobs):
    """Ten messages queued in one transaction need one "send the outbox" call, not ten."""
    from core.customers.service import create_customer
    from core.db import db
    from core.jobs import run_soon

    jobtest_plugin.pings.clear()
    with app.app_context():
        first, second = create_customer({"name": "Ένας"}).id, create_customer({"name": "שניים"}).id
        db.session.commit()
        for _ in range(3):
            run_soon("jobtest.ping", {"customer_id": first})
        run_soon("jobtest.ping", {"customer_id": second})  # other params: a call of its own
        run_soon("jobtest.ping", {"customer_id": first}, delay=60)  # later: a call of its own
        db.session.commit()
        run_soon("jobtest.ping", {"customer_id": first})  # a new transaction asks again
        db.session.commit()
    assert run_jobs() == 3 and sorted(jobtest_plugin.pings) == sorted([first, second, first])
    assert run_jobs(later=90) == 1


def test_tracked_and_untracked_tasks_are_started_their_own_way(app):
    from core.jobs import JobStartError, run_soon, start_job

    with app.app_context():
        with pytest.raises(JobStartError, match="use run_soon"):
            start_job("jobtest.ping", {"customer_id": 1})
        with pytest.raises(JobStartError, match="use start_job"):
            run_soon("jobtest.count")


def test_untracked_periodic_tasks_are_called_directly(app, run_jobs):
    """Every-minute work makes no job rows: each firing calls the function in the worker."""
    from core.db import db
    from core.jobs.models import Job
    from core.jobs.queue import queue

    jobtest_plugin.pings.clear()
    huey = queue(app).huey
    minutely = next(t for t in huey._registry._periodic_tasks if t.__name__ == "periodic:jobtest.minutely")
    huey.enqueue(minutely())  # what each worker's scheduler does every minute
    huey.enqueue(minutely())  # ... a second worker's
    assert run_jobs() == 2 and jobtest_plugin.pings == ["m", "m"]
    with app.app_context():
        assert db.session.execute(sa.select(Job.id)).first() is None


def test_sweep_recovers_jobs_whose_worker_stopped(app, run_jobs):
    """A running job without heartbeat for a lease: retried if attempts remain, else failed."""
    from core.db import db, utcnow
    from core.jobs.models import Job
    from core.jobs.runner import sweep

    retried = _start(app, "jobtest.sleepy_retried", {"steps": 1, "delay": 0})
    once = _start(app, "jobtest.sleepy_once", {"steps": 1, "delay": 0})
    fresh = _start(app, "jobtest.sleepy_once", {"steps": 1, "delay": 0})
    with app.app_context():
        lease = app.config["JOBS_LEASE_SECONDS"]
        old = utcnow() - timedelta(seconds=lease + 5)
        for job_id, beat in ((retried, old), (once, old), (fresh, utcnow())):
            db.session.execute(sa.update(Job).where(Job.id == job_id).values(
                status="running", attempts=1, heartbeat_at=beat, started_at=beat, worker="gone:1"))
        db.session.commit()
        result = sweep()
    assert result["requeued"] == 1
    job = _job(app, retried)
    assert job.status == "queued" and "gone:1 stopped" in job.error
    job = _job(app, once)
    assert job.status == "failed" and job.message == "The worker running this job stopped."
    assert _job(app, fresh).status == "running"  # its worker is alive: left alone
    run_jobs()
    job = _job(app, retried)
    assert job.status == "done" and job.attempts == 2


def test_sweep_sends_jobs_whose_queue_message_was_lost(app, run_jobs):
    """The process died between the commit and sending the message: the sweep sends it."""
    from core.db import db, utcnow
    from core.jobs.models import Job
    from core.jobs.queue import queue
    from core.jobs.runner import sweep

    job_id = _start(app, "jobtest.count", {"n": 2})
    queue(app).huey.flush()  # the message is gone
    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(
            enqueued_at=None, created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        assert sweep()["unsent"] == 1
    run_jobs()
    assert _job(app, job_id).status == "done"


def test_a_superseded_attempt_cannot_write_its_outcome(app):
    """A worker presumed dead that wakes up later must not overwrite the attempt that replaced it."""
    from core.db import db
    from core.jobs.models import Job
    from core.jobs.runner import JobContext, JobLost, _end

    job_id = _start(app, "jobtest.count")
    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(status="running", attempts=1))
        db.session.commit()
        stale = JobContext(db.session.get(Job, job_id))
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(attempts=2))  # another worker took over
        db.session.commit()
        with pytest.raises(JobLost):
            stale.progress(1, total=2)
        assert _end(job_id, 1, "done", result="stale") is False
        job = db.session.get(Job, job_id)
        assert (job.status, job.result, job.done) == ("running", "", 0)


# -- the Jobs page and the API ---------------------------------------------------------------------


@pytest.fixture
def two_users(app, make_user):
    make_user("anna@example.com", permissions=["customers.view"])
    make_user("boris@example.com", permissions=["customers.view"])


def test_jobs_page_shows_your_own_jobs_and_admins_see_everyones(app, two_users, run_jobs):
    anna = _start(app, "jobtest.count", {"n": 4}, user_email="anna@example.com")
    boris = _start(app, "jobtest.count", {"n": 4}, user_email="boris@example.com")
    scheduled = _start(app, "jobtest.count", {"n": 4})
    client = login_client(app.test_client(), "anna@example.com")
    page = client.get("/jobs/").get_data(as_text=True)
    assert f'data-job-id="{anna}"' in page and f'data-job-id="{boris}"' not in page
    assert f'data-job-id="{scheduled}"' not in page
    assert "Count" in page and "Queued" in page and 'data-active="true"' in page
    assert "js/jobs.js" in page and "<script>" not in page  # no inline script (CSP)
    assert client.get(f"/jobs/{boris}").status_code == 404
    assert client.get(f"/jobs/{anna}").status_code == 200
    assert client.get("/jobs/?who=all").get_data(as_text=True).count("data-job-id=") == 1  # not an admin

    admin = login_client(app.test_client())
    page = admin.get("/jobs/?who=all").get_data(as_text=True)
    assert all(f'data-job-id="{i}"' in page for i in (anna, boris, scheduled))
    assert "Scheduled" in page  # the job nobody started
    assert admin.get(f"/jobs/{boris}").status_code == 200


def test_status_json_reports_progress_of_visible_jobs_only(app, two_users, run_jobs):
    anna = _start(app, "jobtest.count", {"n": 4}, user_email="anna@example.com")
    boris = _start(app, "jobtest.count", {"n": 4}, user_email="boris@example.com")
    client = login_client(app.test_client(), "anna@example.com")
    data = client.get(f"/jobs/status.json?ids={anna},{boris}").get_json()
    assert [j["id"] for j in data["jobs"]] == [anna]
    assert data["jobs"][0]["status"] == "queued" and data["jobs"][0]["active"] is True
    run_jobs()
    job = client.get(f"/jobs/status.json?ids={anna}").get_json()["jobs"][0]
    assert job["status"] == "done" and job["percent"] == 100 and job["active"] is False
    assert job["progress_text"] == "4 of 4 (100%)" and job["result"] == "counted to 4"
    assert client.get("/jobs/status.json?ids=x").status_code == 400


def test_cancel_button_cancels_your_job_only(app, two_users):
    anna = _start(app, "jobtest.count", user_email="anna@example.com")
    boris = _start(app, "jobtest.count", user_email="boris@example.com")
    client = login_client(app.test_client(), "anna@example.com")
    assert client.post(f"/jobs/{boris}/cancel").status_code == 404
    response = client.post(f"/jobs/{anna}/cancel", follow_redirects=True)
    assert "The job was cancelled." in response.get_data(as_text=True)
    assert _job(app, anna).status == "cancelled" and _job(app, boris).status == "queued"
    response = client.post(f"/jobs/{anna}/cancel", follow_redirects=True)
    assert "The job had already finished." in response.get_data(as_text=True)


def test_jobs_page_in_hebrew_is_translated_and_right_to_left(app, two_users):
    _start(app, "jobtest.count", user_email="anna@example.com")
    client = login_client(app.test_client(), "anna@example.com")
    client.post("/language", data={"lang": "he"})
    page = client.get("/jobs/").get_data(as_text=True)
    assert 'dir="rtl"' in page and "My jobs" not in page and "Queued" not in page


def test_api_job_status_and_cancel(app, two_users, token_for, run_jobs):
    anna = _start(app, "jobtest.count", {"n": 2}, user_email="anna@example.com")
    boris = _start(app, "jobtest.count", {"n": 2}, user_email="boris@example.com")
    headers = token_for("anna@example.com")
    r = app.test_client().get(f"/api/v1/jobs/{anna}", headers=headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "queued" and body["kind"] == "jobtest.count" and body["label"] == "Count"
    assert body["created_at"].endswith("+00:00")
    assert app.test_client().get(f"/api/v1/jobs/{boris}", headers=headers).status_code == 404
    assert app.test_client().get("/api/v1/jobs/99999", headers=headers).status_code == 404
    assert app.test_client().get(f"/api/v1/jobs/{anna}").status_code == 401
    listed = app.test_client().get("/api/v1/jobs", headers=headers).get_json()
    assert [j["id"] for j in listed["items"]] == [anna] and listed["next_cursor"] is None
    assert app.test_client().get("/api/v1/jobs?everyone=true", headers=headers).status_code == 403

    run_jobs()
    body = app.test_client().get(f"/api/v1/jobs/{anna}", headers=headers).get_json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("done", 2, 2, 100)
    r = app.test_client().post(f"/api/v1/jobs/{anna}/cancel", headers=headers)
    assert r.status_code == 409

    admin = token_for()
    everyone = app.test_client().get("/api/v1/jobs?everyone=true&limit=1", headers=admin).get_json()
    assert len(everyone["items"]) == 1 and everyone["next_cursor"]
    second = app.test_client().get(f"/api/v1/jobs?everyone=true&limit=1&cursor={everyone['next_cursor']}",
                                   headers=admin).get_json()
    assert second["items"][0]["id"] < everyone["items"][0]["id"]
    assert app.test_client().get(f"/api/v1/jobs/{boris}", headers=admin).status_code == 200
