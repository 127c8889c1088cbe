"""sales_order_confirmed / sales_order_cancelled reach other plugins once, after commit,
with plain data; a listener that raises does not stop the confirmation."""
import json

import pytest
import sqlalchemy as sa

import sales_listener_plugin
import sales_raising_plugin
from core.db import db
from sales_testdata import seed

API = "/api/v1/sales"


@pytest.fixture(autouse=True)
def _clear():
    sales_listener_plugin.received.clear()
    sales_raising_plugin.calls.clear()


@pytest.mark.plugins("sales", "sales_listener", extra=[sales_listener_plugin])
def test_listener_receives_each_confirmation_once(app, client, token_for):
    ids = seed(app)
    h = token_for()
    order = client.post(f"{API}/orders", headers=h, json={"customer_id": ids["customers"][0], "lines": [
        {"product_id": ids["products"][0], "quantity": "2", "discount_percent": "10", "tax_rate": "24"},
        {"description": "Setup", "quantity": "1", "unit_price": "50"}]}).get_json()
    assert sales_listener_plugin.received == []  # drafts announce nothing
    assert client.post(f"{API}/orders/{order['id']}/confirm", headers=h).status_code == 200
    assert client.post(f"{API}/orders/{order['id']}/confirm", headers=h).status_code == 409
    assert len(sales_listener_plugin.received) == 1
    kind, payload = sales_listener_plugin.received[0]
    json.dumps(payload)  # plain data only
    assert kind == "confirmed"
    assert payload["id"] == order["id"] and payload["number"] == order["number"]
    assert payload["customer_id"] == ids["customers"][0] and payload["currency"] == "EUR"
    assert payload["confirmation_date"] == payload["confirmed_at"][:10]
    assert payload["confirmed_at"].endswith("+00:00")  # times in payloads carry their offset
    first = payload["lines"][0]
    assert first == {**first, "product_id": ids["products"][0], "sku": "LAP-1", "kind": "product", "quantity": "2.000",
                     "unit_price": "899.00", "discount_percent": "10.00", "line_total": "1618.20",
                     "warranty_months": 24}
    assert payload["lines"][1]["product_id"] is None and payload["lines"][1]["line_total"] == "50.00"
    second = client.post(f"{API}/orders", headers=h, json={"customer_id": ids["customers"][1], "lines": [
        {"product_id": ids["products"][1], "quantity": "1"}]}).get_json()
    client.post(f"{API}/orders/{second['id']}/confirm", headers=h)
    assert [p["id"] for k, p in sales_listener_plugin.received] == [order["id"], second["id"]]
    client.post(f"{API}/orders/{order['id']}/cancel", headers=h)
    kind, payload = sales_listener_plugin.received[-1]
    assert kind == "cancelled" and payload["id"] == order["id"] and payload["state"] == "cancelled"
    assert len(sales_listener_plugin.received) == 3


@pytest.mark.plugins("sales", "sales_raiser", "sales_listener", extra=[sales_raising_plugin, sales_listener_plugin])
def test_raising_listener_does_not_stop_confirmation(app, client, token_for):
    ids = seed(app)
    h = token_for()
    order = client.post(f"{API}/orders", headers=h, json={"customer_id": ids["customers"][0], "lines": [
        {"product_id": ids["products"][0], "quantity": "1"}]}).get_json()
    r = client.post(f"{API}/orders/{order['id']}/confirm", headers=h)
    assert r.status_code == 200 and r.get_json()["state"] == "confirmed"
    assert sales_raising_plugin.calls == [order["id"]]
    assert [p["id"] for _k, p in sales_listener_plugin.received] == [order["id"]]  # the other listener still ran
    from plugins.sales.models import Order

    with app.app_context():
        assert db.session.get(Order, order["id"]).state == "confirmed"


def test_disabled_listener_hears_nothing(make_app):
    app = make_app("sales", extra=[sales_listener_plugin])  # installed, not enabled
    ids = seed(app)
    from plugins.sales.models import Order
    from plugins.sales.orders import confirm, create_quotation

    with app.test_request_context():
        order = create_quotation({"customer_id": ids["customers"][0],
                                  "lines": [{"product_id": ids["products"][0], "quantity": "1"}]})
        confirm(order)
        db.session.commit()
        assert db.session.execute(sa.select(Order.state)).scalar() == "confirmed"
    assert sales_listener_plugin.received == []
