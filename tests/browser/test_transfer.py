"""Import in Chromium: upload → columns → preview → import with the progress bar; in English and
Hebrew, failing on any JavaScript error or failed request. Screenshots: test-artifacts/transfer-*.png.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.testing import browser_login, choose_language, watch_page

pytestmark = pytest.mark.browser

GREEK = ("Ονοματεπώνυμο;Courriel;Τηλέφωνο;Πόλη;Ημερομηνία γέννησης\r\n"
         "Γιώργος Παπαδόπουλος;giorgos@example.gr;+30 691 234 4691;Αθήνα;17/05/1980\r\n"
         "Ελένη Νικολάου;eleni@example.gr;210 123 4567;Θεσσαλονίκη;03/04/1975\r\n"
         "Κακή Διεύθυνση;not-an-email;;Πάτρα;\r\n")
HEBREW = ("שם מלא,אימייל,טלפון,כתובת,עיר\r\n"
          "דוד כהן,david@example.co.il,+972 52 555 1234,\"רחוב הרצל 12, דירה 3\",תל אביב\r\n"
          "שרה לוי,sara@example.co.il,+972 54 765 4321,יפו 97,ירושלים\r\n")


def _names(app):
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        return list(db.session.execute(sa.select(Customer.name).order_by(Customer.id)).scalars())


def _upload(page, server, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.goto(f"{server.url}/customers/")
    with page.expect_navigation():
        page.click("main a[href='/transfer/import/customers']")
    page.set_input_files("input[type=file]", str(path))
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/mapping" in page.url, page.locator("main").inner_text()


def test_upload_map_preview_and_import_with_the_progress_bar(app, live_server, browser_page, screenshot, run_jobs,
                                                            tmp_path):
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    _upload(page, live_server, tmp_path, "pelates.csv", GREEK)
    # Found by their names: the Greek headers; "Courriel" is nobody's header, so the user maps it.
    assert page.input_value("#col-0") == "name"
    assert page.input_value("#col-1") == ""
    assert page.input_value("#col-2") == "phones"
    assert page.input_value("#col-4") == "birth_date"
    assert page.input_value("#delimiter") == ";"
    page.select_option("#col-1", "emails")
    page.select_option("#language", "el")
    page.check("#skip_bad_rows")
    page.fill("#profile_name", "Παλιό σύστημα")
    screenshot(page, "transfer-mapping-en")
    with page.expect_navigation():
        page.click("main form button:has-text('Preview')")
    table = page.locator("table.js-preview")
    assert table.locator("tbody tr").count() == 3
    bad = table.locator("tr.table-danger")
    assert bad.count() == 1 and "not a valid email address" in bad.inner_text()
    assert "New" in table.locator("tbody tr").first.inner_text()
    assert _names(app) == []  # a preview saves nothing
    screenshot(page, "transfer-preview-en")
    with page.expect_navigation():
        page.click("button:has-text('Import the whole file')")
    card = page.locator(".js-job")
    assert card.get_attribute("data-active") == "true"
    assert card.locator(".progress").is_visible()
    run_jobs()  # a worker runs it; the page follows without a reload
    card.locator(".js-job-status", has_text="Done").wait_for()
    assert "Created: 2" in card.locator(".js-job-message").inner_text()
    assert card.locator(".progress-bar").get_attribute("style") == "width: 100%;"
    page.reload()
    assert page.locator("a:has-text('Download the rows with problems')").is_visible()
    page.wait_for_timeout(800)
    screenshot(page, "transfer-done-en")
    assert _names(app) == ["Γιώργος Παπαδόπουλος", "Ελένη Νικολάου"]
    assert not problems, problems


def test_the_pages_in_hebrew(app, live_server, browser_page, screenshot, run_jobs, tmp_path):
    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    choose_language(page, "he")
    assert page.get_attribute("html", "dir") == "rtl"
    _upload(page, live_server, tmp_path, "lakochot.csv", HEBREW)
    assert [page.input_value(f"#col-{i}") for i in range(5)] == ["name", "emails", "phones", "street", "city"]
    screenshot(page, "transfer-mapping-he")
    with page.expect_navigation():
        page.click("main form button[type=submit]:not([name=reread])")
    assert page.locator("table.js-preview tbody tr.table-danger").count() == 0
    assert "רחוב הרצל 12, דירה 3" in page.locator("table.js-preview").inner_text()
    screenshot(page, "transfer-preview-he")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    run_jobs()
    page.locator(".js-job[data-active='false']").wait_for()
    page.reload()
    screenshot(page, "transfer-done-he")
    page.goto(f"{live_server.url}/transfer/")
    screenshot(page, "transfer-index-he")
    page.goto(f"{live_server.url}/customers/?q=כהן")
    export = page.locator("a[title]", has_text="CSV")
    assert export.get_attribute("href") == "/transfer/export/customers.csv?q=%D7%9B%D7%94%D7%9F"
    screenshot(page, "transfer-customer-list-he")
    assert _names(app) == ["דוד כהן", "שרה לוי"]
    assert not problems, problems


def test_a_saved_mapping_is_deleted_after_a_confirmation(app, live_server, browser_page, screenshot):
    from core.auth.models import User
    from core.db import db
    from core.transfer.models import ImportProfile

    with app.app_context():
        admin = db.session.execute(sa.select(User.id).order_by(User.id)).scalars().first()
        for name in ("Παλιό σύστημα", "ייבוא 2019"):
            db.session.add(ImportProfile(kind="customers", name=name, mapping={"courriel": "emails"}, options={},
                                         user_id=admin))
        db.session.commit()

    def names():
        with app.app_context():
            return sorted(db.session.execute(sa.select(ImportProfile.name)).scalars())

    page = browser_page
    problems = watch_page(page)
    browser_login(page, live_server)
    page.goto(f"{live_server.url}/transfer/import/customers")
    screenshot(page, "transfer-profiles-en")
    row = page.locator("main li", has_text="Παλιό σύστημα")
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Delete").click()
    assert messages == ["Delete the saved mapping “Παλιό σύστημα”? Imports that used it are not affected."]
    assert names() == ["Παλιό σύστημα", "ייבוא 2019"]  # dismissed: nothing deleted
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        row.get_by_role("button", name="Delete").click()
    assert "The saved mapping “Παλιό σύστημα” was deleted." in page.locator("main").inner_text()
    assert names() == ["ייבוא 2019"]
    choose_language(page, "he")
    assert page.locator("html").get_attribute("dir") == "rtl"
    screenshot(page, "transfer-profiles-he")
    assert problems == []
