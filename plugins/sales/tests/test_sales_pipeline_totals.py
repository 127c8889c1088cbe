"""The performance page, the forecast and the dashboard card read totals kept by triggers
(``sales_open_total``, ``sales_close_total``, migration sales_0031; issue 17).

The reference here is the deals themselves, loaded and summed exactly in Python after every few
changes of a seeded random mix of every way a deal changes: creates, stage moves, win, lose,
reopen, edits of amount, probability, close date, currency and owner, bulk UPDATEs, an owner's
deletion (``ON DELETE SET NULL``) and deletions. Then the pages: same numbers as the statements
over ``sales_opportunity`` they replaced, and none of those statements run any more.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import count_queries
from plugins.sales.tests.sales_testdata import seed

pytestmark = pytest.mark.plugins("sales")

TODAY = date(2026, 11, 27)
CENT = Decimal("0.01")
PERIODS = ("2026-09", "2026-10", "2026-11", "2026-12", "2026-Q3", "2026-Q4", "2027-Q1")


def _money(v) -> Decimal:
    return Decimal(v).quantize(CENT, rounding=ROUND_HALF_UP)


def _deals():
    from plugins.sales.models import Opportunity

    return db.session.execute(sa.select(
        Opportunity.owner_id, Opportunity.status, Opportunity.currency, Opportunity.expected_revenue,
        Opportunity.probability, Opportunity.expected_close, Opportunity.created_at, Opportunity.closed_at)).all()


def _performance_by_hand(deals, period, currency, user_ids=None) -> dict:
    """``{owner: (won, lost, won revenue, open value, weighted, days to close)}`` from the deals."""
    start = datetime.combine(period.start, datetime.min.time())
    end = datetime.combine(period.end, datetime.min.time())
    out: dict = {}
    for owner, status, cur, amount, prob, _close, created, closed in deals:
        if owner is None or cur != currency or (user_ids is not None and owner not in user_ids):
            continue
        r = out.setdefault(owner, {"won": 0, "lost": 0, "rev": Decimal(0), "open": Decimal(0), "w": Decimal(0),
                                   "secs": [], "any": False})
        if status in ("won", "lost") and closed is not None and start <= closed < end:
            r["any"] = True
            if status == "won":
                r["won"] += 1
                r["rev"] += Decimal(amount)
                # The kept totals count each deal in whole seconds (half away from zero, as SQL's
                # ROUND does); PostgreSQL keeps microseconds, so count them the same way here.
                r["secs"].append(int(Decimal(str((closed - created).total_seconds())).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP)))
            else:
                r["lost"] += 1
        elif status == "open":
            r["any"] = True
            r["open"] += Decimal(amount)
            r["w"] += Decimal(amount) * prob
    return {k: (v["won"], v["lost"], _money(v["rev"]), _money(v["open"]), _money(v["w"] / 100),
                round(sum(v["secs"]) / len(v["secs"]) / 86400, 4) if v["secs"] else None)
            for k, v in out.items() if v["any"]}


def _performance_kept(period, currency, user_ids=None) -> dict:
    from plugins.sales import stats

    return {r.user_id: (r.won, r.lost, r.won_revenue, r.open_value, r.weighted,
                        round(r.days_to_close, 4) if r.days_to_close is not None else None)
            for r in stats.performance(period, currency, user_ids)}


def _forecast_by_hand(deals, currency, user_ids=None, months=6):
    keys, d = [], TODAY.replace(day=1)
    for _i in range(months):
        keys.append(d.strftime("%Y-%m"))
        d = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    sums = {k: [Decimal(0), Decimal(0)] for k in keys}
    for owner, status, cur, amount, prob, close, _created, _closed in deals:
        if status != "open" or cur != currency or (user_ids is not None and owner not in user_ids):
            continue
        if close is not None and close >= d:
            continue
        key = keys[0] if close is None or close < TODAY.replace(day=1) else close.strftime("%Y-%m")
        sums[key][0] += Decimal(amount)
        sums[key][1] += Decimal(amount) * prob
    return [(k, _money(a), _money(w / 100)) for k, (a, w) in sums.items()]


def _open_by_hand(deals, owner_id):
    sums: dict = {}
    for owner, status, cur, amount, *_rest in deals:
        if owner == owner_id and status == "open":
            n, total = sums.get(cur, (0, Decimal(0)))
            sums[cur] = (n + 1, total + Decimal(amount))
    return [(c, n, _money(t)) for c, (n, t) in sorted(sums.items())]


def _check(owners):
    from plugins.sales import stats

    db.session.flush()
    deals = _deals()
    currencies = sorted({cur for _o, _s, cur, *_rest in deals})
    assert stats.currencies() == currencies
    for key in PERIODS:
        period = stats.parse_period(key)
        for cur in ("EUR", "USD"):
            assert _performance_kept(period, cur) == _performance_by_hand(deals, period, cur), (key, cur)
            assert _performance_kept(period, cur, owners[:1]) == _performance_by_hand(deals, period, cur, owners[:1])
    for cur in ("EUR", "USD", "GBP"):
        assert stats.forecast(cur, today=TODAY) == _forecast_by_hand(deals, cur), cur
        assert stats.forecast(cur, today=TODAY, user_ids=owners[1:]) == _forecast_by_hand(deals, cur, owners[1:]), cur
    for owner in owners:
        assert stats.open_pipeline(owner) == _open_by_hand(deals, owner)


def test_kept_totals_equal_the_deals_after_a_random_mix_of_changes(app, make_user):
    from flask_login import login_user

    from core.auth.models import User
    from plugins.sales.models import LostReason, Opportunity, Stage
    from plugins.sales.pipeline import create_opportunity, mark_lost, mark_won, move_to_stage, reopen, update_opportunity

    sam = make_user("sam@example.com", roles=["Salesperson"])
    ids = seed(app)
    rng = random.Random(20261128)
    with app.test_request_context():
        login_user(db.session.get(User, 1))
        leaving = User(email="leaving@example.com", name="Leaving")
        leaving.set_password("x" * 12)
        db.session.add(leaving)
        db.session.flush()
        owners = [1, sam, leaving.id]
        open_stages = [db.session.get(Stage, i) for i in ids["stages"][:2]]
        reason = db.session.get(LostReason, ids["reason"])
        deals: list = []

        def some_day():
            return TODAY + timedelta(days=rng.randrange(-150, 260))

        def amount():
            # Odd cents and 50 % make half cents in the weighted sums: rounding must happen once.
            return f"{rng.randrange(0, 500000) / 100:.2f}"

        def when():
            return datetime(2026, rng.randrange(7, 13), rng.randrange(1, 29), rng.randrange(24), rng.randrange(60),
                            rng.randrange(60), rng.randrange(1000000))

        def create():
            deals.append(create_opportunity({
                "title": f"Deal {len(deals)}", "customer_id": rng.choice(ids["customers"]),
                "stage_id": rng.choice(open_stages).id, "expected_revenue": amount(),
                "currency": rng.choice(("EUR", "EUR", "USD", "GBP")),
                "probability": rng.choice((None, 0, 10, 33, 50, 75, 100)),
                "expected_close": rng.choice((None, some_day(), some_day()))}))
            deals[-1].owner_id = rng.choice(owners)
            db.session.flush()

        def pick(status=None):
            alive = [d for d in deals if status is None or d.status == status]
            return rng.choice(alive) if alive else None

        def edit():
            opp = pick()
            if opp is None:
                return False
            field = rng.choice(("expected_revenue", "probability", "expected_close", "currency", "owner_id"))
            value = {"expected_revenue": amount, "probability": lambda: rng.randrange(101),
                     "expected_close": lambda: rng.choice((None, some_day())),
                     "currency": lambda: rng.choice(("EUR", "USD")), "owner_id": lambda: rng.choice(owners)}[field]()
            update_opportunity(opp, {field: value})

        def move():
            if (opp := pick("open")) is not None:
                move_to_stage(opp, rng.choice(open_stages))
            return opp is not None

        def win():
            if (opp := pick("open")) is not None:
                mark_won(opp, when=rng.choice((None, when())))
            return opp is not None

        def lose():
            if (opp := pick(rng.choice(("open", "won")))) is not None:
                mark_lost(opp, reason, "price", when=when())
            return opp is not None

        def reopen_one():
            if (opp := pick(rng.choice(("won", "lost")))) is not None:
                reopen(opp)
            return opp is not None

        def bulk():
            chosen = [d.id for d in deals if rng.random() < 0.3]
            values = rng.choice(({"probability": rng.randrange(101)}, {"expected_revenue": Decimal(amount())},
                                 {"currency": "USD"}, {"expected_close": some_day()}, {"created_at": when()},
                                 {"closed_at": when()}))
            if "closed_at" in values:  # closed deals only: an open deal has no closing date
                db.session.execute(sa.update(Opportunity).where(Opportunity.id.in_(chosen),
                                                                Opportunity.status != "open").values(**values))
            else:
                db.session.execute(sa.update(Opportunity).where(Opportunity.id.in_(chosen)).values(**values))
            db.session.expire_all()

        def delete():
            if (opp := pick()) is not None:
                deals.remove(opp)
                db.session.delete(opp)
                db.session.flush()
            return opp is not None

        for _i in range(12):
            create()
        _check(owners)
        actions = [create, create, edit, edit, move, win, lose, reopen_one, reopen_one, bulk, delete]
        done = set()
        for step in range(90):
            action = rng.choice(actions)
            if action() is not False:
                done.add(action.__name__)
            if step % 10 == 9:
                _check(owners)
            if step == 60:
                # The owner leaves: ON DELETE SET NULL moves their deals to "no owner".
                for opp in rng.sample(deals, 4):
                    opp.owner_id = leaving.id
                _check(owners)
                db.session.execute(sa.delete(User).where(User.id == leaving.id))
                db.session.expire_all()
                owners = owners[:2]
                _check(owners)
        _check(owners)
        assert done == {a.__name__ for a in actions}, done  # every kind of change happened at least once
        db.session.rollback()


def test_the_migration_fills_both_tables_from_the_deals_already_there(app):
    """The back-fill (re-run by hand here on emptied tables) gives what the triggers kept."""
    from plugins.sales.migrations.versions.sales_0031_pipeline_totals import backfill
    from plugins.sales.models import CloseTotal, OpenTotal, Opportunity

    ids = seed(app)
    with app.app_context():
        db.session.add_all([Opportunity(
            title=f"Old {i}", customer_id=ids["customers"][0], owner_id=(1, None)[i % 2],
            stage_id=ids["stages"][i % 4], status=("open", "open", "won", "lost")[i % 4],
            expected_revenue=Decimal("10.05") * i, probability=(50, 33, 100, 0)[i % 4], currency=("EUR", "USD")[i % 3 == 0],
            expected_close=(None, date(2026, 12, 3))[i % 2], created_at=datetime(2026, 1, 1, 8, 30),
            closed_at=None if i % 4 < 2 else datetime(2026, 3 + i % 5, 2, 9, 15, 30)) for i in range(20)])
        db.session.flush()

        def kept():
            return (sorted(db.session.execute(sa.select(OpenTotal.owner_key, OpenTotal.currency, OpenTotal.close_month,
                                                        OpenTotal.n, OpenTotal.amount_cents, OpenTotal.weighted_cp)
                                              .where(OpenTotal.n > 0)).all()),
                    sorted(db.session.execute(sa.select(CloseTotal.owner_key, CloseTotal.currency, CloseTotal.status,
                                                        CloseTotal.closed_month, CloseTotal.n, CloseTotal.amount_cents,
                                                        CloseTotal.seconds).where(CloseTotal.n > 0)).all()))

        by_triggers = kept()
        assert by_triggers[0] and by_triggers[1]
        db.session.execute(sa.delete(OpenTotal))
        db.session.execute(sa.delete(CloseTotal))
        for statement in backfill(db.engine.dialect.name):
            db.session.execute(sa.text(statement))
        assert kept() == by_triggers
        db.session.rollback()


def _page_data(app, make_user):
    """Deals with whole amounts (the statements over the table sum floats on SQLite) for the
    admin and Sam, open, won and lost, this quarter and undated."""
    from plugins.sales.models import Opportunity, Target

    sam = make_user("sam@example.com", roles=["Salesperson"])
    ids = seed(app)
    now = datetime.utcnow().replace(microsecond=0)
    with app.app_context():
        for i in range(12):
            status = ("open", "open", "won", "lost")[i % 4]
            db.session.add(Opportunity(
                title=f"Deal {i}", customer_id=ids["customers"][i % 2], owner_id=(1, sam)[i % 2],
                stage_id=ids["stages"][{"open": 0, "won": 2, "lost": 3}[status]], status=status,
                expected_revenue=Decimal(1000 + 250 * i), probability=(20, 60, 100, 0)[i % 4],
                currency=("EUR", "USD")[i % 5 == 0], expected_close=(None, now.date() + timedelta(days=9 * i))[i % 3 > 0],
                created_at=now - timedelta(days=10 + i, hours=i),
                closed_at=None if status == "open" else now - timedelta(hours=1 + i)))
        db.session.add(Target(user_id=sam, period=f"{now.year}-{now.month:02d}", currency="EUR", amount=Decimal(5000)))
        db.session.commit()
    return sam, now


def test_performance_page_and_dashboard_show_the_same_figures_without_reading_the_deals(app, client, login,
                                                                                        make_user):
    """The pages' numbers equal the statements over ``sales_opportunity`` they replaced (kept in
    bench/sales_stats.py), and no statement of those pages sums or groups that table any more."""
    from bench.sales_stats import forecast_live, open_pipeline_live, performance_live
    from plugins.sales import stats

    sam, now = _page_data(app, make_user)
    with app.app_context():
        for key in (f"{now.year}-{now.month:02d}", stats.parse_period(None).key):
            period = stats.parse_period(key)
            for cur in ("EUR", "USD"):
                live, kept = performance_live(period, cur), stats.performance(period, cur)
                assert [(r.user_id, r.name, r.won, r.lost, r.won_revenue, r.open_value, r.weighted, r.target)
                        for r in kept] == [(r.user_id, r.name, r.won, r.lost, r.won_revenue, r.open_value, r.weighted,
                                            r.target) for r in live]
                assert [r.days_to_close for r in kept] == pytest.approx([r.days_to_close for r in live], abs=1e-6)
                assert stats.forecast(cur) == forecast_live(cur, today=stats.local_today())
                assert stats.forecast(cur, user_ids=[sam]) == forecast_live(cur, user_ids=[sam],
                                                                             today=stats.local_today())
        assert stats.open_pipeline(sam) == open_pipeline_live(sam) != []
        assert stats.open_pipeline(1) == open_pipeline_live(1) != []
        rows = stats.performance(stats.parse_period(None), "EUR")
        assert sum(r.won for r in rows) >= 2 and sum(r.lost for r in rows) >= 2

    def aggregates_deals(statements):
        return [s for s in statements if "sales_opportunity" in s
                and any(f in s.lower() for f in ("sum(", "count(", "avg(", "distinct", "group by"))]

    login()
    with count_queries(app) as log:
        r = client.get("/sales/performance?currency=EUR")
    assert r.status_code == 200
    assert not aggregates_deals(log.statements), aggregates_deals(log.statements)
    assert any("sales_open_total" in s for s in log.statements)
    assert any("sales_close_total" in s for s in log.statements)
    with app.app_context():
        for row in stats.performance(stats.parse_period(None), "EUR"):
            assert f"{row.won_revenue:,.2f}".encode() in r.data or not row.won_revenue
    client.post("/logout")
    from core.testing import PASSWORD

    login("sam@example.com", PASSWORD)
    with count_queries(app) as log:
        r = client.get("/")
    assert r.status_code == 200
    assert not aggregates_deals(log.statements), aggregates_deals(log.statements)
    with app.app_context():
        for cur, n, total in open_pipeline_live(sam):
            assert f"{n} open opportunit".encode() in r.data
            assert f"{total:,.2f}".encode() in r.data
