"""Browser: a Hebrew-speaking marketer imports a file of phone numbers into a static list
chosen on the columns page (no list column in the file): upload → columns (*Or the same for
every row*) → preview (the list named, an existing member matched) → import. Fails on any
JavaScript error or failed request; screenshots test-artifacts/marketing-import-{mapping,preview}-he.png."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.testing import browser_login, choose_language, watch_page
from marketing_testdata import customer

pytestmark = [pytest.mark.browser, pytest.mark.plugins("marketing")]

FILE = "טלפון,הערה\r\n+972 52 555 1234,לקוחה ותיקה\r\n054-765-4321,\r\n"


def test_import_phones_into_a_chosen_list_in_hebrew(app, live_server, browser_page, screenshot, run_jobs, tmp_path):
    from plugins.marketing.models import Segment, SegmentMember

    with app.app_context():
        app.config["PHONE_DEFAULT_REGION"] = "IL"
        david = customer("דוד כהן", "david@example.co.il", phone="+972 52 555 1234").id
        sara = customer("שרה לוי", "sara@example.co.il", phone="+972 54 765 4321").id
        vip = Segment(name="לקוחות VIP", kind="static")
        db.session.add_all([vip, Segment(name="Rules", kind="rules", rules={"op": "and", "items": []})])
        db.session.flush()
        db.session.add(SegmentMember(segment_id=vip.id, customer_id=david))
        db.session.commit()
        vip_id = vip.id
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, "he")
    path = tmp_path / "telefonim.csv"
    path.write_text(FILE, encoding="utf-8")
    page.goto(f"{live_server.url}/transfer/import/marketing.segment_members")
    page.set_input_files("input[type=file]", str(path))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/mapping" in page.url, page.locator("main").inner_text()
    assert page.input_value("#col-0") == "customer"  # "טלפון" is one of the field's names
    options = page.locator("#fixed-segment option").all_inner_texts()
    assert "לקוחות VIP" in options and "Rules" not in options  # static lists only
    page.select_option("#fixed-segment", f"#{vip_id}")
    screenshot(page, "marketing-import-mapping-he")
    with page.expect_navigation():
        page.click("main form button.btn-primary")
    assert "/preview" in page.url, page.locator("main").inner_text()
    assert "לקוחות VIP" in page.locator("main ul").first.inner_text()
    rows = page.locator("table.js-preview tbody tr")
    assert rows.count() == 2 and "לקוחות VIP" in rows.first.inner_text()  # David is already a member
    screenshot(page, "marketing-import-preview-he")
    with page.expect_navigation():
        page.click(f"form[action$='/start'] button")
    run_jobs()
    page.locator(".js-job[data-active='false']").wait_for()
    with app.app_context():
        members = set(db.session.execute(sa.select(SegmentMember.customer_id)
                                          .where(SegmentMember.segment_id == vip_id)).scalars())
    assert members == {david, sara}
    assert not problems, problems
