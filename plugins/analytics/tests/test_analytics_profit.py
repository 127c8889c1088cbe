"""Most profitable customers: revenue − cost of goods − repairs not billed − compensation paid,
on a small data set worked out by hand; the Pareto figures; costs of a disabled plugin left out;
the page for a manager, a salesperson and in Hebrew."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from core.db import db

from analytics_testdata import buy, buy_products, customer, product

AS_OF = date(2026, 6, 30)
SALES = "sales@example.com"
ALL = ("sales", "service", "complaints", "analytics")


def _repair(customer_id, *, terms=None, lines=(), reported=date(2026, 3, 2), finish=True):
    """A finished repair on a unit of the customer; ``terms``: the warranty it is under (None: billable)."""
    from plugins.service import service as svc

    eq = svc.create_equipment(customer_id=customer_id, model_name="Boiler", install_date=date(2025, 1, 1))
    if terms:
        svc.add_warranty(eq, terms=terms, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    req = svc.open_request(equipment_id=eq.id, problem="No hot water", reported_on=reported)
    for kind, price in lines:
        svc.add_line(req, kind=kind, description=kind, unit_price=price)
    if finish:
        svc.transition(req, "diagnosed", diagnosis="Valve")
        svc.transition(req, "done")
    return req


def _compensate(customer_id, amount, when):
    from plugins.complaints.models import RootCause
    from plugins.complaints.workflow import create_complaint, transition

    complaint = create_complaint({"customer_id": customer_id, "title": "Late delivery"})
    db.session.flush()
    cause = db.session.execute(sa.select(RootCause.id).where(RootCause.code == "defect")).scalar_one()
    transition(complaint, "resolve", {"resolution": "Refunded", "root_cause_id": cause,
                                      "compensation_amount": amount}, now=when, ask_rating=False)


def _seed():
    """Five customers; the profit of each is worked out in the comments (as of 30 June 2026)."""
    p1 = product("P1", "Boiler", "100.00", cost="60.00")
    p2 = product("P2", "Valve", "50.00", cost="20.00")
    ids = {}
    # A: 100 − 60 + 50 − 20 = 70, minus compensation 10 = 60. A second compensation resolved
    # after the snapshot date (99) does not count.
    ids["a"] = a = customer("Ana Šimkutė", owner_email=SALES)
    buy_products(a, date(2026, 2, 1), [p1, p2])
    _compensate(a, "10.00", datetime(2026, 5, 1, 9, 0))
    _compensate(a, "99.00", datetime(2026, 7, 10, 9, 0))
    # B: two boilers 200 − 120 = 80, minus a covered repair (part 20 + labour 10) = 50.
    ids["b"] = b = customer("Βόρις Παππάς", owner_email=SALES)
    buy_products(b, date(2026, 1, 10), [p1])
    buy_products(b, date(2026, 4, 10), [p1])
    _repair(b, terms="both", lines=(("part", "20.00"), ("labour", "10.00")))
    # C: a free-text line of 40 with no known cost = 40; a billable repair costs the business nothing,
    # and an unfinished covered one has cost nothing yet.
    ids["c"] = c = customer("דנה לוי")
    buy(c, date(2026, 3, 3), "40.00")
    _repair(c, lines=(("part", "500.00"),))
    _repair(c, terms="both", lines=(("part", "300.00"),), finish=False)
    # D: a valve 50 − 20 = 30, minus a repair under a parts-only warranty: the part (15) is not
    # billed, the labour (25) is → 30 − 15 = 15.
    ids["d"] = d = customer("Jonas Petrauskas")
    buy_products(d, date(2026, 5, 5), [p2])
    _repair(d, terms="parts", lines=(("part", "15.00"), ("labour", "25.00")))
    # E: a valve 30, minus compensation 40 = −10.
    ids["e"] = e = customer("مریم کریمی")
    buy_products(e, date(2026, 5, 6), [p2])
    _compensate(e, "40.00", datetime(2026, 6, 1, 9, 0))
    db.session.commit()
    return ids


def _profits(snapshot_id):
    from plugins.analytics.models import CustomerProfit

    return {r.customer_id: r for r in db.session.execute(
        sa.select(CustomerProfit).where(CustomerProfit.snapshot_id == snapshot_id)).scalars()}


@pytest.mark.plugins(*ALL)
def test_profit_per_customer_and_pareto_by_hand(app, make_user):
    from core.plugin_ops import disable_plugin
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import latest_snapshot

    make_user(SALES, permissions=["analytics.view", "customers.view"])
    with app.app_context():
        ids = _seed()
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        rows = _profits(snapshot.id)
        got = {k: (str(rows[i].revenue), str(rows[i].goods_cost), str(rows[i].other_cost), str(rows[i].profit))
               for k, i in ids.items()}
        assert got == {"a": ("150.00", "80.00", "10.00", "60.00"), "b": ("200.00", "120.00", "30.00", "50.00"),
                       "c": ("40.00", "0.00", "0.00", "40.00"), "d": ("50.00", "20.00", "15.00", "15.00"),
                       "e": ("50.00", "20.00", "40.00", "-10.00")}
        assert rows[ids["c"]].uncosted_lines == 1 and rows[ids["a"]].uncosted_lines == 0
        assert rows[ids["a"]].owner_id is not None and rows[ids["d"]].owner_id is None
        # Total 155. Best first: 60, 50, 40 → 150 ≥ 80 % of 155 (124), and 110 is not: 3 customers.
        assert str(snapshot.profit_total) == "155.00" and snapshot.pareto_customers == 3
        # The top 20 % of 5 customers is 1 customer: 60 / 155.
        assert snapshot.top20_share == pytest.approx(60 / 155)
        summary = snapshot.profit_summary
        assert summary["customers"] == 5 and summary["revenue"] == "490.00" and summary["goods_cost"] == "240.00"
        assert summary["uncosted_lines"] == 1
        assert summary["costs"] == [{"key": "complaints.compensation", "amount": "50.00", "customers": 2},
                                    {"key": "service.unbilled_repairs", "amount": "45.00", "customers": 2}]
        # Cumulative curve ends at the whole profit; every 20 % of customers is one customer here.
        curve = dict((round(c, 2), p) for c, p in summary["curve"])
        assert curve[0.2] == pytest.approx(60 / 155) and curve[0.6] == pytest.approx(150 / 155)
        assert curve[0.8] == pytest.approx(165 / 155) and curve[1.0] == pytest.approx(1.0)
        assert sum(summary["deciles"]) == pytest.approx(1.0)

        # Complaints disabled: compensation is no longer subtracted (A 70, E 30), repairs still are.
        disable_plugin("complaints")
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        rows = _profits(snapshot.id)
        assert {k: str(rows[i].profit) for k, i in ids.items()} == {
            "a": "70.00", "b": "50.00", "c": "40.00", "d": "15.00", "e": "30.00"}
        # Total 205; 70 + 50 + 40 = 160 < 164 (80 %), + 30 = 190: 4 customers.
        assert str(snapshot.profit_total) == "205.00" and snapshot.pareto_customers == 4
        assert [c["key"] for c in snapshot.profit_summary["costs"]] == ["service.unbilled_repairs"]


@pytest.mark.plugins("sales", "analytics")
def test_profit_without_service_and_complaints_is_revenue_minus_goods(app):
    from plugins.analytics.compute import recompute
    from plugins.analytics.models import latest_snapshot
    from plugins.analytics.profit import pareto

    with app.app_context():
        p1 = product("P1", "Boiler", "100.00", cost="60.00")
        p3 = product("P3", "Clearance", "10.00", cost="15.00")  # sold below cost: a loss
        a, b = customer("A"), customer("B")
        buy_products(a, date(2026, 2, 1), [p1])
        buy_products(b, date(2026, 2, 2), [p3])
        db.session.commit()
        recompute(as_of=AS_OF.isoformat())
        snapshot = latest_snapshot()
        rows = _profits(snapshot.id)
        assert (str(rows[a].profit), str(rows[b].profit)) == ("40.00", "-5.00")
        assert snapshot.profit_summary["costs"] == [] and snapshot.pareto_customers == 1
    import numpy as np

    # A total loss has no Pareto share; an exact 80 % counts as reached.
    assert pareto(np.array([-1.0, -2.0]))["pareto_customers"] is None
    assert pareto(np.array([8.0, 1.0, 1.0]))["pareto_customers"] == 1


@pytest.mark.plugins(*ALL)
def test_profit_page_for_manager_salesperson_and_in_hebrew(app, client, login, make_user):
    from plugins.analytics.compute import recompute

    make_user(SALES, permissions=["analytics.view", "customers.view"])
    with app.app_context():
        ids = _seed()
        recompute(as_of=AS_OF.isoformat())
    login()
    html = client.get("/analytics/profit").get_data(as_text=True)
    assert "Jun 30, 2026" in html
    assert "3 customers of 5 (60%) make 80% of the profit." in html
    assert "The most profitable 20% of customers make 39% of the profit." in html
    assert "Repairs not billed" in html and "Compensation paid" in html and "€45.00" in html
    assert "1 order line has no known cost" in html
    assert html.count('<svg') == 2 and "<script" not in html.split('class="chart"')[1].split("</div>")[0]
    # Ranked best first: A (60) before B (50) … E (−10) last.
    order = [html.index(f'data-customer="{ids[k]}"') for k in "abcde"]
    assert order == sorted(order)
    # A salesperson sees their own customers only, and no company-wide Pareto summary.
    login(SALES)
    own = client.get("/analytics/profit").get_data(as_text=True)
    assert "Ana Šimkutė" in own and "Βόρις Παππάς" in own and "דנה לוי" not in own
    assert "js-pareto" not in own
    assert client.get("/analytics/profit?cursor=garbage").status_code == 400
    # Hebrew: translated, numbers and money in Hebrew conventions.
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    he = client.get("/analytics/profit").get_data(as_text=True)
    assert "Most profitable customers" not in he and "Repairs not billed" not in he
    assert "<bdi>مریم کریمی</bdi>" in he


def _panel_profit(html):
    """The profit block of the customer page's analytics panel: (label, amount) pairs as shown."""
    import re

    block = html.split('js-profit">')[1].split("</dl>")[0]
    return [(re.sub(r"<[^>]+>", "", dt).strip(), re.sub(r"<[^>]+>", "", dd).strip())
            for dt, dd in re.findall(r"<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>", block)]


