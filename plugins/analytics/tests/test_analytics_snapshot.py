"""The recomputation job on a small hand-computed data set, through sales' real orders."""
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, customer

AS_OF = date(2026, 6, 30)


def _seed():
    """Three customers whose figures are easy to work out by hand (see the assertions)."""
    ana = customer("Ana Šimkutė")
    for day, amount in ((date(2026, 1, 1), "100.00"), (date(2026, 1, 11), "50.00"), (date(2026, 1, 31), "70.00"),
                        (date(2026, 2, 10), "30.00")):
        buy(ana, day, amount)
    buy(ana, date(2026, 2, 10), "20.00")  # a second order the same day: one purchase day of 50.00
    boris = customer("Βόρις Παππάς")
    buy(boris, date(2026, 6, 1), "10.00")
    dana = customer("דנה לוי")
    buy(dana, date(2026, 3, 1), "40.00")
    buy(dana, date(2026, 4, 30), "60.00")
    buy(dana, date(2026, 7, 5), "999.00")  # after the snapshot date: not counted
    db.session.commit()
    return ana, boris, dana


@pytest.mark.plugins("sales", "analytics")
def test_recompute_writes_hand_computed_figures(app, run_jobs):
    from core.jobs import start_job
    from core.jobs.models import Job
    from plugins.analytics.models import CustomerFigures, latest_snapshot

    with app.app_context():
        ana, boris, dana = _seed()
        job_id = start_job("analytics.recompute", {"as_of": AS_OF.isoformat()}).id
        db.session.commit()
    run_jobs()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "done", job.error
        assert job.result == "3 customers analysed."
        snapshot = latest_snapshot()
        assert snapshot.as_of == AS_OF and snapshot.customers == 3
        rows = {r.customer_id: r for r in db.session.execute(
            sa.select(CustomerFigures).where(CustomerFigures.snapshot_id == snapshot.id)).scalars()}
    a, b, d = rows[ana], rows[boris], rows[dana]
    # Ana: purchase days 1 Jan, 11 Jan, 31 Jan, 10 Feb → intervals 10, 20, 10 days.
    assert (a.purchases, a.frequency, a.recency, a.age) == (4, 3, 40.0, 180.0)
    assert str(a.revenue) == "270.00" and str(a.mean_repeat_value) == "56.67"  # (50 + 70 + 50) / 3
    assert a.interval_median == 10.0
    assert a.interval_cv == pytest.approx(0.3535534, rel=1e-6)  # std(10, 20, 10) / mean = 4.714 / 13.33
    assert a.next_expected == date(2026, 2, 20) and a.overdue_days == 130
    # Boris: one purchase, no interval, nothing expected.
    assert (b.purchases, b.frequency, b.recency, b.age) == (1, 0, 0.0, 29.0)
    assert b.interval_median is None and b.next_expected is None and b.overdue_days is None
    assert b.mean_repeat_value is None
    # Dana: 1 Mar and 30 Apr (60 days); the July order is after the snapshot date.
    assert (d.purchases, d.frequency, d.recency, d.age) == (2, 1, 60.0, 121.0)
    assert str(d.revenue) == "100.00" and d.next_expected == date(2026, 6, 29) and d.overdue_days == 1
    # Quintiles of 3 customers: 1 + floor(5k/3) for k strictly worse → 1, 2, 4.
    # Recency (days since last): Boris 29 best, Dana 61, Ana 140 → R = 4, 2, 1.
    assert (b.r_score, d.r_score, a.r_score) == (4, 2, 1)
    # Frequency: Ana 4, Dana 2, Boris 1 → F = 4, 2, 1. Monetary: 270, 100, 10 → M = 4, 2, 1.
    assert (a.f_score, d.f_score, b.f_score) == (4, 2, 1)
    assert (a.m_score, d.m_score, b.m_score) == (4, 2, 1)
    # Classes from the R × F grid: R1 F4 at risk; R4 F1 promising; R2 F2 hibernating.
    assert (a.rfm_class, b.rfm_class, d.rfm_class) == ("at_risk", "promising", "hibernating")
    # The model is fitted and scores everyone: P(alive) is 1 for a one-time buyer (x = 0).
    assert b.p_alive == 1.0
    assert 0 < a.p_alive < 1 and 0 < d.p_alive < 1


@pytest.mark.plugins("sales", "analytics")
def test_a_new_snapshot_keeps_the_previous_one_only(app):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import CustomerFigures, Snapshot

    with app.app_context():
        _seed()
        for _ in range(3):
            recompute(as_of=AS_OF.isoformat())
        snapshots = db.session.execute(sa.select(Snapshot.id).order_by(Snapshot.id)).scalars().all()
        assert len(snapshots) == 2
        counts = db.session.execute(sa.select(CustomerFigures.snapshot_id, sa.func.count())
                                    .group_by(CustomerFigures.snapshot_id)).all()
        assert sorted(counts) == [(snapshots[0], 3), (snapshots[1], 3)]


@pytest.mark.plugins("sales", "analytics")
def test_no_purchases_gives_an_empty_snapshot(app):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import latest_snapshot

    with app.app_context():
        assert recompute() == "0 customers analysed."
        snapshot = latest_snapshot()
        assert snapshot.customers == 0 and snapshot.bg_r is None


@pytest.mark.plugins("sales", "analytics")
def test_nightly_task_is_scheduled_and_runs_the_same_job(app):
    from plugins.analytics.compute import recompute

    with app.app_context():
        registry = app.extensions["rapport"].plugins
        tasks = {t.name: t for t in registry.contributions("periodic_tasks")}
        nightly = tasks["analytics.nightly"]
        assert nightly.run is recompute and nightly.tracked
        jobs = {t.name: t for t in registry.contributions("job_tasks")}
        assert jobs["analytics.recompute"].run is recompute


@pytest.mark.plugins("sales", "analytics")
def test_cancelled_run_publishes_nothing(app, run_jobs):
    """Cancel while it runs: the half-written snapshot is never shown, the next run removes it."""
    from core.jobs import start_job
    from core.jobs.models import Job
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import CustomerFigures, Snapshot, latest_snapshot

    with app.app_context():
        _seed()
        job_id = start_job("analytics.recompute", {"as_of": AS_OF.isoformat()}).id
        db.session.execute(sa.update(Job).where(Job.id == job_id).values(cancel_requested=True))
        db.session.commit()
    run_jobs()
    with app.app_context():
        assert db.session.get(Job, job_id).status == "cancelled"
        assert latest_snapshot() is None
        assert db.session.execute(sa.select(sa.func.count()).select_from(Snapshot)).scalar() == 1  # unfinished
        recompute(as_of=AS_OF.isoformat())
        assert db.session.execute(sa.select(sa.func.count()).select_from(Snapshot)).scalar() == 1
        assert db.session.execute(sa.select(sa.func.count()).select_from(CustomerFigures)).scalar() == 3
