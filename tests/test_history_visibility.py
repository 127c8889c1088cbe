"""Issue 16, findings 7 and 8: the contact history and follow-ups obey the visibility of
the records they belong to.

Before: the customer's timeline showed order numbers, totals and opportunity titles to
users who get a 404 for the order or opportunity itself (read-only users, technicians,
other salespeople), and anyone with ``history.log`` could mark any follow-up done or
undone by id — the flash even showed its summary.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD
from core.l10n import local_today

pytestmark = pytest.mark.plugins("sales", "service")


def _uid(app, email):
    from core.auth.models import User

    with app.app_context():
        return db.session.execute(sa.select(User.id).where(User.email == email)).scalar_one()


@pytest.fixture
def world(app, make_user, token_for, client):
    """Tia (salesperson) has a deal, a follow-up and a confirmed order on Zoë; Tech has a
    repair on Zoë's washer. Everyone else looks at Zoë's page."""
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from plugins.sales.models import Stage

    for email, roles in (("tia@example.com", ["Staff", "Salesperson"]), ("sam@example.com", ["Staff", "Salesperson"]),
                         ("max@example.com", ["Sales manager"]), ("reader@example.com", ["Read only"]),
                         ("tech@example.com", ["Technician"]), ("tech2@example.com", ["Technician"]),
                         ("clerk@example.com", ["Staff"])):
        make_user(email, roles=roles)
    with app.app_context():
        zoe = create_customer({"name": "Zoë Papadopoulou"})
        db.session.add_all([Stage(name="Lead", position=10, probability=10),
                            Stage(name="Won", position=90, probability=100, is_won=True)])
        washer = Product(sku="WM-1", name="Washer WM-1", name_key="washer wm-1", unit_price=Decimal("650.00"),
                         warranty_months=24)
        db.session.add(washer)
        db.session.commit()
        ids = {"zoe": zoe.id, "washer": washer.id}
    tia = token_for("tia@example.com")
    opp = client.post("/api/v1/sales/opportunities", headers=tia, json={
        "title": "Kitchen refit for Zoë", "customer_id": ids["zoe"], "expected_revenue": "48000.00",
        "follow_up_date": (local_today() - timedelta(days=1)).isoformat(),
        "follow_up_summary": "Send Zoë the refit drawings"}).get_json()
    ids["opp"] = opp["id"]
    order = client.post("/api/v1/sales/orders", headers=tia, json={
        "customer_id": ids["zoe"], "lines": [{"product_id": ids["washer"], "quantity": "1",
                                               "unit_price": "987654.32"}]}).get_json()
    assert client.post(f"/api/v1/sales/orders/{order['id']}/confirm", headers=tia).status_code == 200
    ids["order"], ids["number"] = order["id"], order["number"]
    from core.history.models import Activity
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    with app.app_context():
        eq = db.session.execute(sa.select(Equipment).where(Equipment.order_id == ids["order"])).scalar_one()
        req = svc.open_request(equipment_id=eq.id, problem="Drum rattles like gravel", technician_id=_uid(app, "tech@example.com"))
        db.session.commit()
        ids["request"], ids["request_number"] = req.id, req.number
        ids["follow_up"] = db.session.execute(sa.select(Activity.id).where(Activity.ref == f"sales.opportunity:{opp['id']}")).scalar_one()
    return ids


SALES_SECRETS = ("Kitchen refit for Zoë", "Send Zoë the refit drawings")
TOTAL = ("987,654.32", "987654.32")
# What each viewer must not find on Zoë's page. The order number is part of the equipment a
# technician sees anyway ("registered from order S…"); the sales panel's purchase history
# (a sum over the customer's confirmed orders) is for every salesperson by design.
HIDDEN_FROM = {
    "reader@example.com": ("number", "total"),
    "clerk@example.com": ("number", "total"),
    "tech@example.com": ("total",),
    "sam@example.com": ("number",),
}


def _page(client, email, url):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("email", list(HIDDEN_FROM))
def test_customer_page_hides_deals_the_user_cannot_see(app, client, world, email):
    html = _page(client, email, f"/customers/{world['zoe']}")
    assert "Zoë Papadopoulou" in html
    secrets = SALES_SECRETS + ((world["number"],) if "number" in HIDDEN_FROM[email] else ()) \
        + (TOTAL if "total" in HIDDEN_FROM[email] else ())
    for secret in secrets:
        assert secret not in html, (email, secret)
    assert f"Order {world['number']} confirmed" not in html


@pytest.mark.parametrize("email", ["tia@example.com", "max@example.com", "admin@example.com"])
def test_those_who_see_the_deal_see_its_history(app, client, world, email):
    html = _page(client, email, f"/customers/{world['zoe']}")
    assert "Kitchen refit for Zoë" in html and world["number"] in html


@pytest.mark.parametrize("email", ["reader@example.com", "sam@example.com", "tech@example.com"])
def test_api_timeline_hides_deals_the_user_cannot_see(app, client, token_for, world, email):
    items = client.get(f"/api/v1/customers/{world['zoe']}/interactions?limit=200",
                       headers=token_for(email)).get_json()["items"]
    text = repr(items)
    assert not any(i["kind"].startswith("sales.") for i in items), email
    assert "987654.32" not in text and "Kitchen refit" not in text


def test_repairs_show_to_their_technician_and_managers_only(app, client, token_for, world):
    def kinds(email):
        items = client.get(f"/api/v1/customers/{world['zoe']}/interactions?limit=200",
                           headers=token_for(email)).get_json()["items"]
        return {i["kind"] for i in items}

    assert "service.request_opened" in kinds("tech@example.com")
    assert "service.request_opened" in kinds("admin@example.com")
    for email in ("tech2@example.com", "reader@example.com", "tia@example.com"):
        assert "service.request_opened" not in kinds(email), email
    assert "service.equipment_registered" in kinds("tech2@example.com")  # every technician sees all equipment
    assert "service.equipment_registered" not in kinds("reader@example.com")


def test_hidden_entries_do_not_make_pages_short(app, client, token_for, world):
    """Filtering happens in SQL, before paging: a page is full of what the user may see."""
    from core.history.service import log_interaction

    with app.app_context():
        for n in range(5):
            log_interaction(world["zoe"], channel="phone", subject=f"Visible call {n}")
        db.session.commit()
    page = client.get(f"/api/v1/customers/{world['zoe']}/interactions?limit=5",
                      headers=token_for("reader@example.com")).get_json()
    assert len(page["items"]) == 5 and all(i["kind"] == "interaction" for i in page["items"])


def test_reassigning_the_deal_moves_its_history_and_follow_ups(app, client, token_for, world):
    sam, tia = _uid(app, "sam@example.com"), _uid(app, "tia@example.com")
    r = client.patch(f"/api/v1/sales/opportunities/{world['opp']}", headers=token_for("max@example.com"),
                     json={"owner_id": sam})
    assert r.status_code == 200
    html = _page(client, "sam@example.com", f"/customers/{world['zoe']}")
    assert "Kitchen refit for Zoë" in html and "Send Zoë the refit drawings" in html
    html = _page(client, "tia@example.com", f"/customers/{world['zoe']}")
    assert "Kitchen refit for Zoë" not in html and "Send Zoë the refit drawings" not in html
    from core.history.models import Activity

    with app.app_context():
        assert db.session.get(Activity, world["follow_up"]).assignee_id == sam != tia


def test_owning_the_customer_reveals_no_deal_history(app, client, token_for, world):
    r = client.patch(f"/api/v1/customers/{world['zoe']}", headers=token_for("max@example.com"),
                     json={"owner_id": _uid(app, "sam@example.com")})
    assert r.status_code == 200
    html = _page(client, "sam@example.com", f"/customers/{world['zoe']}")
    for secret in SALES_SECRETS + (world["number"],):
        assert secret not in html, secret


@pytest.mark.parametrize("action", ["done", "undo"])
def test_follow_up_of_a_hidden_deal_cannot_be_marked(app, client, world, action):
    from core.history.models import Activity

    if action == "undo":
        with app.app_context():
            from core.db import utcnow

            db.session.get(Activity, world["follow_up"]).done_at = utcnow()
            db.session.commit()
    for email in ("sam@example.com", "clerk@example.com", "tech@example.com"):
        _page(client, email, "/")
        r = client.post(f"/activities/{world['follow_up']}/{action}", data={"next": "/"})
        assert r.status_code in (403, 404), email
        assert "refit drawings" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert (db.session.get(Activity, world["follow_up"]).done_at is None) == (action == "done")


def test_follow_up_of_a_visible_deal_can_be_marked(app, client, world):
    from core.history.models import Activity

    _page(client, "tia@example.com", "/")
    assert "Send Zoë the refit drawings" in client.get("/activities").get_data(as_text=True)
    r = client.post(f"/activities/{world['follow_up']}/done", data={"next": "/activities"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Activity, world["follow_up"]).done_at is not None


def test_plain_follow_ups_stay_shared(app, client, world):
    """A follow-up on the customer alone (no record) is for everyone who works on them."""
    from core.history.models import Activity
    from core.history.service import schedule_activity

    with app.app_context():
        a = schedule_activity(world["zoe"], summary="Ring Zoë about the invoice", due_date=local_today(),
                              assignee_id=_uid(app, "tia@example.com"))
        db.session.commit()
        aid = a.id
    html = _page(client, "clerk@example.com", f"/customers/{world['zoe']}")
    assert "Ring Zoë about the invoice" in html
    assert client.post(f"/activities/{aid}/done", data={"next": "/"}).status_code == 302
    with app.app_context():
        assert db.session.get(Activity, aid).done_at is not None