@pytest.mark.plugins(*ALL)
def test_customer_panel_shows_profit_from_the_snapshot(app, client, login, make_user):
    from plugins.analytics.compute import recompute

    make_user(SALES, permissions=["analytics.view", "customers.view"])
    with app.app_context():
        ids = _seed()
        recompute(as_of=AS_OF.isoformat())
    login()
    # A: 150 − 80 − 10 compensation = 60 (see _seed); the other costs name what was counted.
    assert _panel_profit(client.get(f"/customers/{ids['a']}").get_data(as_text=True)) == [
        ("Profit", "€60.00"), ("Revenue", "€150.00"), ("Cost of goods", "-€80.00"),
        ("Compensation paid, Repairs not billed", "-€10.00")]
    # E made a loss: 50 − 20 − 40 = −10.
    assert _panel_profit(client.get(f"/customers/{ids['e']}").get_data(as_text=True))[0] == ("Profit", "-€10.00")
    # C: no other costs row, and the line without a known cost is said.
    c = client.get(f"/customers/{ids['c']}").get_data(as_text=True)
    assert _panel_profit(c) == [("Profit", "€40.00"), ("Revenue", "€40.00"), ("Cost of goods", "€0.00")]
    assert "1 order line has no known cost" in c.split('js-profit">')[1].split("</dl>")[0]
    # The salesperson sees the profit of their own customer, not of another's.
    login(SALES)
    assert _panel_profit(client.get(f"/customers/{ids['b']}").get_data(as_text=True))[0] == ("Profit", "€50.00")
    d = client.get(f"/customers/{ids['d']}").get_data(as_text=True)
    assert "js-profit" not in d and "You see the analytics of your own customers only." in d
    # Hebrew: the labels translated, the money in the language's conventions through the l10n filter.
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    he = _panel_profit(client.get(f"/customers/{ids['a']}").get_data(as_text=True))
    assert [label for label, _amount in he][:3] == ["רווח", "הכנסות", "עלות הסחורה"]
    assert "60.00" in he[0][1] and "€" in he[0][1] and "Compensation paid" not in he[3][0]


@pytest.mark.plugins(*ALL)
def test_analytics_customer_costs_hook_contributions(app):
    """Service and complaints answer analytics' ``analytics_customer_costs`` hook with the documented columns."""
    from plugins.analytics.profit import cost_sources

    with app.app_context():
        sources = cost_sources()
        assert [(plugin, item["key"]) for plugin, item in sources] == [
            ("complaints", "complaints.compensation"), ("service", "service.unbilled_repairs")]
        for _plugin, item in sources:
            assert list(item["query"].selected_columns.keys()) == ["customer_id", "day", "amount", "currency"]


@pytest.mark.plugins("sales", "analytics")
def test_profit_page_needs_the_permission(app, client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/analytics/profit").status_code == 403
