"""The issue's check in headless Chromium: staff send a quotation → the customer accepts it in
the portal (on a phone) → the order is confirmed → the equipment and its warranty appear in the
portal → the customer claims under warranty with a photo → staff see the request and decide the
coverage → the customer sees the decision. Screenshots: test-artifacts/portal-journey-*.png."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from core.testing import browser_login, portal_account, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.plugins("sales", "service")]

PHONE = {"width": 375, "height": 800}


def _seed(app):
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from plugins.sales.orders import create_quotation

    with app.app_context():
        washer = Product(sku="WM-9", name="Πλυντήριο WM-9", name_key="πλυντηριο wm-9", unit_price=Decimal("649.00"),
                         warranty_months=24)
        db.session.add(washer)
        db.session.flush()
        customer = create_customer({"name": "Dana Levi", "emails": ["dana@example.com"], "preferred_language": "he"})
        db.session.flush()
        order = create_quotation({"customer_id": customer.id, "lines": [{"product_id": washer.id, "quantity": "1"}]},
                                 owner_id=1)
        db.session.commit()
        return customer.id, order.id, order.number


def _photo(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "drum.jpg"
    Image.new("RGB", (320, 240), (30, 90, 160)).save(path, "JPEG")
    return str(path)


def test_quotation_to_warranty_claim_and_decision(live_server, browser_page, _playwright_browser, screenshot,
                                                  tmp_path):
    app = live_server.app
    customer_id, order_id, number = _seed(app)
    email = portal_account(app, customer_id)
    staff = browser_page
    staff_problems = watch_page(staff)
    browser_login(staff, live_server)

    # 1. Staff send the quotation.
    staff.goto(f"{live_server.url}/sales/orders/{order_id}")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Mark as sent").click()

    # 2. The customer logs in on a phone (Hebrew, her language) and accepts it.
    phone = _playwright_browser.new_context(viewport=PHONE, locale="he-IL", is_mobile=True, has_touch=True)
    page = phone.new_page()
    problems = watch_page(page)
    page.goto(f"{live_server.url}/portal/login")
    page.fill("input[name=email]", email)
    from core.testing import PASSWORD

    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.get_attribute("html", "dir") == "rtl"
    screenshot(page, "portal-journey-home-375-he")
    page.goto(f"{live_server.url}/portal/sales/orders/{order_id}")
    screenshot(page, "portal-journey-quotation-375-he")
    page.fill("input[name=name]", "Dana Levi")
    page.check("input[name=agree]")
    with page.expect_navigation():
        page.locator("form[action$='/accept'] button[type=submit]").click()
    assert page.locator(".badge.text-bg-success").count() == 1  # confirmed

    # 3. The order is confirmed: the equipment and its 24-month warranty appear in the portal.
    page.goto(f"{live_server.url}/portal/service/equipment")
    assert "WM-9" in page.inner_text("main")
    assert page.locator(".badge.text-bg-success").count() >= 1  # the warranty is active
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "portal-journey-equipment-375-he")

    # 4. The customer claims under warranty with a photo.
    page.locator("main h2 a").first.click()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.locator("main a.btn-primary").click()
    page.fill("textarea[name=problem]", "המכונה לא סוחטת ויש רעש חזק")
    page.check("input[name=warranty_claim]")
    page.set_input_files("input[name=photos]", _photo(tmp_path))
    screenshot(page, "portal-journey-claim-375-he")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    request_url = page.url
    assert "/portal/service/requests/" in request_url
    assert page.locator("[data-decision]").count() == 0  # not decided yet
    assert page.locator("img.service-photo").count() == 1

    # 5. Staff see the request with the photo and decide: diagnosed, covered by the warranty.
    request_id = request_url.rstrip("/").rsplit("/", 1)[1]
    staff.goto(f"{live_server.url}/service/requests/{request_id}")
    assert "The customer claims under warranty" in staff.inner_text("main")
    assert staff.locator("img.service-photo").evaluate("img => img.naturalWidth") == 320
    staff.fill("textarea[name=diagnosis]", "Worn drive belt; replaced under warranty")
    with staff.expect_navigation():
        staff.locator("form[action$='/requests/%s'] button[type=submit]" % request_id).click()
    with staff.expect_navigation():
        staff.get_by_role("button", name="Mark diagnosed").click()
    screenshot(staff, "portal-journey-staff-request-en")

    # 6. The customer sees the decision.
    page.reload()
    assert page.locator("[data-decision='covered']").count() == 1
    screenshot(page, "portal-journey-decision-375-he")
    desktop = _playwright_browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    wide = desktop.new_page()
    wide.goto(f"{live_server.url}/portal/login")
    wide.fill("input[name=email]", email)
    wide.fill("input[name=password]", PASSWORD)
    with wide.expect_navigation():
        wide.locator("main form button[type=submit]").click()
    wide.goto(request_url)
    screenshot(wide, "portal-journey-decision-desktop-he")
    assert not problems, problems
    assert not staff_problems, staff_problems
    phone.close()
    desktop.close()
