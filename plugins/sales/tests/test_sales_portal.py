"""Sales in the customer portal: quotations accepted (name + confirmation) or declined, orders
and their status, the printable page, order again, the catalog order for staff to confirm,
and every sales portal URL refusing another customer's ids."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sales_testdata import make_order, seed

from core.db import db
from core.testing import login_client, portal_account, portal_login, portal_probe

pytestmark = pytest.mark.plugins("sales")


def _with_email(app, customer_id, email):
    from core.customers.models import Customer
    from core.customers.service import update_customer

    with app.app_context():
        update_customer(db.session.get(Customer, customer_id), {"emails": [email]})
        db.session.commit()


def _send(app, order_id):
    from plugins.sales.models import Order
    from plugins.sales.orders import mark_sent

    with app.app_context():
        mark_sent(db.session.get(Order, order_id))
        db.session.commit()


def _order(app, order_id):
    from plugins.sales.models import Order

    with app.app_context():
        order = db.session.get(Order, order_id)
        db.session.expunge(order)
        return order


def _customer_portal(app, client):
    ids = seed(app)
    alice, bob = ids["customers"]
    _with_email(app, alice, "alice@example.com")
    _with_email(app, bob, "bob@example.com")
    portal_login(client, portal_account(app, alice))
    return ids, alice, bob


def _activities(app, customer_id):
    from core.history.models import Activity, Interaction

    with app.app_context():
        kinds = db.session.execute(sa.select(Interaction.kind, Interaction.channel)
                                   .where(Interaction.customer_id == customer_id)).all()
        todos = db.session.execute(sa.select(Activity.summary).where(Activity.customer_id == customer_id)).scalars()
        return [tuple(k) for k in kinds], list(todos)


def _read_by_a_greek_colleague(app, customer_id, number):
    """The portal's entry is a stored text: English in ``subject``, each colleague's language on screen."""
    from flask_babel import force_locale

    from core.history.models import Interaction

    with app.app_context():
        entry = db.session.execute(sa.select(Interaction).where(
            Interaction.customer_id == customer_id, Interaction.kind == "sales.quotation_accepted")).scalar_one()
        assert entry.subject == f"Quotation {number} accepted in the portal by Alice Example"
        assert entry.subject_params == {"number": number, "name": "Alice Example"}
        with app.test_request_context(), force_locale("el"):
            assert entry.display_subject == f"Η προσφορά {number} έγινε αποδεκτή στην πύλη από: Alice Example"


def test_customer_accepts_a_sent_quotation_with_name_and_confirmation(app, client):
    ids, alice, _bob = _customer_portal(app, client)
    laptop = ids["products"][0]
    draft = make_order(app, alice, laptop, qty="2")
    assert client.get(f"/portal/sales/orders/{draft}").status_code == 404  # staff's unsent draft is not shown
    _send(app, draft)
    page = client.get(f"/portal/sales/orders/{draft}").get_data(as_text=True)
    assert "Accept the quotation" in page and "Laptop" in page
    assert "Quotations to answer" in client.get("/portal/").get_data(as_text=True)
    missing = client.post(f"/portal/sales/orders/{draft}/accept", data={"name": "Alice Example"})
    assert missing.status_code == 422  # the confirmation box is required
    assert _order(app, draft).state == "sent"
    done = client.post(f"/portal/sales/orders/{draft}/accept", data={"name": "Alice Example", "agree": "y"})
    assert done.status_code == 302
    order = _order(app, draft)
    assert order.state == "confirmed" and order.accepted_by == "Alice Example" and order.accepted_at
    kinds, todos = _activities(app, alice)
    assert ("sales.quotation_accepted", "portal") in kinds and ("sales.order_confirmed", "note") in kinds
    assert any("Accepted in the portal" in t for t in todos)
    _read_by_a_greek_colleague(app, alice, order.number)
    # Accepting twice does nothing more.
    again = client.post(f"/portal/sales/orders/{draft}/accept", data={"name": "Alice Example", "agree": "y"})
    assert again.status_code == 303
    printable = client.get(f"/portal/sales/orders/{draft}/print")
    assert printable.status_code == 200 and "Order confirmation" in printable.get_data(as_text=True)
    assert f'href="/portal/sales/orders/{draft}"' in printable.get_data(as_text=True)  # back to the portal


def test_customer_declines_and_staff_are_told(app, client):
    ids, alice, _bob = _customer_portal(app, client)
    order_id = make_order(app, alice, ids["products"][1])
    _send(app, order_id)
    assert client.post(f"/portal/sales/orders/{order_id}/decline", data={"reason": "Too dear"}).status_code == 302
    order = _order(app, order_id)
    assert order.state == "cancelled" and order.declined_at and order.decline_reason == "Too dear"
    kinds, todos = _activities(app, alice)
    assert ("sales.quotation_declined", "portal") in kinds and any("Declined" in t for t in todos)
    assert "declined" in client.get("/portal/sales/orders").get_data(as_text=True)


def test_catalog_order_arrives_as_a_portal_order_for_staff_to_confirm(app, client, login):
    ids, alice, _bob = _customer_portal(app, client)
    laptop, ink = ids["products"]
    bad = client.post("/portal/sales/catalog", data={f"qty-{laptop}": "lots"})
    assert bad.status_code == 422
    nothing = client.post("/portal/sales/catalog", data={f"qty-{laptop}": ""})
    assert nothing.status_code == 422
    placed = client.post("/portal/sales/catalog", data={f"qty-{laptop}": "1", f"qty-{ink}": "3"})
    assert placed.status_code == 302
    from plugins.sales.models import Order

    with app.app_context():
        order = db.session.execute(sa.select(Order).where(Order.customer_id == alice)).scalar_one()
        assert order.origin == "portal" and order.state == "draft"
        assert sorted((line.sku, line.quantity) for line in order.lines) == [("INK-1", 3), ("LAP-1", 1)]
        order_id = order.id
    assert "sent to us, to be confirmed" in client.get("/portal/sales/orders").get_data(as_text=True)
    _kinds, todos = _activities(app, alice)
    assert any("Portal order" in t for t in todos)
    # Staff confirm it on their page; the customer sees it confirmed and can order again.
    login()
    assert client.post(f"/sales/orders/{order_id}/confirm").status_code == 302
    again = client.post(f"/portal/sales/orders/{order_id}/again")
    assert again.status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Order)
                                  .where(Order.customer_id == alice, Order.origin == "portal")).scalar() == 2


def test_every_sales_portal_url_refuses_another_customers_orders(app, client):
    ids, alice, bob = _customer_portal(app, client)
    make_order(app, alice, ids["products"][0], confirmed=True)
    for confirmed in (True, False, True):
        bobs = make_order(app, bob, ids["products"][0], confirmed=confirmed)
    _send(app, bobs - 1)
    problems = portal_probe(client, app, alice, bob)
    assert problems == []
    assert all(o.customer_id == bob for o in [_order(app, bobs)])  # nothing of Bob's changed hands
    assert _order(app, bobs - 1).state == "sent"


def _portal_mails(app, customer_id):
    from core.messaging.models import OutboxMessage

    with app.app_context():
        return [(m.template_key, m.language, m.subject, m.body_text) for m in db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.customer_id == customer_id, OutboxMessage.source == "portal",
                                           OutboxMessage.template_key == "portal.order_confirmed")).scalars()]


def test_staff_confirming_a_portal_order_emails_the_customer_in_greek(app, client):
    from core.customers.models import Customer
    from core.customers.service import update_customer

    ids, alice, _bob = _customer_portal(app, client)
    with app.app_context():
        update_customer(db.session.get(Customer, alice), {"preferred_language": "el"})
        db.session.commit()
    laptop, _ink = ids["products"]
    assert client.post("/portal/sales/catalog", data={f"qty-{laptop}": "1"}).status_code == 302
    from plugins.sales.models import Order

    with app.app_context():
        order_id, number = db.session.execute(sa.select(Order.id, Order.number).where(
            Order.customer_id == alice, Order.origin == "portal")).one()
    assert _portal_mails(app, alice) == []
    staff = app.test_client()
    login_client(staff)
    assert staff.post(f"/sales/orders/{order_id}/confirm").status_code == 302
    [(key, language, subject, body)] = _portal_mails(app, alice)
    assert language == "el" and subject == f"Η παραγγελία σας {number} επιβεβαιώθηκε"
    assert f"/portal/sales/orders/{order_id}" in body and "επιβεβαιώσαμε την παραγγελία" in body


def test_a_quotation_the_customer_accepts_sends_no_portal_email(app, client):
    ids, alice, _bob = _customer_portal(app, client)
    order_id = make_order(app, alice, ids["products"][0])
    _send(app, order_id)
    client.post(f"/portal/sales/orders/{order_id}/accept", data={"name": "Alice", "agree": "y"})
    assert _order(app, order_id).state == "confirmed"
    assert _portal_mails(app, alice) == []
