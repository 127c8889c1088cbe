"""The staff complaint form's *About* list follows the customer picked in it: the picker fires
``picker:select``, complaint_form.js asks ``/complaints/subjects?customer_id=`` for that
customer's orders (the same choices and checks as the page) and refills the list without a
reload. Without JavaScript the page is rendered for the customer it was opened with, as before.
Browser test in English and Hebrew; fails on any JavaScript error or failed resource.
Screenshots: test-artifacts/complaints-form-about-<lang>.png."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login, choose_language, watch_page
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints", "sales")


def _customers_with_orders(app, client, token_for, names):
    """Customers, each with one confirmed order (through the sales API) → [(id, order number)]."""
    from core.catalog.service import create_product

    with app.app_context():
        product = create_product({"sku": "KET-1", "name": "Βραστήρας", "unit_price": "40.00"})
        db.session.commit()
        product_id = product.id
        ids = [td.customer(name=n, email=f"c{i}@example.com").id for i, n in enumerate(names)]
    headers = token_for()
    out = []
    for customer_id in ids:
        order = client.post("/api/v1/sales/orders", json={"customer_id": customer_id, "lines": [
            {"product_id": product_id, "quantity": "1", "unit_price": "40.00"}]}, headers=headers).get_json()
        assert "id" in order, order
        assert client.post(f"/api/v1/sales/orders/{order['id']}/confirm", headers=headers).status_code == 200
        out.append((customer_id, order["id"], order["number"]))
    return out


def test_the_subjects_endpoint_answers_as_the_form_would(app, client, login, make_user, token_for):
    (first, order_id, number), (second, _o, other_number), (bare, *_n) = _customers_with_orders(
        app, client, token_for, ["Ona Jonaitienė", "Yosef Levi", "Nobody Bought"])
    with app.app_context():
        from plugins.sales.models import Order
        db.session.execute(sa.delete(Order).where(Order.customer_id == bare))  # the third has no order
        db.session.commit()
    login()
    body = client.get(f"/complaints/subjects?customer_id={first}").get_json()
    assert body == {"customer_id": first, "subjects": [
        {"ref": f"sales.order:order_id={order_id}", "label": body["subjects"][0]["label"]}]}
    assert number in body["subjects"][0]["label"] and other_number not in str(body)
    # The page for the same customer offers exactly these.
    form = client.get(f"/complaints/new?customer_id={first}").get_data(as_text=True)
    assert f'value="sales.order:order_id={order_id}"' in form and body["subjects"][0]["label"] in form
    assert client.get(f"/complaints/subjects?customer_id={bare}").get_json()["subjects"] == []
    for missing in ("", "0", "abc", "99999", "²"):
        assert client.get(f"/complaints/subjects?customer_id={missing}").status_code == 404
    client.get("/logout")

    # complaints.view without customers.view: neither the list nor the form for that customer.
    make_user("agent@example.com", permissions=["complaints.view"])
    login("agent@example.com")
    assert client.get(f"/complaints/subjects?customer_id={first}").status_code == 404
    assert client.get(f"/complaints/new?customer_id={first}").status_code == 404
    refused = client.post("/complaints/new", data={"customer_id": str(first), "title": "Leaks"})
    assert refused.status_code == 422 and "Choose the customer." in refused.get_data(as_text=True)
    client.get("/logout")
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get(f"/complaints/subjects?customer_id={first}").status_code == 403
    from plugins.complaints.models import Complaint
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Complaint)).scalar() == 0


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "he"])
def test_the_about_list_follows_the_picked_customer(app, client, live_server, browser_page, screenshot, token_for,
                                                     lang):
    from plugins.complaints.models import Complaint

    names = ["דנה כהן", "יוסף לוי"] if lang == "he" else ["Dana Cohen", "Yosef Levi"]
    (dana, dana_order, dana_number), (yosef, yosef_order, yosef_number) = _customers_with_orders(
        app, client, token_for, names)
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, lang)
    page.goto(f"{live_server.url}/complaints/new?customer_id={dana}")
    about = page.locator("#about_ref")
    assert about.locator(f"option[value='sales.order:order_id={dana_order}']").count() == 1

    def pick(name):
        page.fill("#customer_id", "")
        page.type("#customer_id", name.split()[0])
        page.locator("#customer_id-listbox [role=option]", has_text=name).first.click()

    pick(names[1])
    option = about.locator(f"option[value='sales.order:order_id={yosef_order}']")
    option.wait_for(state="attached")
    assert yosef_number in option.inner_text()
    assert about.locator(f"option[value='sales.order:order_id={dana_order}']").count() == 0
    assert page.locator("#customer_id-value").input_value() == str(yosef)
    assert page.locator("h1").inner_text().endswith(names[1])  # the heading names the chosen customer
    page.select_option("#about_ref", f"sales.order:order_id={yosef_order}")
    page.fill("#title", "הקומקום דולף" if lang == "he" else "The kettle leaks")
    screenshot(page, f"complaints-form-about-{lang}")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    with app.app_context():
        complaint = db.session.execute(sa.select(Complaint)).scalar_one()
        assert (complaint.customer_id, complaint.about_ref) == (yosef, f"sales.order:order_id={yosef_order}")
        assert yosef_number in complaint.about_label

    # Clearing the customer empties the list; picking one without orders says so.
    page.goto(f"{live_server.url}/complaints/new?customer_id={dana}")
    page.fill("#customer_id", "")
    page.type("#customer_id", "x")
    page.locator("#about_ref").wait_for(state="hidden")
    assert page.locator(".js-about-none").is_hidden() and page.locator(".js-form-customer").is_hidden()
    assert problems == [], problems
