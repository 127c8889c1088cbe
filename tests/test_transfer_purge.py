"""Old uploaded files and rejected rows are deleted by the nightly purge, recent ones are kept.

Uploads are copies of customer data: they must not stay in the import folder for ever.
"""
from __future__ import annotations

import os
from datetime import timedelta

import sqlalchemy as sa

from core.testing import login_client

GOOD = "Name,Email\r\nΓιώργος Παπαδόπουλος,giorgos@example.gr\r\n".encode()
BAD = "Name,Email\r\nRūta,not-an-email\r\n".encode()


def _import(app, tmp_path, data: bytes, name: str, *args) -> int:
    from core.db import db
    from core.transfer.models import ImportRun

    path = tmp_path / name
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", "customers", str(path), *args])
    with app.app_context():
        return db.session.execute(sa.select(sa.func.max(ImportRun.id))).scalar()


def _age(app, run_id: int, days: int) -> None:
    """Make a run look ``days`` old (created and finished then)."""
    from core.db import db, utcnow
    from core.transfer.models import ImportRun

    when = utcnow() - timedelta(days=days)
    with app.app_context():
        db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(created_at=when,
                                                                                    finished_at=when))
        db.session.commit()


def _files(app) -> set[str]:
    from core.transfer.engine import import_dir

    with app.app_context():
        return set(os.listdir(import_dir()))


def _stored(app, run_id: int) -> str:
    from core.db import db
    from core.transfer.models import ImportRun

    with app.app_context():
        return db.session.get(ImportRun, run_id).stored_name


def test_the_purge_deletes_old_uploads_and_rejected_rows_and_keeps_recent_ones(app, tmp_path, run_jobs):
    from core.db import db, utcnow
    from core.jobs.runner import start_periodic
    from core.transfer.models import RUNNING, ImportRun

    old_done = _import(app, tmp_path, GOOD, "old.csv")
    old_refused = _import(app, tmp_path, BAD, "old-bad.csv")
    recent_refused = _import(app, tmp_path, BAD, "recent-bad.csv")
    with app.app_context():  # uploaded long ago, never started: its mapping page was abandoned
        from core.transfer.service import create_run, importer_for

        path = tmp_path / "abandoned.csv"
        path.write_bytes(GOOD)
        abandoned = create_run(importer_for("customers"), str(path), "abandoned.csv", user_id=None).id
        running = create_run(importer_for("customers"), str(path), "running.csv", user_id=None)
        running.state = RUNNING
        running_id = running.id
        db.session.commit()
    for run_id in (old_done, old_refused, abandoned, running_id):
        _age(app, run_id, 91)
    _age(app, recent_refused, 89)
    stored = {run_id: _stored(app, run_id) for run_id in (old_done, old_refused, recent_refused, abandoned, running_id)}
    before = _files(app)
    assert {stored[old_refused], stored[old_refused] + ".rejected.csv", stored[recent_refused] + ".rejected.csv",
            stored[abandoned], stored[running_id]} <= before
    # A file a killed worker left behind, named by no run: old, and fresh.
    with app.app_context():
        from core.transfer.engine import import_dir

        stray_old = os.path.join(import_dir(), "ab" * 16 + ".spool")
        stray_new = os.path.join(import_dir(), "cd" * 16)
        other = os.path.join(import_dir(), "README.txt")  # not a name the import folder writes
        for p in (stray_old, stray_new, other):
            with open(p, "w") as fh:
                fh.write("x")
        old_time = (utcnow() - timedelta(days=91)).timestamp()
        for p in (stray_old, other):
            os.utime(p, (old_time, old_time))

    with app.app_context():  # the nightly job, as the scheduler starts it and a worker runs it
        start_periodic("core.purge", {})
    run_jobs()

    after = _files(app)
    for run_id in (old_done, old_refused, abandoned):
        assert not any(name.startswith(stored[run_id]) for name in after), run_id
    assert {stored[recent_refused], stored[recent_refused] + ".rejected.csv", stored[running_id]} <= after
    assert "ab" * 16 + ".spool" not in after
    assert {"cd" * 16, "README.txt"} <= after
    with app.app_context():
        left = set(db.session.execute(sa.select(ImportRun.id)).scalars())
        from core.jobs.models import Job

        job = db.session.execute(sa.select(Job).where(Job.kind == "core.purge")).scalar()
    assert left == {recent_refused, running_id}
    assert "3 old imports" in job.result, job.result


def test_a_purged_import_is_gone_from_its_pages_but_stays_in_the_audit_log(app, client, make_user, tmp_path):
    from core.audit.models import AuditEntry
    from core.db import db
    from core.transfer.purge import purge_imports

    user_id = make_user("importer@example.com", permissions=["customers.import", "customers.view"])
    login_client(client, "importer@example.com")
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD + "Άννα,anna@example.gr\r\n".encode())
    with app.app_context():
        from core.transfer.engine import run_import
        from core.transfer.service import create_run, importer_for

        importer = importer_for("customers")
        run = create_run(importer, str(path), "bad.csv", user_id=user_id, options={"skip_bad_rows": True})
        db.session.commit()
        run_id = run_import(run, importer).id
    assert client.get(f"/transfer/imports/{run_id}/rejected.csv").status_code == 200
    _age(app, run_id, 120)
    with app.app_context():
        assert purge_imports() == 1
    assert client.get(f"/transfer/imports/{run_id}").status_code == 404
    assert client.get(f"/transfer/imports/{run_id}/rejected.csv").status_code == 404
    assert "bad.csv" not in client.get("/transfer/").get_data(as_text=True)
    with app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.record_type == "import")).scalar()
        assert entry.record_label == "bad.csv" and entry.detail["created"] == 1


def test_the_retention_is_its_own_setting(make_app, tmp_path):
    from core.db import db
    from core.transfer.purge import purge_imports

    app = make_app(IMPORT_RETENTION_DAYS=7)
    run_id = _import(app, tmp_path, GOOD, "week.csv")
    _age(app, run_id, 8)
    with app.app_context():
        assert purge_imports() == 1
        assert purge_imports() == 0  # nothing left to do; idempotent
        from core.transfer.models import ImportRun

        assert db.session.get(ImportRun, run_id) is None
