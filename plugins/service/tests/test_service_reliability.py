"""Reliability figures on a small hand-made dataset whose answers are worked out by hand."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from .conftest import MANAGER_EMAIL, login
from core.l10n import local_today

AS_OF = date(2026, 1, 1)


def _build(app, ids):
    """Model A (washer): 2 units in use for exactly 365 and 730 days; 3 failures.

    Unit A1 installed 2025-01-01 (365 days), warranty 2025-01-01..2026-12-31 (both).
    Unit A2 installed 2024-01-02 (730 days), warranty parts-only 2024-01-02..2024-12-31.
    Failures: A1 on 2025-06-01 (covered; part 100 + labour 50 → cost 150),
              A2 on 2024-06-01 (partly: parts; part 40 + labour 60 → cost 40),
              A2 on 2025-06-01 (billable; part 30 → cost 0), plus one cancelled request (ignored).
    Exposure 1095 days = 2.998 years; 3 failures → 100.1 per 100 units per year; MTBF 365 days;
    within warranty 2 of 3 = 66.7 %; warranty cost 190.00.
    Model "Old boiler" (free text): 1 unit retired after 100 days, no failures.
    """
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import Equipment, ServiceRequest

    def eq(serial, installed, product=ids["washer"], **kw):
        e = Equipment(customer_id=ids["customer"], product_id=product, serial=serial, install_date=installed,
                      model_name=kw.pop("model_name", ""), created_at=datetime(2020, 1, 1), **kw)
        db.session.add(e)
        db.session.flush()
        return e

    with app.app_context():
        a1, a2 = eq("A1", date(2025, 1, 1)), eq("A2", date(2024, 1, 2))
        eq(None, date(2025, 1, 1), product=None, model_name="Old boiler", status="retired",
           retired_on=date(2025, 4, 11))
        eq("FUTURE", date(2026, 6, 1))  # not installed yet on AS_OF
        svc.add_warranty(a1, start_date=date(2025, 1, 1), end_date=date(2026, 12, 31), terms="both")
        svc.add_warranty(a2, start_date=date(2024, 1, 2), end_date=date(2024, 12, 31), terms="parts")
        for unit, day, category, lines in ((a1, date(2025, 6, 1), "noise", [("part", "100"), ("labour", "50")]),
                                           (a2, date(2024, 6, 1), "leak", [("part", "40"), ("labour", "60")]),
                                           (a2, date(2025, 6, 1), "leak", [("part", "30")])):
            req = svc.open_request(equipment_id=unit.id, problem="x", reported_on=day, problem_category=category)
            for kind, price in lines:
                svc.add_line(req, kind=kind, description=kind, quantity=1, unit_price=Decimal(price))
        cancelled = svc.open_request(equipment_id=a1.id, problem="mistake", reported_on=date(2025, 7, 1))
        cancelled.status = "cancelled"
        db.session.commit()


def test_figures_match_hand_computed_answers(svc_app, ids):
    from plugins.service.reliability import age_distribution, model_figures

    _build(svc_app, ids)
    with svc_app.app_context():
        figures = {f.label: f for f in model_figures(AS_OF)}
        ages = dict(age_distribution(AS_OF))
    a = figures["Washer WM-1"]
    assert (a.units, a.installed, a.exposure_days, a.failures) == (3, 2, 1095, 3)
    assert a.repairs_per_100_per_year == 100.1
    assert a.mtbf_days == 365
    assert a.within_warranty_share == 66.7
    assert a.warranty_cost == Decimal("190.00")
    assert a.top_problems() == [("leak", 2), ("noise", 1)]
    b = figures["Old boiler"]
    assert (b.units, b.installed, b.exposure_days, b.failures) == (1, 0, 100, 0)
    assert b.repairs_per_100_per_year == 0.0 and b.mtbf_days is None and b.within_warranty_share is None
    # In service on AS_OF, in completed years: A1 exactly 1, A2 one day short of 2; the future unit is not counted.
    assert ages == {"< 1": 0, "1–2": 2, "2–3": 0, "3–5": 0, "5+": 0}
    assert list(figures) == ["Washer WM-1", "Old boiler"]  # worst first


def test_reliability_page_and_widget_show_the_same_numbers(svc_app, svc_client, ids):
    _build(svc_app, ids)
    c = login(svc_client, MANAGER_EMAIL)
    page = c.get("/service/reliability").get_data(as_text=True)
    assert "<svg" in page and "Washer WM-1" in page and "190.00" in page
    dash = c.get("/").get_data(as_text=True)
    assert "Service: reliability and workload" in dash and "Washer WM-1" in dash


def test_pages_read_the_snapshot_until_the_job_refreshes_it(svc_app, svc_client, ids):
    """A view does not regroup every unit and request: the page and the dashboard card show the
    snapshot with its time, and new failures appear once the periodic job has run (issue 17)."""
    from core.db import db
    from plugins.service import service as svc
    from plugins.service.models import ReliabilitySnapshot
    from plugins.service.reliability import refresh_job, snapshot

    _build(svc_app, ids)
    c = login(svc_client, MANAGER_EMAIL)
    page = c.get("/service/reliability").get_data(as_text=True)
    assert "Figures as of" in page
    with svc_app.app_context():
        before = {m.label: m.failures for m in snapshot().figures}
        eq = svc.create_equipment(customer_id=ids["customer"], product_id=ids["washer"], serial="NEW-1",
                                  install_date=date(2025, 1, 1))
        db.session.flush()
        svc.open_request(equipment_id=eq.id, problem="Δεν στύβει", reported_on=local_today())
        db.session.commit()
        assert {m.label: m.failures for m in snapshot().figures} == before  # still the old snapshot
    dash = c.get("/").get_data(as_text=True)
    assert "as of" in dash
    from core.jobs.queue import queue

    assert queue(svc_app).tasks["service.refresh_reliability"].plugin == "service"  # the workers' schedule has it
    with svc_app.app_context():
        refresh_job()
        after = {m.label: m.failures for m in snapshot().figures}
        assert after["Washer WM-1"] == before["Washer WM-1"] + 1
        assert db.session.execute(sa.select(sa.func.count(ReliabilitySnapshot.id))).scalar() == 1
