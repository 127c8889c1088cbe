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
