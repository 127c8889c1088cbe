"""Issue 16, finding 3: state changes are atomic under real concurrency.

Each test sends N = 12 simultaneous requests for the same state change to a real
threaded HTTP server (``live_server``), each over its own connection with its own
credentials, and checks what a user and an accountant would: exactly one request
wins (200), every other one gets 409, the change is announced exactly once and its
side effects happen exactly once (one history entry, one equipment unit per ordered
unit, one cancellation). The same tests run on SQLite and on PostgreSQL.

Before the fix, two simultaneous confirmations of one order on PostgreSQL gave two
200s, two ``order_confirmed`` events and two units; ten gave up to eight.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

import race_listener_plugin
from core.db import db
from core.testing import ADMIN_EMAIL, PASSWORD
from core.l10n import local_today

N = 12
pytestmark = pytest.mark.plugins("sales", "service", "race_listener", extra=[race_listener_plugin])


def race(n, action):
    """Run ``action(i)`` in ``n`` threads released at the same instant; returns the results."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:  # a crashed request must fail the test, not hang it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def api_post(server, path, token, body=None):
    """POST JSON over a fresh connection; returns the status code."""
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("POST", path, body=json.dumps(body or {}),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def tokens(app):
    """N API tokens for the admin (separate credentials per thread)."""
    from core.auth.models import ApiToken, User

    with app.app_context():
        admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        clear = [ApiToken.issue(admin, f"racer {i}")[1] for i in range(N)]
        db.session.commit()
    return clear


@pytest.fixture
def shop(app):
    """Stages, a lost reason, a washer with a warranty (so confirming makes equipment), a customer."""
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from plugins.sales.models import LostReason, Stage

    race_listener_plugin.received.clear()
    with app.app_context():
        # Replace the default stages and reasons that enabling sales created with known ones.
        db.session.execute(sa.delete(Stage))
        db.session.execute(sa.delete(LostReason))
        db.session.add_all([Stage(name="Lead", position=10, probability=10),
                            Stage(name="Won", position=90, probability=100, is_won=True),
                            Stage(name="Lost", position=95, probability=0, is_lost=True)])
        reason = LostReason(name="Price")
        washer = Product(sku="WM-1", name="Washer", name_key="washer", unit_price=Decimal("650.00"), warranty_months=24)
        db.session.add_all([reason, washer])
        customer = create_customer({"name": "Ρένα Κωστοπούλου"})
        db.session.commit()
        return {"customer": customer.id, "washer": washer.id, "reason": reason.id}


def quotation(app, shop, *, confirmed=False) -> int:
    from plugins.sales.orders import confirm, create_quotation

    with app.app_context():
        order = create_quotation({"customer_id": shop["customer"], "lines": [{"product_id": shop["washer"],
                                                                               "quantity": "1"}]}, owner_id=1)
        if confirmed:
            confirm(order)
        db.session.commit()
        race_listener_plugin.received.clear()
        return order.id


def opportunity(app, shop, status="open") -> int:
    from plugins.sales.models import Opportunity, Stage

    with app.app_context():
        stage = db.session.execute(sa.select(Stage).where(
            Stage.is_won.is_(status == "won"), Stage.is_lost.is_(status == "lost"))).scalar_one()
        opp = Opportunity(title="Boiler for the bakery", customer_id=shop["customer"], owner_id=1, stage_id=stage.id,
                          status=status, lost_reason_id=shop["reason"] if status == "lost" else None)
        db.session.add(opp)
        db.session.commit()
        return opp.id


def history(app, kind) -> int:
    from core.history.models import Interaction

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).where(Interaction.kind == kind)).scalar()


def one_winner(statuses):
    assert not [s for s in statuses if isinstance(s, Exception)], statuses
    counts = Counter(statuses)
    assert counts == Counter({200: 1, 409: N - 1}), counts


def test_confirming_an_order(app, live_server, tokens, shop):
    from plugins.service.models import Equipment

    order_id = quotation(app, shop)
    statuses = race(N, lambda i: api_post(live_server, f"/api/v1/sales/orders/{order_id}/confirm", tokens[i]))
    one_winner(statuses)
    assert race_listener_plugin.received == [("confirmed", order_id)]
    assert history(app, "sales.order_confirmed") == 1
    with app.app_context():
        units = db.session.execute(sa.select(sa.func.count()).where(Equipment.order_id == order_id)).scalar()
    assert units == 1


