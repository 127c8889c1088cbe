"""Sales records in the audit log: opportunities, quotations and their lines, settings."""
import pytest

from core.testing import audit_entries as _entries
from sales_testdata import seed

pytestmark = pytest.mark.plugins("sales")
API = "/api/v1/sales"


def test_opportunity_from_the_web_form_then_won(app, client, login):
    ids = seed(app)
    login()
    cid = ids["customers"][0]
    client.post("/sales/opportunities/new", data={"title": "Big deal", "customer_id": cid,
                "stage_id": ids["stages"][0], "expected_revenue": "1000", "currency": "EUR", "source": "phone"})
    (created,) = _entries(app, record_type="sales.opportunity")
    assert created["action"] == "create" and created["origin"] == "web" and created["customer_id"] == cid
    assert created["record_label"] == "Big deal"
    assert created["changes"]["expected_revenue"] == [None, "1000.00"]
    assert created["changes"]["source"] == [None, "phone"]
    opp_id = int(created["record_id"])
    client.post(f"/sales/opportunities/{opp_id}/won")
    won = _entries(app, record_type="sales.opportunity")[-1]
    assert won["action"] == "update" and won["changes"]["status"] == ["open", "won"]
    assert won["changes"]["stage_id"] == [ids["stages"][0], ids["stages"][2]]


def test_quotation_lines_and_confirmation_through_the_api(app, client, token_for):
    ids = seed(app)
    headers = token_for()
    cid, laptop, ink = ids["customers"][0], *ids["products"]
    order = client.post(f"{API}/orders", headers=headers, json={"customer_id": cid, "lines": [
        {"product_id": laptop, "quantity": "1"}]}).get_json()
    client.patch(f"{API}/orders/{order['id']}", headers=headers, json={"lines": [{"product_id": ink, "quantity": "2"}]})
    client.post(f"{API}/orders/{order['id']}/confirm", headers=headers)
    orders = _entries(app, record_type="sales.order", record_id=str(order["id"]))
    assert [e["action"] for e in orders] == ["create", "update", "update"]
    assert {e["origin"] for e in orders} == {"api"}
    assert orders[0]["customer_id"] == cid and orders[0]["record_label"] == order["number"]
    assert orders[1]["changes"]["total"] == ["899.00", "39.98"]
    assert orders[2]["changes"]["state"] == ["draft", "confirmed"]
    lines = _entries(app, record_type="sales.order_line")
    assert sorted((e["action"], (e["changes"]["sku"][0] or e["changes"]["sku"][1])) for e in lines) == [
        ("create", "INK-1"), ("create", "LAP-1"), ("delete", "LAP-1")]  # the PATCH replaced the laptop line
    deleted = next(e for e in lines if e["action"] == "delete")
    assert deleted["changes"]["unit_price"] == ["899.00", None] and deleted["origin"] == "api"
    assert {e["customer_id"] for e in lines} == {cid}  # found through the line's order


def test_settings_changes_are_audited(app, client, login):
    seed(app)
    login()
    client.post("/sales/settings/lost-reasons", data={"name": "Went elsewhere"})
    (reason,) = _entries(app, record_type="sales.lost_reason", record_label="Went elsewhere")
    assert reason["action"] == "create" and reason["origin"] == "web"
    client.post(f"/sales/settings/lost-reasons/{reason['record_id']}/toggle")
    assert _entries(app, record_type="sales.lost_reason", record_id=reason["record_id"])[-1]["changes"] == {
        "active": [True, False]}


def test_changes_tab_shows_the_customers_sales_records(app, client, login, token_for):
    ids = seed(app)
    cid = ids["customers"][0]
    client.post(f"{API}/orders", headers=token_for(), json={"customer_id": cid, "lines": [
        {"product_id": ids["products"][0], "quantity": "1"}]})
    login()
    page = client.get(f"/customers/{cid}/changes").get_data(as_text=True)
    assert "Quotation or order" in page and "Order line" in page and "LAP-1" in page
    other = client.get(f"/customers/{ids['customers'][1]}/changes").get_data(as_text=True)
    assert "LAP-1" not in other
