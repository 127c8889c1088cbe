"""Issue 16, finding 9 for sales: ETag / If-Match on opportunities and quotations."""
import pytest

from sales_testdata import seed

pytestmark = pytest.mark.plugins("sales")


def test_opportunity_and_order_api_honour_if_match(app, client, token_for):
    ids = seed(app)
    h = token_for()
    opp = client.post("/api/v1/sales/opportunities", headers=h, json={"title": "Boiler", "customer_id": ids["customers"][0]})
    etag = opp.headers["ETag"]
    url = f"/api/v1/sales/opportunities/{opp.get_json()['id']}"
    assert client.patch(url, headers={**h, "If-Match": etag}, json={"title": "Boiler 2"}).status_code == 200
    assert client.patch(url, headers={**h, "If-Match": etag}, json={"title": "Stale"}).status_code == 412
    order = client.post("/api/v1/sales/orders", headers=h, json={"customer_id": ids["customers"][0],
                                                                 "lines": [{"product_id": ids["products"][0]}]})
    etag = order.headers["ETag"]
    url = f"/api/v1/sales/orders/{order.get_json()['id']}"
    assert client.patch(url, headers={**h, "If-Match": etag}, json={"notes": "Deliver Monday"}).status_code == 200
    assert client.patch(url, headers={**h, "If-Match": etag}, json={"notes": "Stale"}).status_code == 412


def _version(html):
    import re

    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def test_stale_opportunity_and_quotation_forms_are_refused(app, client, login, token_for):
    ids = seed(app)
    h = token_for()
    opp = client.post("/api/v1/sales/opportunities", headers=h, json={"title": "Boiler",
                                                                       "customer_id": ids["customers"][0]}).get_json()
    order = client.post("/api/v1/sales/orders", headers=h, json={"customer_id": ids["customers"][0],
                                                                 "lines": [{"product_id": ids["products"][0]}]}).get_json()
    login()
    opp_version = _version(client.get(f"/sales/opportunities/{opp['id']}/edit").get_data(as_text=True))
    order_version = _version(client.get(f"/sales/orders/{order['id']}/edit").get_data(as_text=True))
    # The other user changes both through the API.
    assert client.patch(f"/api/v1/sales/opportunities/{opp['id']}", headers=h, json={"title": "Boiler, two units"}).status_code == 200
    assert client.patch(f"/api/v1/sales/orders/{order['id']}", headers=h, json={"notes": "Deliver Monday"}).status_code == 200
    r = client.post(f"/sales/opportunities/{opp['id']}/edit", data={
        "title": "Boiler (stale)", "customer_id": ids["customers"][0], "stage_id": ids["stages"][0], "owner_id": "1",
        "currency": "EUR", "source": "phone", "probability": "10", "version": opp_version})
    assert r.status_code == 409 and "Boiler, two units" in r.get_data(as_text=True)
    r = client.post(f"/sales/orders/{order['id']}/edit", data={
        "customer_id": ids["customers"][0], "currency": "EUR", "notes": "stale", "version": order_version,
        "lines-0-product_id": "LAP-1", "lines-0-quantity": "1"})
    assert r.status_code == 409 and "Deliver Monday" in r.get_data(as_text=True)
    r = client.get(f"/api/v1/sales/opportunities/{opp['id']}", headers=h).get_json()
    assert r["title"] == "Boiler, two units"