def test_cancelling_a_confirmed_order(app, live_server, tokens, shop):
    from plugins.service.models import Equipment

    order_id = quotation(app, shop, confirmed=True)
    statuses = race(N, lambda i: api_post(live_server, f"/api/v1/sales/orders/{order_id}/cancel", tokens[i]))
    one_winner(statuses)
    assert race_listener_plugin.received == [("cancelled", order_id)]
    assert history(app, "sales.order_cancelled") == 1
    assert history(app, "service.equipment_retired") == 1
    with app.app_context():
        statuses = db.session.execute(sa.select(Equipment.status).where(Equipment.order_id == order_id)).scalars().all()
    assert statuses == ["retired"]


def test_sending_a_quotation(app, live_server, tokens, shop):
    order_id = quotation(app, shop)
    one_winner(race(N, lambda i: api_post(live_server, f"/api/v1/sales/orders/{order_id}/send", tokens[i])))


@pytest.mark.parametrize("action, start, kind", [
    ("won", "open", "sales.won"),
    ("lost", "open", "sales.lost"),
    ("reopen", "won", "sales.reopened"),
    ("reopen", "lost", "sales.reopened"),
])
def test_closing_and_reopening_an_opportunity(app, live_server, tokens, shop, action, start, kind):
    opp_id = opportunity(app, shop, start)
    body = {"lost_reason_id": shop["reason"]} if action == "lost" else None
    statuses = race(N, lambda i: api_post(live_server, f"/api/v1/sales/opportunities/{opp_id}/{action}", tokens[i],
                                          body))
    one_winner(statuses)
    assert history(app, kind) == 1


def test_winning_a_prospect_makes_one_customer(app, live_server, tokens, shop):
    from core.customers.models import Customer
    from plugins.sales.models import Opportunity, Stage

    with app.app_context():
        stage = db.session.execute(sa.select(Stage).where(Stage.name == "Lead")).scalar_one()
        opp = Opportunity(title="Walk-in", prospect_name="Γιώργος Νέος", owner_id=1, stage_id=stage.id, status="open")
        db.session.add(opp)
        db.session.commit()
        opp_id = opp.id
    one_winner(race(N, lambda i: api_post(live_server, f"/api/v1/sales/opportunities/{opp_id}/won", tokens[i])))
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(Customer.name == "Γιώργος Νέος")).scalar() == 1


@pytest.mark.parametrize("to", ["diagnosed", "cancelled"])
def test_service_request_transitions(app, live_server, tokens, shop, to):
    from plugins.service import service as svc

    with app.app_context():
        eq = svc.create_equipment(customer_id=shop["customer"], product_id=shop["washer"], serial="RACE-1")
        req = svc.open_request(equipment_id=eq.id, problem="Leaks", technician_id=1)
        db.session.commit()
        rid = req.id
    body = {"to": to, "diagnosis": "Worn seal"}
    one_winner(race(N, lambda i: api_post(live_server, f"/api/v1/service/requests/{rid}/transitions", tokens[i], body)))
    assert history(app, f"service.request_{to}") == 1


def test_finishing_a_maintenance_visit(app, live_server, tokens, shop):
    from plugins.service import service as svc
    from plugins.service.models import Visit

    with app.app_context():
        eq = svc.create_equipment(customer_id=shop["customer"], product_id=shop["washer"], serial="RACE-2")
        visit = svc.schedule_visit(eq, due_date=local_today())
        db.session.commit()
        vid, eq_id = visit.id, eq.id
    body = {"done_on": local_today().isoformat(), "outcome": "ok"}
    one_winner(race(N, lambda i: api_post(live_server, f"/api/v1/service/visits/{vid}/finish", tokens[i], body)))
    assert history(app, "service.visit_done") == 1
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).where(Visit.equipment_id == eq_id)).scalar() == 1


# -- the web pages: separate browser sessions, each with its own login and CSRF token ---------


class Browser:
    """A minimal browser: cookies, and the CSRF token of the last page read."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def get(self, path) -> str:
        with self.opener.open(self.server.url + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path, data) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.server.url + path, data=body, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    @staticmethod
    def csrf(html) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def login(self):
        token = self.csrf(self.get("/login"))
        assert self.post("/login", {"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token}) == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_confirming_from_the_order_page(app, live_server, shop):
    order_id = quotation(app, shop)
    browsers = [Browser(live_server) for _ in range(N)]
    for b in browsers:
        b.login()
    tokens = [b.csrf(b.get(f"/sales/orders/{order_id}")) for b in browsers]
    statuses = race(N, lambda i: browsers[i].post(f"/sales/orders/{order_id}/confirm", {"csrf_token": tokens[i]}))
    assert Counter(statuses) == Counter({302: 1, 409: N - 1}), statuses
    assert race_listener_plugin.received == [("confirmed", order_id)]
    assert history(app, "sales.order_confirmed") == 1
