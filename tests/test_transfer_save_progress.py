"""The progress bar during an import's save pass, seen from another connection (the page's).

The save pass is one transaction (nothing half-saved). On PostgreSQL the job writes its
progress on a second connection while that transaction is open, so the page sees the bar
move (and a *Cancel* still rolls everything back); on SQLite a second connection cannot
write while the import holds the write lock, so the page says the rows are being saved in
one go. Each test asserts what the database it runs on does.
"""
from __future__ import annotations

import dataclasses
import io
import re

import pytest
import sqlalchemy as sa

from core.testing import login_client

ROWS = [("Ελένη Παπαδοπούλου", "eleni@example.gr"), ("Rūta Kazlauskienė", "ruta@example.lt"),
        ("דוד כהן", "david@example.co.il"), ("مریم رضایی", "maryam@example.ir"), ("Anna Smith", "anna@example.com")]


def _file() -> bytes:
    return ("Name,Email\r\n" + "".join(f"{n},{e}\r\n" for n, e in ROWS)).encode()


@pytest.fixture
def watched(app, client, monkeypatch):
    """Start an import of ROWS (2 rows a batch) whose every ``save`` is followed by a look
    from another connection: the job's bar, and how many customers that connection sees."""
    from core.transfer import engine, service

    monkeypatch.setattr(engine, "BATCH", 2)
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    seen: list[tuple] = []
    state = {"cancel_after": None}
    real = service.importer_for

    def importer_for(kind):
        importer = real(kind)

        def save(rows, ctx):
            importer.save(rows, ctx)
            with other.begin() as conn:
                job = conn.execute(sa.text("SELECT j.id, j.done, j.total, j.message FROM core_job j "
                                           "JOIN core_import i ON i.job_id = j.id WHERE i.id = :i"),
                                   {"i": ctx.import_id}).one()
                customers = conn.execute(sa.text("SELECT count(*) FROM core_customer")).scalar()
                seen.append((job.done, job.total, job.message, customers))
            if state["cancel_after"] == len(seen):  # the user presses Cancel on the Jobs page
                with app.app_context():  # the web request's own session and connection, not the job's
                    page = client.post(f"/jobs/{job.id}/cancel", follow_redirects=True)
                    state["cancel"] = (page.status_code, page.get_data(as_text=True))

        return dataclasses.replace(importer, save=save) if kind == "customers" else importer

    monkeypatch.setattr(service, "importer_for", importer_for)
    login_client(client)
    response = client.post("/transfer/import/customers", data={"file": (io.BytesIO(_file()), "c.csv")},
                           content_type="multipart/form-data")
    import_id = int(re.search(r"/imports/(\d+)/", response.headers["Location"]).group(1))
    client.post(f"/transfer/imports/{import_id}/start")
    yield import_id, seen, state
    other.dispose()


def _dialect(app) -> str:
    return sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()


def test_the_bar_moves_while_rows_are_saved_on_postgresql_and_says_so_on_sqlite(app, client, run_jobs, watched):
    import_id, seen, _state = watched
    run_jobs()
    if _dialect(app) == "postgresql":
        assert seen == [(0, 5, "Saving: 0 of 5 rows…", 0), (2, 5, "Saving: 2 of 5 rows…", 0),
                        (4, 5, "Saving: 4 of 5 rows…", 0)]
    else:
        message = "Saving 5 rows in one go: the bar moves again when all of them are saved."
        assert seen == [(0, 5, message, 0)] * 3
    # Nobody saw a customer before the commit; then all of them, and the bar is full.
    page = client.get(f"/transfer/imports/{import_id}").get_data(as_text=True)
    assert "Created: 5" in page
    from core.db import db
    from core.transfer.models import ImportRun

    with app.app_context():
        run = db.session.get(ImportRun, import_id)
        assert (run.state, run.created, run.job.status, run.job.done, run.job.total) == ("done", 5, "done", 5, 5)


def test_cancel_during_the_save_rolls_back_on_postgresql_and_asks_to_retry_on_sqlite(app, client, run_jobs, watched):
    from core.customers.models import Customer
    from core.db import db
    from core.transfer.models import ImportRun

    import_id, seen, state = watched
    state["cancel_after"] = 1  # pressed after the first two rows were written (not committed)
    run_jobs()
    with app.app_context():
        run = db.session.get(ImportRun, import_id)
        customers = db.session.execute(sa.select(sa.func.count()).select_from(Customer)).scalar()
        status, page = state["cancel"]
        assert status == 200
        if _dialect(app) == "postgresql":
            assert "The job was asked to stop; it stops at its next step." in page and len(seen) == 1
            assert (run.state, run.message, run.job.status) == ("failed", "Cancelled before anything was saved.",
                                                                 "cancelled")
            assert customers == 0
        else:  # SQLite: the import holds the write lock; the user is told to try again, the import goes on
            assert "The job is saving; try again in a few seconds." in page
            assert f'action="/jobs/{run.job_id}/cancel"' in page  # the page stays usable: Cancel is still there
            assert len(seen) == 3
            assert (run.state, run.created, customers, run.job.cancel_requested) == ("done", 5, 5, False)
        job_id = run.job_id
    # Once the job ended, another press is answered plainly.
    page = client.post(f"/jobs/{job_id}/cancel", follow_redirects=True).get_data(as_text=True)
    assert "The job had already finished." in page
