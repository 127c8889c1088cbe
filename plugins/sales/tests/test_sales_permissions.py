"""sales.user sees own rows only (owning the customer adds nothing); sales.manager sees all.

Same rules on pages and API; hidden rows answer 404 (never revealing they exist).
"""
import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import PASSWORD
from sales_testdata import make_order, seed

pytestmark = pytest.mark.plugins("sales")
API = "/api/v1/sales"


@pytest.fixture
def world(app, make_user):
    """Two salespeople and a manager. Bob (customer 2) is owned by sam."""
    make_user("sam@example.com", roles=["Salesperson"])
    make_user("tia@example.com", roles=["Salesperson"])
    make_user("max@example.com", roles=["Sales manager"])
    ids = seed(app, owner_email="sam@example.com")
    from plugins.sales.models import Opportunity

    alice, bob = ids["customers"]
    lead = ids["stages"][0]
    with app.app_context():
        def opp(title, customer, owner):
            uid = db.session.execute(sa.text("select id from core_user where email = :e"), {"e": owner}).scalar()
            o = Opportunity(title=title, customer_id=customer, owner_id=uid, stage_id=lead, status="open")
            db.session.add(o)
            db.session.flush()
            return o.id
        ids["sam_opp"] = opp("Sam's own", alice, "sam@example.com")
        ids["tia_opp"] = opp("Tia's deal", alice, "tia@example.com")
        ids["tia_on_bob"] = opp("Tia on Bob", bob, "tia@example.com")
        db.session.commit()
    ids["tia_order"] = make_order(app, alice, ids["products"][0], owner_email="tia@example.com")
    ids["tia_order_bob"] = make_order(app, bob, ids["products"][0], owner_email="tia@example.com")
    return ids


def test_salesperson_pages(app, client, login, world):
    login("sam@example.com", PASSWORD)
    listing = client.get("/sales/opportunities").data
    assert b"Sam&#39;s own" in listing and b"Tia on Bob" not in listing  # own only, even on Sam's customer
    assert b"Tia&#39;s deal" not in listing
    assert b"Tia&#39;s deal" not in client.get("/sales/").data
    assert client.get(f"/sales/opportunities/{world['tia_opp']}").status_code == 404
    assert client.post(f"/sales/opportunities/{world['tia_opp']}/move", json={"stage_id": world["stages"][1]}).status_code == 404
    assert client.post(f"/sales/opportunities/{world['tia_opp']}/won").status_code == 404
    assert client.get(f"/sales/opportunities/{world['tia_on_bob']}").status_code == 404
    assert client.get(f"/sales/orders/{world['tia_order']}").status_code == 404
    assert client.get(f"/sales/orders/{world['tia_order']}/print").status_code == 404
    assert client.post(f"/sales/orders/{world['tia_order']}/confirm").status_code == 404
    assert client.get(f"/sales/orders/{world['tia_order_bob']}").status_code == 404
    assert client.get("/sales/settings").status_code == 403
    assert client.post("/sales/settings/lost-reasons", data={"name": "Sneaky"}).status_code == 403
    assert client.post("/sales/settings/targets", data={"user_id": "1", "period": "2026-01", "amount": "1",
                                                        "currency": "EUR"}).status_code == 403
    # A salesperson cannot hand a deal to someone else.
    r = client.post("/sales/opportunities/new", data={"title": "Mine", "customer_id": world["customers"][0],
                                                      "stage_id": world["stages"][0], "owner_id": "1",
                                                      "currency": "EUR", "source": "phone"})
    assert r.status_code == 422


def test_manager_sees_everything_and_edits_settings(app, client, login, world):
    login("max@example.com", PASSWORD)
    listing = client.get("/sales/opportunities").data
    assert b"Tia&#39;s deal" in listing and b"Sam&#39;s own" in listing
    assert client.get(f"/sales/orders/{world['tia_order']}").status_code == 200
    assert client.get("/sales/settings").status_code == 200
    assert client.post("/sales/settings/lost-reasons", data={"name": "Went quiet"}).status_code == 302
    r = client.post("/sales/settings/targets", data={"user_id": "2", "period": "2026-Q1", "amount": "5000",
                                                     "currency": "EUR"})
    assert r.status_code == 302
    r = client.post("/sales/settings/targets", data={"user_id": "2", "period": "2026-Q5", "amount": "5000",
                                                     "currency": "EUR"})
    assert r.status_code == 303
    from plugins.sales.models import LostReason, Target

    with app.app_context():
        assert db.session.execute(sa.select(LostReason.name).where(LostReason.name == "Went quiet")).scalar()
        assert [t.period for t in db.session.execute(sa.select(Target)).scalars()] == ["2026-Q1"]
    r = client.post("/sales/settings/stages/new", data={"name": "Demo", "position": "15", "probability": "30"})
    assert r.status_code == 302
    r = client.post("/sales/settings/stages/new", data={"name": "Both", "position": "15", "probability": "30",
                                                        "is_won": "y", "is_lost": "y"})
    assert r.status_code == 422
    # A stage holding opportunities cannot be deleted.
    client.post(f"/sales/settings/stages/{world['stages'][0]}/delete")
    with app.app_context():
        from plugins.sales.models import Stage

        assert db.session.get(Stage, world["stages"][0]) is not None


def test_salesperson_api(app, client, token_for, world):
    h = token_for("sam@example.com")
    ids = [o["id"] for o in client.get(f"{API}/opportunities", headers=h).get_json()["items"]]
    assert ids == [world["sam_opp"]]
    assert client.get(f"{API}/opportunities/{world['tia_opp']}", headers=h).status_code == 404
    assert client.patch(f"{API}/opportunities/{world['tia_opp']}", headers=h, json={"title": "x"}).status_code == 404
    assert client.post(f"{API}/orders/{world['tia_order']}/confirm", headers=h).status_code == 404
    orders = [o["id"] for o in client.get(f"{API}/orders", headers=h).get_json()["items"]]
    assert orders == []
    m = token_for("max@example.com")
    assert len(client.get(f"{API}/opportunities", headers=m).get_json()["items"]) == 3
    assert len(client.get(f"{API}/orders", headers=m).get_json()["items"]) == 2


def test_user_without_sales_permission(app, client, login, make_user):
    seed(app)
    make_user("clerk@example.com", roles=["Staff"])
    login("clerk@example.com", PASSWORD)
    assert client.get("/sales/").status_code == 403
    assert client.get("/sales/orders").status_code == 403
    assert b'href="/sales/"' not in client.get("/").data
