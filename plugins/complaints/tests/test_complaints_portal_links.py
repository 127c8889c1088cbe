""""Complain about this" on the portal pages of an order and a piece of equipment: offered
through the core's ``portal_record_actions`` hook for what ``complaint_subjects`` lets this
customer complain about, it opens the portal's complaint form with that record chosen; not on
a quotation, and gone while complaints is disabled (sales and service never name complaints)."""
from __future__ import annotations

import html
import re

import pytest

from core.db import db
from core.testing import portal_account, portal_login
from plugins.complaints.tests import complaints_testdata as td

pytestmark = pytest.mark.plugins("complaints", "sales", "service")

LINK = "Complain about this"


def _order(client, headers, customer_id, product_id, *, confirm=True) -> dict:
    response = client.post("/api/v1/sales/orders", json={"customer_id": customer_id, "lines": [
        {"product_id": product_id, "quantity": "1", "unit_price": "40.00"}]}, headers=headers)
    order = response.get_json()
    assert response.status_code == 201, order
    step = "confirm" if confirm else "send"  # a quotation sent: on the portal, nothing bought yet
    assert client.post(f"/api/v1/sales/orders/{order['id']}/{step}", headers=headers).status_code == 200
    return order


def _link(page: str) -> str | None:
    found = re.search(r'<a [^>]*href="([^"]+)"[^>]*>' + LINK + "</a>", page)
    return html.unescape(found.group(1)) if found else None


def _chosen(form: str) -> str | None:
    """The value of the selected option of the form's "About" list."""
    select = re.search(r'<select[^>]*name="about_ref".*?</select>', form, flags=re.S).group(0)
    chosen = [o for o in re.findall(r"<option ([^>]*)>", select) if re.search(r"\bselected\b", o)]
    return html.unescape(re.search(r'value="([^"]*)"', chosen[0]).group(1)) if chosen else None


def test_complain_about_an_order_or_equipment_from_its_portal_page(app, client, token_for):
    from core.catalog.service import create_product
    from core.plugin_ops import disable_plugin
    from plugins.service.models import Equipment

    with app.app_context():
        customer_id = td.customer(name="Ελένη Οικονόμου", email="eleni@example.com").id
        product = create_product({"sku": "KET-1", "name": "Βραστήρας", "unit_price": "40.00"})
        boiler = Equipment(customer_id=customer_id, model_name="Boiler X2", serial="SN-ELENI-1")
        db.session.add(boiler)
        db.session.commit()
        product_id, boiler_id = product.id, boiler.id
    headers = token_for()
    order = _order(client, headers, customer_id, product_id)
    quotation = _order(client, headers, customer_id, product_id, confirm=False)
    portal_login(client, portal_account(app, customer_id))

    # The confirmed order: the link opens the form with this order chosen.
    url = _link(client.get(f"/portal/sales/orders/{order['id']}").get_data(as_text=True))
    assert url == f"/portal/complaints/new?about=sales.order:order_id%3D{order['id']}"
    assert _chosen(client.get(url).get_data(as_text=True)) == f"sales.order:order_id={order['id']}"
    # The equipment likewise; the quotation (nothing bought yet) has no link.
    url = _link(client.get(f"/portal/service/equipment/{boiler_id}").get_data(as_text=True))
    assert url == f"/portal/complaints/new?about=service.equipment:equipment_id%3D{boiler_id}"
    assert _chosen(client.get(url).get_data(as_text=True)) == f"service.equipment:equipment_id={boiler_id}"
    quotation_page = client.get(f"/portal/sales/orders/{quotation['id']}")
    assert quotation_page.status_code == 200 and "Accept the quotation" in quotation_page.get_data(as_text=True)
    assert LINK not in quotation_page.get_data(as_text=True)

    # Filing from there: the complaint is about the order.
    sent = client.post("/portal/complaints/new", data={
        "title": "Leaks", "description": "Water on the table", "about_ref": f"sales.order:order_id={order['id']}",
        "category_id": ""})
    assert sent.status_code == 302

    with app.app_context():
        disable_plugin("complaints")
    page = client.get(f"/portal/sales/orders/{order['id']}")
    assert page.status_code == 200 and LINK not in page.get_data(as_text=True)
    assert LINK not in client.get(f"/portal/service/equipment/{boiler_id}").get_data(as_text=True)


