"""Every portal page at 375 px and on a desktop, in English and Hebrew: a customer with orders,
equipment and a service request follows every link inside /portal (so pages added later are
visited too), and each page must fit the phone's width without JavaScript errors or failed
resources. Screenshots: test-artifacts/portal-page-<path>-<width>-<lang>.png."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from core.testing import PASSWORD, choose_language, portal_account, watch_page
from core.l10n import local_today

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]

MAX_PAGES = 40


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from plugins.sales.orders import confirm, create_quotation, mark_sent
    from plugins.service import service as svc
    from plugins.service.models import Equipment

    with app.app_context():
        boiler = Product(sku="BOIL-24", name="Λέβητας αερίου 24 kW", name_key="λεβητας αεριου 24 kw",
                         unit_price=Decimal("1890.00"), warranty_months=36)
        filt = Product(sku="FLT-2", name="Φίλτρο νερού", name_key="φιλτρο νερου", unit_price=Decimal("24.50"))
        db.session.add_all([boiler, filt])
        db.session.flush()
        customer = create_customer({"name": "Αικατερίνη Παπαγεωργοπούλου-Οικονόμου",
                                    "emails": ["katerina.papageorgopoulou@example.com"],
                                    "phones": ["+306912345678"], "preferred_language": "en",
                                    "addresses": [{"street": "Λεωφόρος Βασιλίσσης Σοφίας 120", "postcode": "11526",
                                                   "city": "Αθήνα", "country": "GR"}]})
        db.session.flush()
        sent = create_quotation({"customer_id": customer.id, "valid_until": (local_today() + timedelta(days=20)).isoformat(),
                                 "lines": [{"product_id": boiler.id, "quantity": "1"},
                                           {"product_id": filt.id, "quantity": "3", "discount_percent": "10"}]},
                                owner_id=1)
        mark_sent(sent)
        done = create_quotation({"customer_id": customer.id, "lines": [{"product_id": filt.id, "quantity": "2"}]},
                                owner_id=1)
        confirm(done)
        eq = svc.create_equipment(customer_id=customer.id, product_id=boiler.id, serial="BX-2024-000123",
                                  install_date=local_today() - timedelta(days=200))
        svc.add_warranty(db.session.get(Equipment, eq.id), start_date=local_today() - timedelta(days=200), months=36)
        svc.open_request(equipment_id=eq.id, problem="Ο λέβητας σβήνει μετά από λίγα λεπτά.", channel="portal")
        db.session.commit()
        return customer.id


def _crawl(page, base, width, lang, screenshot):
    seen, queue, visited = set(), ["/portal/"], []
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(base + path)
        visited.append(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px too wide at {width}px ({lang})"
        name = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"portal-page-{name}-{width}-{lang}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/portal/") or "/print" in parts.path:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen:
                queue.append(target)
    return visited


@pytest.mark.parametrize("width,lang", [(375, "en"), (375, "he"), (1280, "fa")])
def test_every_portal_page_fits_the_screen(live_server, _playwright_browser, screenshot, width, lang):
    app = live_server.app
    customer_id = _seed(app)
    email = portal_account(app, customer_id)
    context = _playwright_browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB",
                                              is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    problems = watch_page(page)
    page.goto(f"{live_server.url}/portal/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if lang != "en":
        choose_language(page, lang)
        assert page.get_attribute("html", "dir") == "rtl"
    visited = _crawl(page, live_server.url, width, lang, screenshot)
    for expected in ("/portal/account", "/portal/sales/orders", "/portal/sales/catalog", "/portal/service/equipment",
                     "/portal/service/requests"):
        assert expected in visited, (expected, visited)
    assert any(p.startswith("/portal/service/equipment/") and p.endswith("/request") for p in visited)
    assert not problems, problems
    context.close()
