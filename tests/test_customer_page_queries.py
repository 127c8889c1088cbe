"""The customer page with every plugin's tab runs a fixed, small number of statements however
many orders, deals, complaints, campaigns and units the customer has (issue 17).

Each tab loads what it shows and its badge's number together (``count()`` reuses what
``render()`` read), so a plugin costs the page one or two statements, not one per question.
Every added row has its own product, campaign and assignee, so a per-row load cannot hide
behind the session's identity map. Before (2026-11-28): 44 statements with two rows of each,
52 with six (the Complaints tab loaded each assignee and their roles one by one); now 34,
whatever the rows: Sales 7 → 4, Complaints 4 + 2 per assignee → 3, Campaigns 3 → 2,
Equipment 3 → 2 (the rest is the core's page). Later the same day the core's part went
from 22 to 14 statements (one ``UNION ALL`` for the customer's six collections and one for
the duplicate finder's probes, ``core.customers.related``): 26 in all.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.testing import ADMIN_EMAIL, assert_queries_constant

EVERY_PLUGIN = ("sales", "service", "marketing", "complaints", "analytics")


def _add_activity(app, make_user, customer_id: int, n: int, *, start: int = 0) -> None:
    """``n`` of each: a confirmed order and an open quotation, an open deal, an open complaint
    assigned to an agent of its own, a queued campaign mail and a unit of equipment."""
    from core.auth.models import User
    from core.catalog.models import Product
    from core.db import db
    from core.text import fold
    from plugins.complaints.workflow import create_complaint
    from plugins.marketing.models import Campaign, Recipient
    from plugins.sales.models import Stage
    from plugins.sales.orders import confirm, create_quotation
    from plugins.sales.pipeline import create_opportunity
    from plugins.service import service as svc

    for i in range(start, start + n):
        make_user(f"agent{i}@example.com", roles=["Complaints agent"])
    with app.app_context():
        admin = db.session.execute(sa.select(User.id).where(User.email == ADMIN_EMAIL)).scalar_one()
        stage = db.session.execute(sa.select(Stage.id).where(Stage.is_won.is_(False), Stage.is_lost.is_(False))
                                   .order_by(Stage.position).limit(1)).scalar_one()
        for i in range(start, start + n):
            name = f"Πλυντήριο M{i:03d}"
            product = Product(sku=f"M-{i:03d}", name=name, name_key=fold(name), unit_price=Decimal("300"),
                              warranty_months=24)
            db.session.add(product)
            db.session.flush()
            confirm(create_quotation({"customer_id": customer_id, "lines": [
                {"product_id": product.id, "quantity": "2"}]}, owner_id=admin))
            create_quotation({"customer_id": customer_id, "lines": [{"product_id": product.id, "quantity": "1"}]},
                             owner_id=admin)
            create_opportunity({"title": f"Deal {i}", "customer_id": customer_id, "stage_id": stage,
                                "expected_revenue": Decimal(100 + i), "currency": "EUR"})
            complaint = create_complaint({"customer_id": customer_id, "title": f"Complaint {i}"}, channel="staff")
            complaint.assignee_id = db.session.execute(
                sa.select(User.id).where(User.email == f"agent{i}@example.com")).scalar_one()
            campaign = Campaign(name=f"Campaign {i}", template_key="marketing.campaign", owner_id=admin)
            db.session.add(campaign)
            db.session.flush()
            db.session.add(Recipient(campaign_id=campaign.id, customer_id=customer_id, status="queued"))
            svc.create_equipment(customer_id=customer_id, product_id=product.id, serial=f"SN{i:05d}")
        db.session.commit()


@pytest.mark.plugins(*EVERY_PLUGIN)
def test_customer_page_with_every_tab_has_a_fixed_query_count(app, client, login, make_user, query_counter):
    from core.customers.service import create_customer
    from core.db import db

    login()
    with app.app_context():
        cid = create_customer({"name": "Ακμή Α.Ε.", "kind": "company"}).id
        db.session.commit()
    _add_activity(app, make_user, cid, 2)
    assert_queries_constant(query_counter, lambda: client.get(f"/customers/{cid}"),
                            lambda: _add_activity(app, make_user, cid, 4, start=2), limit=26)
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    for text in ("Deal 5", "Complaint 5", "Campaign 5", "SN00005", "Πλυντήριο M005"):
        assert text in page, text