def test_no_link_on_another_customers_record(app, client):
    """The page's own rule stands (404), and the hook offers nothing for a record that is not theirs."""
    from core.customers.models import Customer
    from plugins.service.models import Equipment

    with app.app_context():
        mine = td.customer(name="Ελένη Οικονόμου", email="eleni@example.com").id
        other = td.customer(name="Jonas Petraitis", email="jonas@example.com").id
        theirs = Equipment(customer_id=other, model_name="Dryer D9", serial="SN-JONAS-1")
        db.session.add(theirs)
        db.session.commit()
        ref = f"service.equipment:equipment_id={theirs.id}"
        theirs_id = theirs.id
    portal_login(client, portal_account(app, mine))
    assert client.get(f"/portal/service/equipment/{theirs_id}").status_code == 404

    class Portal:  # what the hook reads of the request's portal (core.portal.Portal)
        read_only = False

        def __init__(self, customer_id):
            self.customer = db.session.get(Customer, customer_id)

    with app.test_request_context():
        registry = app.extensions["rapport"].plugins
        assert registry.contributions("portal_record_actions", portal=Portal(mine), ref=ref) == []
        offered = registry.contributions("portal_record_actions", portal=Portal(other), ref=ref)
        assert [(a.endpoint, dict(a.url_values)) for a in offered] == [("complaints_portal.new", {"about": ref})]


def test_complain_about_equipment_older_than_the_newest_50(app, client, token_for):
    """The list offers each plugin's 50 newest subjects; the link, the form and filing ask
    ``complaint_subjects`` for the one ``ref`` instead, so the oldest unit still gets its link,
    the form opens with it chosen, and the complaint (portal or API) is about it."""
    from plugins.complaints.models import Complaint
    from plugins.service.models import Equipment

    with app.app_context():
        customer_id = td.customer(name="Ελένη Οικονόμου", email="eleni@example.com").id
        units = [Equipment(customer_id=customer_id, model_name=f"Radiator R{i}", serial=f"SN-R-{i:03d}")
                 for i in range(52)]
        db.session.add_all(units)
        db.session.commit()
        oldest, second, newest = units[0].id, units[1].id, units[-1].id
    ref = f"service.equipment:equipment_id={oldest}"
    portal_login(client, portal_account(app, customer_id))
    plain = client.get("/portal/complaints/new").get_data(as_text=True)
    assert f'value="service.equipment:equipment_id={newest}"' in plain
    assert f'value="{ref}"' not in plain  # the list: the 50 newest only

    url = _link(client.get(f"/portal/service/equipment/{oldest}").get_data(as_text=True))
    assert url == f"/portal/complaints/new?about=service.equipment:equipment_id%3D{oldest}"
    form = client.get(url).get_data(as_text=True)
    assert _chosen(form) == ref and "Radiator R0" in form
    sent = client.post("/portal/complaints/new", data={"title": "Cold", "description": "It stays cold",
                                                       "about_ref": ref, "category_id": ""})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    # Through the API (staff) the second-oldest works too; someone else's or a made-up one does not.
    headers = token_for()
    created = client.post("/api/v1/complaints/", headers=headers, json={
        "customer_id": customer_id, "title": "Noisy", "about_ref": f"service.equipment:equipment_id={second}"})
    assert created.status_code == 201, created.get_json()
    for bad in (f"service.equipment:equipment_id={oldest + 1000}", "service.equipment:equipment_id=²",
                f"service.equipment:equipment_id= {oldest}", f"sales.order:order_id={oldest}"):
        refused = client.post("/api/v1/complaints/", headers=headers,
                              json={"customer_id": customer_id, "title": "x", "about_ref": bad})
        assert refused.status_code == 422 and "about_ref" in str(refused.get_json()), bad
    with app.app_context():
        about = dict(db.session.query(Complaint.title, Complaint.about_ref).all())
        assert about == {"Cold": ref, "Noisy": f"service.equipment:equipment_id={second}"}


def test_sales_answers_for_one_order_by_its_ref(app, client, token_for):
    """``complaint_subjects(customer, ref)`` in sales: that confirmed order of this customer, or nothing."""
    from core.catalog.service import create_product
    from core.customers.models import Customer
    from plugins.complaints.workflow import subject_for

    with app.app_context():
        mine = td.customer(name="Ελένη Οικονόμου", email="eleni@example.com").id
        other = td.customer(name="Jonas Petraitis", email="jonas@example.com").id
        product = create_product({"sku": "KET-1", "name": "Βραστήρας", "unit_price": "40.00"})
        db.session.commit()
        product_id = product.id
    headers = token_for()
    order = _order(client, headers, mine, product_id)
    quotation = _order(client, headers, mine, product_id, confirm=False)
    theirs = _order(client, headers, other, product_id)
    with app.test_request_context():
        eleni = db.session.get(Customer, mine)
        found = subject_for(eleni, f"sales.order:order_id={order['id']}")
        assert found["ref"] == f"sales.order:order_id={order['id']}" and order["number"] in found["label"]
        assert found["product_id"] == product_id
        for ref in (f"sales.order:order_id={quotation['id']}", f"sales.order:order_id={theirs['id']}",
                    "sales.order:order_id=99999999999", "sales.order:order_id=", "x" * 500, ""):
            assert subject_for(eleni, ref) is None, ref
