"""Tests of the hello plugin, written with Rapport's fixtures (core.testing)."""
import pytest


@pytest.mark.plugins("hello")
def test_new_customer_gets_a_welcome_note(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Zoë Hello"})
        db.session.commit()  # customer_created fires now; our listener adds the note
    login()
    assert "Welcome, Zoë Hello!" in client.get("/hello/").get_data(as_text=True)
    assert "Latest notes" in client.get("/").get_data(as_text=True)


@pytest.mark.plugins("hello")
def test_notes_are_in_the_audit_log(app, client, login):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        customer = create_customer({"name": "Audited Hello"})
        db.session.commit()
        customer_id = customer.id
    login()
    page = client.get(f"/customers/{customer_id}/changes").get_data(as_text=True)
    assert "Hello note" in page and "Welcome, Audited Hello!" in page


@pytest.mark.plugins("hello")
def test_notes_need_the_permission(client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/hello/").status_code == 403


@pytest.mark.plugins()
def test_disabled_plugin_has_no_pages(client, login):
    login()
    assert client.get("/hello/").status_code == 404


@pytest.mark.plugins("hello", "sales")
def test_points_come_from_the_sales_plugins_order_lines(app):
    """A cross-plugin query hook: sales' confirmed order lines, read without importing sales."""
    from core.customers.service import create_customer
    from core.db import db
    from rapport_hello.models import points_for

    with app.test_request_context():
        customer = create_customer({"name": "Zoë Points"})
        db.session.commit()
        assert points_for(customer.id) == {"orders": 0, "points": 0}
        # Only through the public API: the example never imports plugins.sales.
        client = app.test_client()
        from core.auth.models import ApiToken, User
        import sqlalchemy as sa

        admin = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
        _row, token = ApiToken.issue(admin, "test")
        db.session.commit()
        h = {"Authorization": f"Bearer {token}"}
        order = client.post("/api/v1/sales/orders", headers=h, json={
            "customer_id": customer.id, "lines": [{"description": "Chair", "quantity": "3", "unit_price": "40.50"}]})
        assert order.status_code == 201, order.get_json()
        assert client.post(f"/api/v1/sales/orders/{order.get_json()['id']}/confirm", headers=h).status_code == 200
        assert points_for(customer.id) == {"orders": 1, "points": 121}


@pytest.mark.plugins("hello")
def test_no_points_without_sales(app):
    from rapport_hello.models import points_for

    with app.app_context():
        assert points_for(1) is None
