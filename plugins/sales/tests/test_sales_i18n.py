"""Sales pages in the five languages. Catalog completeness for every plugin is checked by
the core (tests/test_i18n.py::test_every_catalog_is_complete)."""
import re
from datetime import date
from decimal import Decimal

import pytest



@pytest.mark.plugins("sales")
def test_hebrew_pages_are_right_to_left(app, client, login):
    login()
    client.post("/language", data={"lang": "he", "next": "/sales/"})
    page = client.get("/sales/").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "צנרת" in page and "מכירות" in page


def _order_with_discount(app):
    from core.db import db
    from plugins.sales.orders import create_quotation
    from plugins.sales.tests.sales_testdata import seed

    ids = seed(app)
    with app.app_context():
        order = create_quotation({"customer_id": ids["customers"][0], "currency": "EUR", "lines": [
            {"description": "Workstation", "quantity": "10", "unit_price": "1250.50", "discount_percent": "10",
             "tax_rate": "24"}]}, owner_id=1)
        db.session.commit()
        return order.id


# Per language: the discount, the quantity cell, the line total and the grand total as a reader expects them.
ORDER_TEXT = {
    "en": ("10%", ">10<", "11,254.50", "€13,955.58"),
    "el": ("10%", ">10<", "11.254,50", "13.955,58\u00a0€"),
    "lt": ("10\u00a0%", ">10<", "11\u00a0254,50", "13\u00a0955,58\u00a0€"),
    "fa": ("۱۰٪", ">۱۰<", "۱۱٬۲۵۴٫۵۰", "۱۳٬۹۵۵٫۵۸"),
    "he": ("10%", ">10<", "11,254.50", "13,955.58"),
}


@pytest.mark.plugins("sales")
@pytest.mark.parametrize("lang", ORDER_TEXT)
def test_order_with_ten_percent_discount_and_quantity_ten_in_every_language(app, client, login, lang):
    """The quotation used to print the 10 % discount as 1E+1% (Decimal.normalize())."""
    order_id = _order_with_discount(app)
    login()
    client.post("/language", data={"lang": lang, "next": "/"})
    for url in (f"/sales/orders/{order_id}", f"/sales/orders/{order_id}/print"):
        html = client.get(url).get_data(as_text=True)
        # Exponent notation in what the page shows; the CSRF tokens are random letters and
        # digits that may well contain "1E", so they are taken out first.
        shown = re.sub(r'(name="csrf_token"[^>]*value|name="csrf-token" content)="[^"]*"', "", html)
        assert not re.search(r"\dE[+-]?\d", shown), url
        for expected in ORDER_TEXT[lang]:
            assert expected in html, (url, lang, expected)


@pytest.mark.plugins("sales")
def test_quotation_form_reads_decimal_comma_and_greek_dates(app, client, login):
    from core.db import db
    from plugins.sales.models import Order

    ids = _seed_ids(app)
    login()
    client.post("/language", data={"lang": "el", "next": "/"})
    form = {"customer_id": str(ids["customers"][0]), "currency": "EUR", "valid_until": "31/12/2026",
            "lines-0-description": "Σταθμός εργασίας", "lines-0-quantity": "2,5", "lines-0-unit_price": "1.250,50",
            "lines-0-discount_percent": "7,5", "lines-0-tax_rate": "24"}
    r = client.post("/sales/orders/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        order = db.session.query(Order).order_by(Order.id.desc()).first()
        line = order.lines[0]
        assert (line.quantity, line.unit_price, line.discount_percent) == (Decimal("2.5"), Decimal("1250.50"),
                                                                          Decimal("7.5"))
        assert order.valid_until == date(2026, 12, 31)
    edit = client.get(f"/sales/orders/{order.id}/edit").get_data(as_text=True)
    assert 'value="1.250,50"' in edit and 'value="2,5"' in edit and 'value="31/12/2026"' in edit


@pytest.mark.plugins("sales")
def test_quotation_form_reads_persian_digits_and_solar_hijri_dates(app, client, login):
    from core.db import db
    from plugins.sales.models import Order

    ids = _seed_ids(app)
    login()
    client.post("/language", data={"lang": "fa", "next": "/"})
    form = {"customer_id": str(ids["customers"][0]), "currency": "EUR", "valid_until": "۱۴۰۵/۱/۱",
            "lines-0-description": "ایستگاه کاری", "lines-0-quantity": "۳", "lines-0-unit_price": "۱٬۲۵۰٫۵",
            "lines-0-discount_percent": "۱۰", "lines-0-tax_rate": "۹"}
    assert client.post("/sales/orders/new", data=form).status_code == 302
    with app.app_context():
        order = db.session.query(Order).order_by(Order.id.desc()).first()
        assert order.lines[0].unit_price == Decimal("1250.50") and order.lines[0].quantity == 3
        assert order.valid_until == date(2026, 3, 21)  # 1 Farvardin 1405, Nowruz
    bad = client.post("/sales/orders/new", data={**form, "lines-0-unit_price": "یک"})
    assert bad.status_code == 422
    assert "عددی مانند ۱٬۲۵۰٫۵۰ وارد کنید." in bad.get_data(as_text=True)


def _seed_ids(app):
    from plugins.sales.tests.sales_testdata import seed

    return seed(app)


@pytest.mark.plugins("sales")
def test_whole_numbers_are_typed_in_persian_digits(app, client, login):
    """A Persian manager types the stage's order and probability with a Persian keyboard: the
    inputs are text inputs (a browser empties ``type=number`` fields holding ۱۵), the form reads
    the digits, and shows them back in Persian when the stage is edited."""
    import sqlalchemy as sa

    from core.db import db
    from plugins.sales.models import Stage

    _seed_ids(app)
    login()
    client.post("/language", data={"lang": "fa", "next": "/"})
    page = client.get("/sales/settings/stages/new").get_data(as_text=True)
    assert 'type="number"' not in page and 'inputmode="numeric"' in page
    assert client.post("/sales/settings/stages/new", data={"name": "مذاکره", "position": "۱۵",
                                                            "probability": "۴۰"}).status_code == 302
    with app.app_context():
        stage = db.session.execute(sa.select(Stage).where(Stage.name == "مذاکره")).scalar_one()
        assert (stage.position, stage.probability) == (15, 40)
        stage_id = stage.id
    edit = client.get(f"/sales/settings/stages/{stage_id}").get_data(as_text=True)
    assert 'value="۱۵"' in edit and 'value="۴۰"' in edit
    bad = client.post(f"/sales/settings/stages/{stage_id}", data={"name": "مذاکره", "position": "۱۵",
                                                                  "probability": "۲٫۵"})
    assert bad.status_code == 422 and "یک عدد صحیح وارد کنید." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Stage, stage_id).probability == 40  # nothing half-saved
