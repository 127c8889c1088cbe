"""Marketing with sales (and service): plugin criteria through the ``segment_criteria`` hook,
a disabled plugin's criteria, and conversion attribution from ``sales_order_confirmed``."""
from __future__ import annotations

import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins" / "marketing" / "tests"))
from marketing_testdata import crit, customer, newsletter_template, rules  # noqa: E402

pytestmark = pytest.mark.plugins("marketing", "sales", "service")


def _product(name, sku, price, warranty=0):
    from core.catalog.models import Product

    p = Product(sku=sku, name=name, name_key=name.lower(), unit_price=Decimal(price), warranty_months=warranty)
    db.session.add(p)
    db.session.flush()
    return p.id


def _order(customer_id, product_id, qty="1", confirm=True):
    from plugins.sales.orders import confirm as confirm_order
    from plugins.sales.orders import create_quotation

    order = create_quotation({"customer_id": customer_id, "lines": [{"product_id": product_id, "quantity": qty}]},
                             owner_id=1)
    if confirm:
        confirm_order(order)
    db.session.flush()
    return order


@pytest.fixture
def shop(app):
    with app.app_context():
        laptop, ink = _product("Laptop", "LAP-1", "900.00", 24), _product("Ink", "INK-1", "20.00")
        ids = {"laptop": laptop, "ink": ink,
               "eleni": customer("Ελένη Παππά", "eleni@example.gr", language="el", consent={"email": True}).id,
               "dana": customer("דנה כהן", "dana@example.co.il", language="he", consent={"email": True}).id,
               "lina": customer("Lina Kazlauskienė", "lina@example.lt", language="lt", consent={"email": True}).id}
        _order(ids["eleni"], laptop)
        _order(ids["dana"], ink, qty="3")
        _order(ids["dana"], ink, qty="2")
        _order(ids["lina"], laptop, confirm=False)  # a quotation is not a purchase
        db.session.commit()
    return ids


def _count(app, tree):
    from plugins.marketing.segments import clean_rules, count_rules

    with app.test_request_context():
        return count_rules(db.session, clean_rules(tree))


def test_sales_and_service_criteria_compile_into_the_segment_query(app, shop):
    assert _count(app, rules(crit("sales.bought_product", product=str(shop["laptop"])))) == 1
    assert _count(app, rules(crit("sales.total_spent", min="500"))) == 1  # Eleni: 900; Dana 100
    assert _count(app, rules(crit("sales.order_count", min="2"))) == 1  # Dana: two orders
    assert _count(app, rules(crit("sales.no_order_since", days="30"))) == 1  # Lina never confirmed one
    three = rules(crit("core.consent", channel="email"), crit("core.language", language="el"),
                  crit("sales.bought_product", product=str(shop["laptop"]), days="30"))
    assert _count(app, three) == 1
    # Service registered the laptop as equipment with a 24-month warranty when the order was confirmed.
    assert _count(app, rules(crit("service.owns_model", product=str(shop["laptop"])))) == 1
    assert _count(app, rules(crit("service.warranty_ends_within", days="800"))) == 1
    assert _count(app, rules(crit("service.warranty_ends_within", days="30"))) == 0


def test_a_disabled_plugins_criteria_disappear_and_its_segments_say_so(app, client, login, token_for, shop):
    from core.plugin_ops import disable_plugin, enable_plugin
    from plugins.marketing.criteria import available_criteria
    from plugins.marketing.models import Segment

    with app.test_request_context():
        segment = Segment(name="Laptop buyers", kind="rules",
                          rules=rules(crit("sales.bought_product", product=str(shop["laptop"]))))
        db.session.add(segment)
        db.session.commit()
        sid = segment.id
        assert "sales.total_spent" in available_criteria()
    with app.app_context():
        disable_plugin("service")
        db.session.commit()
    with app.app_context():
        disable_plugin("sales")
        db.session.commit()
    with app.test_request_context():
        keys = set(available_criteria())
        assert "sales.total_spent" not in keys and "service.owns_model" not in keys and "core.tag" in keys
    login()
    page = client.get(f"/marketing/segments/{sid}")
    assert page.status_code == 200
    assert "uses criteria of a plugin that is switched off: sales.bought_product" in page.get_data(as_text=True)
    editor = client.get(f"/marketing/segments/{sid}/edit").get_data(as_text=True)
    assert "Unavailable criterion" in editor and "Total spent at least" not in editor
    r = client.get(f"/api/v1/marketing/segments/{sid}/count", headers=token_for())
    assert r.status_code == 409 and "sales.bought_product" in r.get_json()["message"]
    with app.app_context():
        enable_plugin("sales")
        db.session.commit()
    assert "1 customer matches." in client.get(f"/marketing/segments/{sid}").get_data(as_text=True)


def test_an_order_confirmed_within_the_window_is_attributed_with_its_revenue(app, client, login, run_jobs, shop):
    from core.db import utcnow
    from plugins.marketing.models import Campaign, Recipient, Segment

    with app.app_context():
        newsletter_template()
        segment = Segment(name="All", kind="rules", rules=rules())
        db.session.add(segment)
        db.session.flush()
        campaign = Campaign(name="Laptops", channel="email", segment_id=segment.id,
                            template_key="marketing.test_newsletter", conversion_days=7, owner_id=1)
        db.session.add(campaign)
        db.session.commit()
        cid = campaign.id
    login()
    assert client.post(f"/marketing/campaigns/{cid}/send").status_code == 302
    run_jobs()
    with app.app_context():
        lina = db.session.execute(sa.select(Recipient).where(Recipient.customer_id == shop["lina"])).scalar_one()
        # Dana's message went out ten days ago: outside the seven-day window.
        db.session.execute(sa.update(Recipient).where(Recipient.customer_id == shop["dana"])
                           .values(queued_at=utcnow() - timedelta(days=10)))
        db.session.commit()
        assert lina.status == "queued"
        order = _order(shop["lina"], shop["laptop"])  # Lina buys the laptop after the campaign
        _order(shop["dana"], shop["ink"])
        db.session.commit()
        total, order_id = order.total, order.id
    run_jobs()
    with app.app_context():
        got = {r.customer_id: r for r in db.session.execute(sa.select(Recipient)).scalars()}
        assert got[shop["lina"]].order_id == order_id and got[shop["lina"]].revenue == total
        assert got[shop["dana"]].converted_at is None
        assert got[shop["eleni"]].converted_at is None
    from plugins.marketing.campaigns import stats

    with app.app_context():
        figures = stats(cid)
        assert figures.converted == 1 and figures.revenue == total
    # The event delivered again (a retry) attributes nothing twice.
    from plugins.marketing.tracking import order_confirmed

    with app.app_context():
        order_confirmed({"id": order_id, "customer_id": shop["lina"], "confirmed_at": utcnow().isoformat(),
                         "total": str(total), "currency": "EUR"})
        db.session.commit()
        assert stats(cid).converted == 1
