"""Who reaches which complaint: agents their teams' (404 for another team's, by id, on
pages and API), managers all; a complaint about an order outlives the sales plugin."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from plugins.complaints.tests import complaints_testdata as td


@pytest.mark.plugins("complaints")
def test_an_agent_cannot_reach_another_teams_complaint_by_id(app, client, login, make_user, token_for):
    make_user("anna@example.com", roles=["Complaints agent"])
    make_user("boris@example.com", roles=["Complaints agent"])
    make_user("mira@example.com", roles=["Complaints manager"])
    with app.app_context():
        anna, boris = td.user("anna@example.com"), td.user("boris@example.com")
        north, south = td.team("North", members=[anna]), td.team("South", members=[boris])
        customer_id = td.customer().id
        theirs = td.complaint(customer_id, "South's complaint", team_id=south.id).id
        ours = td.complaint(customer_id, "North's complaint", team_id=north.id).id
        queued = td.complaint(customer_id, "In the shared queue").id
    login("anna@example.com")
    assert client.get(f"/complaints/{theirs}").status_code == 404
    assert client.get(f"/api/v1/complaints/{theirs}", headers=token_for("anna@example.com")).status_code == 404
    assert client.post(f"/complaints/{theirs}/acknowledge").status_code == 404
    assert client.post(f"/complaints/{theirs}/take").status_code == 404
    assert client.get(f"/complaints/{ours}").status_code == 200
    listing = client.get("/complaints/?view=team").get_data(as_text=True)
    assert "North&#39;s complaint" in listing and "In the shared queue" in listing
    assert "South&#39;s complaint" not in listing
    panel = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "North&#39;s complaint" in panel and "South&#39;s complaint" not in panel
    api = client.get("/api/v1/complaints/", headers=token_for("anna@example.com")).get_json()
    assert {c["id"] for c in api["items"]} == {ours, queued}
    assert client.post(f"/api/v1/complaints/{theirs}/transition", json={"action": "acknowledge"},
                       headers=token_for("anna@example.com")).status_code == 404
    assert client.get(f"/api/v1/complaints/{theirs}", headers=token_for("mira@example.com")).status_code == 200
    assert client.get("/complaints/stats").status_code == 403
    assert client.get("/complaints/settings").status_code == 403


@pytest.mark.plugins("complaints")
def test_staff_without_the_permission_get_403(client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/complaints/").status_code == 403
    assert client.get("/complaints/new").status_code == 403


@pytest.mark.plugins("complaints", "sales")
def test_a_complaint_about_an_order_outlives_the_sales_plugin(app, client, login, token_for):
    from core.catalog.service import create_product
    from core.plugin_ops import disable_plugin

    with app.app_context():
        customer = td.customer()
        product = create_product({"sku": "KET-1", "name": "Βραστήρας", "unit_price": "40.00"})
        db.session.commit()
        customer_id, product_id = customer.id, product.id
    headers = token_for()
    order = client.post("/api/v1/sales/orders", json={"customer_id": customer_id, "lines": [
        {"product_id": product_id, "quantity": "1", "unit_price": "40.00"}]}, headers=headers).get_json()
    assert client.post(f"/api/v1/sales/orders/{order['id']}/confirm", headers=headers).status_code == 200
    ref = f"sales.order:order_id={order['id']}"
    login()
    form = client.get(f"/complaints/new?customer_id={customer_id}").get_data(as_text=True)
    assert ref in form and order["number"] in form
    created = client.post("/api/v1/complaints/", json={"customer_id": customer_id, "title": "Leaks",
                                                      "about_ref": ref}, headers=headers)
    assert created.status_code == 201, created.get_json()
    complaint = created.get_json()
    assert complaint["product_id"] == product_id and order["number"] in complaint["about_label"]
    page = client.get(f"/complaints/{complaint['id']}").get_data(as_text=True)
    assert f'href="/sales/orders/{order["id"]}"' in page
    with app.app_context():
        disable_plugin("sales")
        db.session.commit()
    page = client.get(f"/complaints/{complaint['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert order["number"] in text and f'href="/sales/orders/{order["id"]}"' not in text
    # with sales off nothing offers orders: pointing at one is refused, the rest still works
    refused = client.post("/api/v1/complaints/", json={"customer_id": customer_id, "title": "Again",
                                                      "about_ref": ref}, headers=headers)
    assert refused.status_code == 422 and "about_ref" in refused.get_json()["errors"]["json"]
    assert client.post(f"/api/v1/complaints/{complaint['id']}/transition", json={"action": "investigate"},
                       headers=headers).status_code == 200
