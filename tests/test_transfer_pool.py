"""The check pass in worker processes (core/transfer/pool.py) gives exactly what the
in-process check gives: the same rows saved, the same rejected rows with the same reasons in
the user's language, in-file duplicates found across batches checked by different workers,
nothing half-saved in either mode — on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import os

import pytest
import sqlalchemy as sa

HEADER = ["Κωδικός", "Ονοματεπώνυμο", "Email", "Τηλέφωνο"]


def _rows() -> list[list[str]]:
    rows = []
    for i in range(40):
        rows.append([f"K{i:04d}", f"Πελάτης {i}", f"c{i}@example.gr", f"+30 697 000 {i:04d}"])
    rows[5][2] = "not-an-email"                    # bad in itself
    rows[17][3] = "12"                             # a phone that is no phone
    rows[33][2] = "c2@example.gr"                  # same email as line 4, checked by another worker
    rows[38] = ["K0900", "Ήδη Αποθηκευμένος", "known@example.gr", ""]  # matches a saved customer
    return rows


def _file(tmp_path) -> str:
    path = tmp_path / "pelates.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(_rows())
    return str(path)


@pytest.fixture
def importing(app, tmp_path, monkeypatch):
    """``importing(workers, skip_bad_rows)`` runs the customers import of ``_rows()`` as a Greek
    user (batches of 3 rows) and returns (run state, message, rejected rows, customers saved,
    pids that ran ``check``); the database starts with one saved customer each time."""
    from core.customers.models import Customer
    from core.customers.service import create_customer
    from core.db import db
    from core.transfer import engine, service

    monkeypatch.setattr(engine, "BATCH", 3)
    pids = tmp_path / "pids"
    with app.app_context():
        real = service.importer_for("customers")

    def check(rows, ctx):  # records which process checked, then the real check
        with open(pids, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        real.check(rows, ctx)

    import dataclasses

    importer = dataclasses.replace(real, check=check)
    path = _file(tmp_path)

    def _run(workers: int, skip_bad_rows: bool):
        from flask_babel import force_locale

        pids.write_text("")
        app.config["IMPORT_WORKERS"] = workers
        with app.app_context():
            db.session.execute(sa.delete(Customer))
            db.session.commit()
            create_customer({"name": "Ήδη Αποθηκευμένος", "emails": ["known@example.gr"]})
            db.session.commit()
            with force_locale("el"):
                run = service.create_run(importer, path, "pelates.csv", user_id=None,
                                         options={"language": "el", "skip_bad_rows": skip_bad_rows})
                db.session.commit()
                run = engine.run_import(run, importer)
            rejected_path = engine.stored_path(run, ".rejected.csv")
            with open(rejected_path, encoding="utf-8-sig", newline="") as fh:
                rejected = list(csv.reader(fh))
            names = sorted(db.session.execute(sa.select(Customer.name)).scalars())
            result = (run.state, run.message, rejected, names)
        return result, {int(p) for p in pids.read_text().split()}

    return _run


@pytest.mark.parametrize("skip_bad_rows", [True, False], ids=["skip-bad-rows", "all-or-nothing"])
def test_workers_check_exactly_as_the_importing_process(importing, skip_bad_rows):
    here, here_pids = importing(0, skip_bad_rows)
    pooled, pool_pids = importing(2, skip_bad_rows)
    assert here_pids == {os.getpid()}
    assert pool_pids and os.getpid() not in pool_pids  # the check really ran in the workers
    assert pooled == here

    state, message, rejected, names = pooled
    assert [r[0] for r in rejected[1:]] == ["7", "19", "35"]  # file lines (the header is line 1)
    assert "Η διεύθυνση «not-an-email» δεν είναι έγκυρη" in rejected[1][1]  # the user's language, from a worker
    assert "διπλότυπο μέσα στο αρχείο" in rejected[3][1] and "4" in rejected[3][1]
    assert rejected[3][2:] == ["K0033", "Πελάτης 33", "c2@example.gr", '="+30 697 000 0033"']  # neutralised
    if skip_bad_rows:  # exactly the good rows, the known customer skipped as already saved
        assert state == "done"
        assert len(names) == 40 - 3 - 1 + 1 and "Πελάτης 5" not in names and "Πελάτης 33" not in names
        assert names.count("Ήδη Αποθηκευμένος") == 1
    else:  # one bad row and nothing is saved
        assert state == "refused" and "3" in message
        assert names == ["Ήδη Αποθηκευμένος"]


def test_small_files_and_one_worker_stay_in_process(app):
    from core.transfer.pool import workers_for

    with app.app_context():
        app.config["IMPORT_WORKERS"] = 2
        assert workers_for(None, 2000) == 0
        assert workers_for(7_999, 2000) == 0
        assert workers_for(8_000, 2000) == 2
        app.config["IMPORT_WORKERS"] = 1
        assert workers_for(1_000_000, 2000) == 0
