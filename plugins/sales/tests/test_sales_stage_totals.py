"""The kanban's column headers come from totals kept by triggers, and its columns load a
page at a time with "Load more" (issue 17)."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import html as htmllib
import re

from core.db import db
from core.testing import PASSWORD, count_queries
from sales_testdata import seed

pytestmark = pytest.mark.plugins("sales")


def _uid(email):
    from core.auth.models import User

    return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def _recount(owner_id=None) -> dict:
    """What the headers must say: the deals summed straight from the table."""
    from plugins.sales.models import Opportunity

    stmt = (sa.select(Opportunity.stage_id, Opportunity.currency, sa.func.count(), sa.func.sum(Opportunity.expected_revenue))
            .group_by(Opportunity.stage_id, Opportunity.currency))
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    out: dict = {}
    for stage_id, currency, n, total in db.session.execute(stmt):
        out.setdefault(stage_id, []).append((currency, n, Decimal(str(total)).quantize(Decimal("0.01"))))
    return {k: sorted(v) for k, v in out.items()}


def _kept(owner_id=None) -> dict:
    from plugins.sales import kanban

    return {k: sorted(v) for k, v in kanban.totals(owner_id).items()}


def test_the_kept_totals_follow_every_kind_of_change(app, make_user):
    """Create, edit amount/currency/owner, move, win (a bulk UPDATE), lose, reopen, delete, and an
    owner's row cleared by SQL: after each, the kept totals equal a fresh sum of the table,
    for everyone and per salesperson."""
    from flask_login import login_user

    from core.auth.models import User
    from plugins.sales.models import LostReason, Opportunity, Stage
    from plugins.sales.pipeline import create_opportunity, mark_lost, mark_won, move_to_stage, reopen, update_opportunity

    make_user("sam@example.com", roles=["Salesperson"])
    ids = seed(app)
    with app.test_request_context():
        login_user(db.session.get(User, 1))
        sam = _uid("sam@example.com")

        def check():
            db.session.flush()
            assert _kept() == _recount()
            for owner in (1, sam):
                assert _kept(owner) == _recount(owner)

        lead, proposal = (db.session.get(Stage, i) for i in ids["stages"][:2])
        deals = [create_opportunity({"title": f"D{i}", "customer_id": ids["customers"][i % 2], "stage_id": lead.id,
                                     "expected_revenue": f"{i}0.10", "currency": ("EUR", "USD")[i % 2]})
                 for i in range(1, 7)]
        check()
        update_opportunity(deals[0], {"expected_revenue": "1234567.89"})
        update_opportunity(deals[1], {"currency": "USD"})
        update_opportunity(deals[2], {"owner_id": sam})
        check()
        move_to_stage(deals[3], proposal)
        move_to_stage(deals[2], proposal)
        check()
        mark_won(deals[3])
        mark_lost(deals[4], db.session.get(LostReason, ids["reason"]), "too dear")
        check()
        reopen(deals[4])
        check()
        db.session.delete(deals[5])
        db.session.execute(sa.update(Opportunity).where(Opportunity.id == deals[0].id).values(owner_id=None))
        check()
        # Lead keeps D1 (1,234,567.89, no owner now), D2 (now in USD) and D5 (lost, then reopened).
        assert _kept()[lead.id] == [("USD", 3, Decimal("1234638.09"))]
        db.session.rollback()


def test_existing_deals_are_counted_when_the_table_is_created(app):
    """The migration fills the table from the deals already there (here: re-run by hand)."""
    from plugins.sales.migrations.versions.sales_0020_stage_totals import BACKFILL
    from plugins.sales.models import Opportunity, StageTotal

    ids = seed(app)
    with app.app_context():
        db.session.add_all([Opportunity(title=f"Old {i}", customer_id=ids["customers"][0], owner_id=1,
                                        stage_id=ids["stages"][i % 2], expected_revenue=Decimal("0.1") * i)
                            for i in range(5)])
        db.session.flush()
        expected = _recount()
        db.session.execute(sa.delete(StageTotal))
        db.session.execute(sa.text(BACKFILL))
        assert _kept() == expected
        db.session.rollback()


def _add(app, n, stage_id, owner_email="admin@example.com", start=0):
    from plugins.sales.models import Opportunity

    with app.app_context():
        owner = _uid(owner_email)
        base = datetime(2026, 11, 1)
        db.session.add_all([Opportunity(title=f"Card {i:02d}", owner_id=owner, prospect_name="P", stage_id=stage_id,
                                        expected_revenue=Decimal(10), updated_at=base + timedelta(minutes=i % 7))
                            for i in range(start, start + n)])
        db.session.commit()


def _column(page: bytes, stage_id: int) -> str:
    """The HTML of one kanban column (``<section class="kanban-col" data-stage-id=…>``)."""
    text = page.decode()
    start = text.index(f'data-stage-id="{stage_id}"')
    return text[start:text.index("</section>", start)]


def _titles(fragment: str) -> list[str]:
    return re.findall(r'<li class="kanban-card[^>]*>\s*<div[^>]*>\s*<a[^>]*><bdi>([^<]*)</bdi>', fragment)


def _more(fragment: str) -> str | None:
    found = re.search(r'<a class="kanban-more[^"]*" href="([^"]+)"', fragment)
    return htmllib.unescape(found.group(1)) if found else None


def test_a_column_shows_one_page_and_load_more_pages_through_the_rest(app, client, login, make_user):
    """30 deals in Lead (several with the same ``updated_at``): the board shows 25 and a link;
    the link's page (what a browser without JavaScript opens) shows the other 5 and no link;
    together every deal once, newest first. Headers count all 30 without summing the stage."""
    make_user("sam@example.com", roles=["Salesperson"])
    ids = seed(app)
    lead = ids["stages"][0]
    _add(app, 30, lead)
    _add(app, 4, lead, "sam@example.com", start=30)
    login()
    with count_queries(app) as log:
        r = client.get("/sales/")
    assert r.status_code == 200
    assert not [s for s in log.statements if "sales_opportunity" in s and "sum(" in s.lower()], log
    col = _column(r.data, lead)
    first = _titles(col)
    assert len(first) == 25
    assert "34 ·" in col
    more = _more(col)
    r2 = client.get(more)
    assert r2.status_code == 200
    page = _column(r2.data, lead)
    rest = _titles(page)
    assert len(rest) == 9 and _more(page) is None
    assert b"Back to the pipeline" in r2.data
    assert sorted(first + rest) == [f"Card {i:02d}" for i in range(34)]
    assert client.get(more[:-3] + "xyz").status_code == 400
    assert client.get("/sales/stages/999999/cards").status_code == 404

    # Sam sees only his own 4, in the cards and in the header; the manager's cursor gives him
    # nothing of others' either.
    client.post("/logout")
    login("sam@example.com", PASSWORD)
    col = _column(client.get("/sales/").data, lead)
    assert sorted(_titles(col)) == [f"Card {i}" for i in range(30, 34)]
    assert "4 ·" in col and _more(col) is None
    assert _titles(_column(client.get(more).data, lead)) == []
