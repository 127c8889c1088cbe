"""The "Today" dashboard card: the salesperson's own overdue customers, valuable customers
slipping away, and the product to add to their open quotations; each with its reason, and a
follow-up scheduled from it (CSRF, once, shown done)."""
import re

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import assert_queries_constant

from analytics_testdata import SALES, customer, quote, today_world, user_id


def _suggestions(html):
    return [(kind, int(cid)) for kind, cid in re.findall(r'data-kind="(\w+)" data-customer="(\d+)"', html)]


def _csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.plugins("sales", "analytics")
def test_today_card_suggests_own_customers_with_reasons(app, client, login, make_user):
    w = today_world(app, make_user)
    login(SALES)
    html = client.get("/").get_data(as_text=True)
    assert _suggestions(html) == [("overdue", w["overdue"]), ("falling", w["falling"]), ("crosssell", w["quoted"])]
    assert "Usually buys every 20 days; last order 30 days ago." in html
    assert "Probability alive fell from 90% to 50%; bought €1,000.00 so far." in html
    assert (f"Quotation {w['quote']} has <bdi>Kettle</bdi>; 100% of its buyers then bought <bdi>מסנן מים</bdi> "
            "(lift 1.5).") in html
    assert html.count("Schedule a follow-up") == 3
    # In Hebrew: the same suggestions, reasons in Hebrew with the numbers in place.
    client.post("/language", data={"lang": "he", "next": "/"})
    he = client.get("/").get_data(as_text=True)
    assert _suggestions(he) == _suggestions(html)
    assert "בדרך כלל קונה כל 20 ימים; ההזמנה האחרונה לפני 30 ימים." in he
    assert "ההסתברות שהלקוח פעיל ירדה מ־90% ל־50%" in he and "Schedule a follow-up" not in he


@pytest.mark.plugins("sales", "analytics")
def test_scheduling_a_follow_up_from_a_suggestion(app, client, login, make_user):
    from core.history.models import Activity

    w = today_world(app, make_user)
    login(SALES)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/analytics/today/overdue/{w['overdue']}"
    token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post(url).status_code == 400  # no CSRF token: nothing scheduled
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/#analytics-today")
    assert client.post(url, data={"csrf_token": token}).status_code == 302  # twice: still one follow-up
    with app.app_context():
        rows = db.session.execute(sa.select(Activity).where(Activity.customer_id == w["overdue"])).scalars().all()
        assert len(rows) == 1
        a = rows[0]
        assert (a.source, a.ref, a.due_date, a.assignee_id) == ("analytics", "analytics.today.overdue", w["today"],
                                                               user_id(SALES))
        assert a.summary == ("Overdue for their usual purchase: Usually buys every 20 days; last order 30 days ago.")
        assert a.done_at is None and a.visible_with == "analytics.view"
    html = client.get("/").get_data(as_text=True)
    assert html.count("Schedule a follow-up") == 2 and html.count("js-scheduled") == 1
    # The follow-up is in the customer's contact history and in the core's due follow-ups card.
    assert "Usually buys every 20 days" in client.get(f"/customers/{w['overdue']}").get_data(as_text=True)
    # Not the user's suggestion (someone else's customer, unknown kind): 404, nothing written.
    assert client.post(f"/analytics/today/overdue/{w['overdue_other']}", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/analytics/today/crosssell/{w['overdue']}", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/analytics/today/nonsense/{w['quoted']}", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Activity)
                                  .where(Activity.source == "analytics")).scalar() == 1


@pytest.mark.plugins("sales", "analytics")
def test_acting_needs_history_log_and_the_card_needs_analytics(app, client, login, make_user):
    w = today_world(app, make_user)
    make_user("viewer@example.com", permissions=["analytics.view", "customers.view"])
    make_user("clerk@example.com", permissions=["customers.view", "history.log"])
    with app.app_context():  # the viewer owns the overdue customer: sees it, may not act
        from core.customers.models import Customer

        db.session.get(Customer, w["overdue"]).owner_id = user_id("viewer@example.com")
        from plugins.analytics.models import reassign

        reassign(w["overdue"], user_id("viewer@example.com"))
        db.session.commit()
    login("viewer@example.com")
    html = client.get("/").get_data(as_text=True)
    assert _suggestions(html) == [("overdue", w["overdue"])] and "Schedule a follow-up" not in html
    assert client.post(f"/analytics/today/overdue/{w['overdue']}").status_code == 403
    login("clerk@example.com")
    assert "analytics-today" not in client.get("/").get_data(as_text=True)
    assert client.post(f"/analytics/today/overdue/{w['overdue']}").status_code == 403


@pytest.mark.plugins("sales", "analytics")
def test_today_card_query_count_does_not_grow_with_suggestions(app, client, login, make_user, query_counter):
    w = today_world(app, make_user)
    login(SALES)

    def more():
        """Every customer becomes the salesperson's: more overdue, slipping and quoted customers."""
        from plugins.analytics.models import CustomerFigures

        with app.app_context():
            sales = user_id(SALES)
            db.session.execute(sa.update(CustomerFigures).values(owner_id=sales))
            for i in range(3):
                cid = customer(f"Another quotation {i}", owner_email=SALES)
                quote(cid, [w["kettle"]], SALES)
            db.session.commit()

    before = len(_suggestions(client.get("/").get_data(as_text=True)))
    assert_queries_constant(query_counter, lambda: client.get("/"), more, limit=25)
    after = _suggestions(client.get("/").get_data(as_text=True))
    assert len(after) > before + 3 and ("overdue", w["overdue_other"]) in after
