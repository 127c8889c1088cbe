"""core.l10n: numbers, money, percentages, dates, calendars and time zones, shown and typed
in the reader's conventions; stored texts read in each reader's own language."""
from __future__ import annotations

import types
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from core import PluginManifest, hookimpl
from core.db import db
from core.history.models import Interaction
from core.l10n import (
    ParseError, format_date, format_datetime, format_list, format_money, format_number, format_percent, format_quantity,
    input_date, parse_date, parse_datetime, parse_decimal, to_utc,
)

MONEY = {"en": "€1,250.50", "el": "1.250,50\u00a0€", "lt": "1\u00a0250,50\u00a0€", "he": "1,250.50"}


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


@pytest.mark.parametrize("lang, expected", MONEY.items())
def test_money_as_each_language_writes_it(ctx, lang, expected):
    with force_locale(lang):
        assert expected in format_money(Decimal("1250.5"), "EUR")


def test_persian_numbers_use_persian_digits(ctx):
    with force_locale("fa"):
        assert "۱٬۲۵۰٫۵۰" in format_money(Decimal("1250.5"), "EUR")
        assert format_number(Decimal("1250.5")) == "۱٬۲۵۰٫۵"
        assert format_percent(Decimal("10.00")) == "۱۰٪"


@pytest.mark.parametrize("lang, expected", [("en", "10%"), ("el", "10%"), ("lt", "10\u00a0%"), ("he", "10%")])
def test_percent_never_in_exponent_notation(ctx, lang, expected):
    """Decimal("10.00").normalize() is 1E+1: the old quotation printed "1E+1%"."""
    with force_locale(lang):
        assert format_percent(Decimal("10.00")) == expected
        assert format_quantity(Decimal("10.000")) == "10"
        assert format_number(Decimal("100")) == "100"
        assert "E" not in format_percent(Decimal("12.50")) + format_quantity(Decimal("1000.000"))


@pytest.mark.parametrize("lang, expected", [
    ("en", "raise, reassign, and notify"), ("el", "raise, reassign και notify"), ("lt", "raise, reassign ir notify"),
    ("fa", "raise،\u200f reassign، و notify"), ("he", "raise, reassign וnotify"),
])
def test_lists_joined_as_each_language_writes_them(ctx, lang, expected):
    """The complaints SLA table listed escalation actions with a Latin comma in Persian."""
    with force_locale(lang):
        assert format_list(["raise", None, "reassign", "notify"]) == expected
        assert format_list([]) == ""


@pytest.mark.parametrize("lang, text, expected", [
    ("el", "1.250,50", "1250.50"), ("el", "1250,50", "1250.50"), ("el", "1250.50", "1250.50"),
    ("el", "1.250", "1250"), ("el", "1.5", "1.5"), ("el", "-3,25", "-3.25"),
    ("lt", "1 250,50", "1250.50"), ("lt", "1\u00a0250,50", "1250.50"), ("lt", "0,5", "0.5"),
    ("en", "1,250.50", "1250.50"), ("en", "12.5", "12.5"), ("he", "1,250.5", "1250.5"),
    ("fa", "۱۲۳٫۵", "123.5"), ("fa", "۱٬۲۵۰", "1250"), ("fa", "١٢٣", "123"), ("fa", "۱۲/۵".replace("/", "."), "12.5"),
])
def test_numbers_typed_in_the_readers_conventions(ctx, lang, text, expected):
    with force_locale(lang):
        assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("lang, text, message", [("el", "12a", "1.250,50"), ("en", "1,2,3", "1,250.50"),
                                                  ("lt", "--5", "1\u00a0250,50")])
def test_unreadable_numbers_say_how_to_write_them(ctx, lang, text, message):
    with force_locale(lang), pytest.raises(ParseError) as err:
        parse_decimal(text)
    assert message in str(err.value)


@pytest.mark.parametrize("lang, text", [("el", "5/3/2026"), ("en", "3/5/2026"), ("lt", "2026-03-05"),
                                        ("he", "5.3.2026"), ("el", "2026-03-05"), ("el", "5/3/26")])
def test_dates_typed_in_the_languages_short_form(ctx, lang, text):
    with force_locale(lang):
        assert parse_date(text) == date(2026, 3, 5)


def test_persian_dates_are_solar_hijri_shown_and_typed(ctx):
    with force_locale("fa"):
        assert format_date(date(2026, 3, 5)) == "۱۴ اسفند ۱۴۰۴"
        assert input_date(date(2026, 3, 21)) == "۱۴۰۵/۱/۱"  # Nowruz
        assert parse_date("۱۴۰۴/۱۲/۱۴") == date(2026, 3, 5)
        assert parse_date("1404/12/14") == date(2026, 3, 5)
        assert parse_date("2026-03-05") == date(2026, 3, 5)  # ISO stays Gregorian
        with pytest.raises(ParseError) as err:
            parse_date("۱۴۰۴/۱۳/۱")
        assert "۱۴۰۵/۱۲/۲۹" in str(err.value)


def test_a_persian_user_may_choose_the_gregorian_calendar(app, client, login):
    login()
    r = client.post("/profile/preferences", data={"ui_language": "fa", "timezone": "Asia/Tehran",
                                                  "calendar": "gregorian"})
    assert r.status_code == 302
    with app.test_request_context():
        from flask_login import login_user

        from core.auth.models import User

        login_user(db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one())
        assert format_date(date(2026, 3, 5)) == "۵ مارس ۲۰۲۶"
        assert parse_date("2026/3/5") == date(2026, 3, 5)


def test_dates_shown_in_one_style(ctx):
    with force_locale("el"):
        assert format_date(date(2026, 3, 5)) == "5 Μαρ 2026"
    with force_locale("he"):
        assert format_date(date(2026, 3, 5)) == "5 במרץ 2026"


def test_times_shown_and_typed_across_a_daylight_saving_change(app, client, login):
    """Europe/Athens moves from UTC+2 to UTC+3 at 03:00 on 29 March 2026 and back on 25 October."""
    login()
    with app.test_request_context():
        with force_locale("el"):
            assert parse_datetime("28/3/2026 10:00") == datetime(2026, 3, 28, 8, 0)   # winter time
            assert parse_datetime("30/3/2026 10:00") == datetime(2026, 3, 30, 7, 0)   # summer time
            assert format_datetime(datetime(2026, 3, 28, 8, 0)) == "28 Μαρ 2026, 10:00\u202fπ.μ."
            assert format_datetime(datetime(2026, 3, 30, 7, 0)) == "30 Μαρ 2026, 10:00\u202fπ.μ."
            with pytest.raises(ParseError):  # 03:30 never happens that night
                parse_datetime("29/3/2026 03:30")
            # 03:30 happens twice on 25 October; the first one is taken.
            assert parse_datetime("25/10/2026 03:30") == datetime(2026, 10, 25, 0, 30)
            assert to_utc(datetime(2026, 10, 25, 4, 30)) == datetime(2026, 10, 25, 2, 30)
    # The history form: typed in the user's zone, stored in UTC, shown back in the zone.
    from core.customers.service import create_customer

    with app.app_context():
        cid = create_customer({"name": "Δοκιμή Ώρας"}).id
        db.session.commit()
    client.post("/language", data={"lang": "el", "next": "/"})
    for typed, stored in (("28/3/2026 10:00", datetime(2026, 3, 28, 8, 0)),
                          ("30/3/2026 10:00", datetime(2026, 3, 30, 7, 0))):
        r = client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "subject": typed,
                                                                 "occurred_at": typed})
        assert r.status_code == 302
        with app.app_context():
            row = db.session.execute(sa.select(Interaction).where(Interaction.subject == typed)).scalar_one()
            assert row.occurred_at == stored
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    timeline = html.split('id="timeline"')[1].split('id="pane-activities"')[0]  # not the audit's Changes tab
    assert timeline.count("10:00\u202fπ.μ.") == 2
    assert "UTC" not in html.split('id="timeline"')[1].split("</form>")[0]


def test_a_user_in_another_time_zone_sees_their_own_times(app, client, login):
    login()
    client.post("/profile/preferences", data={"ui_language": "en", "timezone": "America/New_York", "calendar": ""})
    html = client.get("/profile").get_data(as_text=True)
    assert 'selected value="America/New_York"' in html
    with app.test_request_context():
        from flask_login import login_user

        from core.auth.models import User

        login_user(db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one())
        assert format_datetime(datetime(2026, 7, 1, 12, 0)) == "Jul 1, 2026, 8:00\u202fAM"


def test_bad_preferences_are_refused(client, login):
    login()
    r = client.post("/profile/preferences", data={"ui_language": "xx", "timezone": "Mars/Olympus", "calendar": "x"})
    assert r.status_code == 422


def test_number_fields_read_the_users_conventions_and_keep_bad_input(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from core.l10n.fields import DateField, DecimalField

    class F(FlaskForm):
        class Meta:
            csrf = False

        amount = DecimalField("Amount", places=2)
        day = DateField("Day")

    with app.test_request_context():
        with force_locale("el"):
            form = F(formdata=MultiDict({"amount": "1.250,50", "day": "5/3/2026"}))
            assert form.validate()
            assert form.amount.data == Decimal("1250.50") and form.day.data == date(2026, 3, 5)
            shown = F(formdata=None, data={"amount": Decimal("1250.5"), "day": date(2026, 3, 5)})
            assert 'value="1.250,50"' in shown.amount() and 'value="5/3/2026"' in shown.day()
            bad = F(formdata=MultiDict({"amount": "δώδεκα", "day": "31/2/2026"}))
            assert not bad.validate()
            assert bad.amount.errors == ["Εισαγάγετε αριθμό, π.χ. 1.250,50."]
            assert bad.day.errors == ["Εισαγάγετε ημερομηνία, π.χ. 31/12/2026."]
            assert 'value="δώδεκα"' in bad.amount()


# -- stored texts: a kind and parameters, read in the reader's language ------------------------


def _texts_plugin():
    module = types.ModuleType("months_texts")
    module.__file__ = __file__  # the registry looks for migrations and translations next to it (none)
    module.manifest = PluginManifest(name="months_texts", label="Months")

    @hookimpl
    def register_text_kinds():
        from flask_babel import ngettext

        from core.contrib import TextKind

        return [TextKind("months_texts.extended",
                         lambda p: ngettext("%(num)s month", "%(num)s months", p["count"]))]

    module.register_text_kinds = register_text_kinds
    return module


TEXTS = _texts_plugin()


@pytest.mark.plugins("months_texts", extra=[TEXTS])
def test_register_text_kinds_a_greek_and_a_hebrew_colleague_each_read_their_language(app, client, login, make_user):
    from core.customers.service import create_customer
    from core.history.service import log_event

    make_user("eleni@example.com", permissions=["customers.view"])
    make_user("noa@example.com", permissions=["customers.view"])
    with app.app_context():
        cid = create_customer({"name": "Κοινός Πελάτης"}).id
        log_event(cid, "months_texts.extended", source="months_texts", subject_kind="months_texts.extended",
                  subject_params={"count": 3})
        db.session.commit()
        row = db.session.execute(sa.select(Interaction).where(Interaction.customer_id == cid)).scalar_one()
        assert row.subject == "3 months"  # English, for search and the API
    pages = {}
    for email, lang in (("eleni@example.com", "el"), ("noa@example.com", "he")):
        login(email)
        client.post("/language", data={"lang": lang, "next": "/"})
        pages[lang] = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "<strong>3 μήνες</strong>" in pages["el"] and "3 months" not in pages["el"]
    assert "<strong>3 חודשים</strong>" in pages["he"] and "3 months" not in pages["he"]


def test_unknown_text_kind_shows_the_stored_english(app):
    from core.l10n import render_text

    with app.test_request_context(), force_locale("el"):
        assert render_text("gone_plugin.thing", {"x": 1}, "What it said") == "What it said"
        assert render_text("core.merged", {"name": "Άννα"}, "x") == "Ο «Άννα» συγχωνεύθηκε σε αυτόν τον πελάτη"


def test_old_sentences_are_converted_to_stored_texts(app):
    """The data migration helper reads back parameters from sentences written in any language."""
    from core.l10n.migration import Rule, convert_subjects
    from core.customers.service import create_customer
    from core.history.service import log_event

    with app.app_context():
        cid = create_customer({"name": "Μ"}).id
        for subject in ("Merged “Anna” into this customer", "\"דנה\" מוזג ללקוח זה", "Something else"):
            log_event(cid, "core.merged", source="core", subject=subject)
        db.session.commit()
        rule = Rule("core.merged", ("core.merged",), ("Merged “%(name)s” into this customer",
                                                      "\"%(name)s\" מוזג ללקוח זה"),
                    english="Merged “%(name)s” into this customer")
        assert convert_subjects(db.session.connection(), [rule]) == 2
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction.subject, Interaction.subject_kind, Interaction.subject_params)
                                  .where(Interaction.customer_id == cid).order_by(Interaction.id)).all()
        assert rows == [("Merged “Anna” into this customer", "core.merged", {"name": "Anna"}),
                        ("Merged “דנה” into this customer", "core.merged", {"name": "דנה"}),
                        ("Something else", None, None)]


def test_stored_texts_keep_dates_as_iso_and_show_them_in_the_readers_calendar(ctx):
    with force_locale("fa"):
        assert format_date("2026-03-05") == "۱۴ اسفند ۱۴۰۴"
    with force_locale("el"):
        assert format_date("2026-03-05") == "5 Μαρ 2026"


def test_emails_received_and_bounced_are_read_in_each_readers_language(app):
    from core.history.service import log_event
    from core.customers.service import create_customer

    with app.app_context():
        cid = create_customer({"name": "Ζωή"}).id
        got = log_event(cid, "messaging.received", source="core", channel="email", direction="inbound",
                        subject_kind="messaging.received", subject_params={"from": "zoe@example.com", "subject": ""})
        bounced = log_event(cid, "messaging.bounced", source="core", channel="email", direction="outbound",
                            subject_kind="messaging.bounced",
                            subject_params={"to": "zoe@example.com", "subject": "Η επισκευή"})
        db.session.commit()
        assert got.subject == "From zoe@example.com: (no subject)"
        with app.test_request_context():
            with force_locale("lt"):
                assert bounced.display_subject == "Nepristatyta gavėjui zoe@example.com: Η επισκευή"
            with force_locale("fa"):
                assert got.display_subject == "از \u2068zoe@example.com\u2069: (بدون موضوع)"


def test_messaging_entries_written_before_stored_texts_are_converted(app):
    """core_0006 gives emails sent and received before this change their kind and parameters."""
    import importlib.util
    from pathlib import Path

    from core.customers.service import create_customer

    spec = importlib.util.spec_from_file_location(
        "core_0006", Path(__file__).parents[1] / "core/migrations/versions/core_0006_l10n.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        cid = create_customer({"name": "Dana"}).id
        for kind, subject, data in (("messaging.sent", "Your repair", {"to": "dana@example.co.il", "outbox_id": 1}),
                                    ("messaging.received", "", {"from": "dana@example.co.il", "inbound_id": 1}),
                                    ("interaction", "Called", None)):
            db.session.add(Interaction(customer_id=cid, kind=kind, source="core", channel="email",
                                       subject=subject, data=data))
        db.session.commit()
        migration._convert_messaging(db.session.connection())
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction.subject, Interaction.subject_kind, Interaction.subject_params)
                                  .where(Interaction.customer_id == cid).order_by(Interaction.id)).all()
        assert rows == [
            ("To dana@example.co.il: Your repair", "messaging.sent",
             {"to": "dana@example.co.il", "subject": "Your repair"}),
            ("From dana@example.co.il: (no subject)", "messaging.received",
             {"from": "dana@example.co.il", "subject": ""}),
            ("Called", None, None),
        ]


def _core_0006():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "core_0006", Path(__file__).parents[1] / "core/migrations/versions/core_0006_l10n.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_erasures_written_before_stored_texts_are_converted(app):
    """core_0006: main's erasure sentences (any language) become core.erased; an erased customer's
    merge entry loses the duplicate's name; an erased message entry stays empty."""
    from core.customers.models import Customer
    from core.customers.service import create_customer

    migration = _core_0006()
    with app.app_context():
        erased, kept = create_customer({"name": "#1"}), create_customer({"name": "Kept"})
        db.session.flush()
        erased.erased_at = datetime(2026, 11, 1)
        for cid, kind, subject, data in (
                (erased.id, "core.merged", "\"Dora Duplicate\" מוזג ללקוח זה", None),
                (erased.id, "messaging.sent", "", None),
                (erased.id, "core.erased", "Τα προσωπικά δεδομένα διαγράφηκαν", None),
                (kept.id, "core.merged", "Merged “Anna” into this customer", None)):
            db.session.add(Interaction(customer_id=cid, kind=kind, source="core", subject=subject, data=data))
        db.session.commit()
        connection = db.session.connection()
        migration.convert_subjects(connection, [migration.MERGED])
        migration._convert_messaging(connection)
        migration._convert_erasures(connection)
        db.session.commit()
        rows = db.session.execute(sa.select(Interaction.customer_id, Interaction.subject, Interaction.subject_kind,
                                            Interaction.subject_params).order_by(Interaction.id)).all()
        assert [tuple(r) for r in rows] == [
            (erased.id, "Merged a duplicate into this customer", "core.merged", {}),
            (erased.id, "", None, None),
            (erased.id, "Personal data erased", "core.erased", {}),
            (kept.id, "Merged “Anna” into this customer", "core.merged", {"name": "Anna"}),
        ]
        assert db.session.get(Customer, kept.id).erased_at is None


def test_job_progress_in_the_readers_digits(ctx):
    from core.jobs.models import Job
    from core.jobs.views import progress_text

    job = Job(kind="x", params={}, done=1250, total=5000, status="running")
    with force_locale("fa"):
        assert progress_text(job) == "۱٬۲۵۰ از ۵٬۰۰۰ (۲۵٪)"
    with force_locale("el"):
        assert progress_text(job) == "1.250 από 5.000 (25%)"


# -- library messages: marshmallow (API) and email-validator, in the reader's language --------------


def test_api_validation_messages_follow_the_token_users_language(app, client, make_user, token_for):
    from core.auth.models import User

    make_user("eleni@example.com", permissions=["customers.view", "customers.edit"])
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "eleni@example.com").values(ui_language="el"))
        db.session.commit()
    headers = token_for("eleni@example.com")
    r = client.post("/api/v1/customers", json={"kind": "person", "colour": "red"}, headers=headers)
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]
    assert errors["name"] == ["Αυτό το πεδίο είναι υποχρεωτικό."]
    assert errors["colour"] == ["Άγνωστο πεδίο."]
    r = client.post("/api/v1/customers", json={"name": ""}, headers=headers)
    assert r.get_json()["errors"]["json"]["name"] == ["Αυτό το πεδίο δεν μπορεί να είναι κενό."]
    r = client.get("/api/v1/customers?limit=0", headers=headers)  # marshmallow's Range, its values kept
    assert r.status_code == 422 and r.get_json()["errors"]["query"]["limit"][0].startswith("Από 1 έως")


def test_marshmallow_messages_with_values_keep_them(app):
    from core.l10n.library_messages import translate_validation_messages

    with app.test_request_context(), force_locale("lt"):
        out = translate_validation_messages({"limit": ["Must be greater than or equal to 1 and less than or equal to 200."],
                                             "x": {"0": ["Not a valid integer."]}, "y": ["Something new."]})
    assert out == {"limit": ["Nuo 1 iki 200."], "x": {"0": ["Ne sveikasis skaičius."]}, "y": ["Something new."]}


def test_email_validator_reason_in_hebrew(client, login):
    login()
    client.post("/language", data={"lang": "he", "next": "/"})
    r = client.post("/customers/new", data={"kind": "person", "name": "דנה", "emails": "dana.example.com"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "צריך סימן @ אחד." in html and "must have an @-sign" not in html


def test_product_form_takes_and_shows_amounts_the_greek_way(app, client, login):
    """Unit price, unit cost (main's) and tax rate typed with a decimal comma and grouping, shown
    back the same way; a 10 % rate reads 10 (the old form printed Decimal.normalize(): 1E+1)."""
    from core.catalog.models import Product

    login()
    client.post("/language", data={"lang": "el", "next": "/"})
    base = {"name": "Αντλία", "kind": "product", "currency": "EUR", "warranty_months": "0", "active": "y"}
    r = client.post("/catalog/new", data={**base, "sku": "GR-1", "unit_price": "1.250,50", "unit_cost": "980",
                                          "tax_rate": "6,5"})
    assert r.status_code == 302
    r = client.post("/catalog/new", data={**base, "sku": "GR-2", "unit_price": "12,5", "unit_cost": "",
                                          "tax_rate": "10"})
    assert r.status_code == 302
    r = client.post("/catalog/new", data={**base, "sku": "GR-3", "unit_price": "δώδεκα"})
    assert r.status_code == 422 and 'value="δώδεκα"' in r.get_data(as_text=True)
    with app.app_context():
        one = db.session.execute(sa.select(Product).where(Product.sku == "GR-1")).scalar_one()
        two = db.session.execute(sa.select(Product).where(Product.sku == "GR-2")).scalar_one()
        assert (one.unit_price, one.unit_cost, one.tax_rate) == (Decimal("1250.50"), Decimal("980.00"), Decimal("6.50"))
        assert (two.unit_price, two.unit_cost, two.tax_rate) == (Decimal("12.50"), None, Decimal("10.00"))
        ids = one.id, two.id
    page = client.get(f"/catalog/{ids[0]}").get_data(as_text=True)
    assert 'value="1.250,50"' in page and 'value="980,00"' in page and 'value="6,5"' in page
    page = client.get(f"/catalog/{ids[1]}").get_data(as_text=True)
    assert 'value="10"' in page and "1E+1" not in page


def test_profile_sessions_show_times_in_the_readers_calendar(app, client, login):
    """Main's session list printed UTC as 2026-11-27 14:05; now the reader's zone, calendar and digits."""
    import re

    login()
    client.post("/language", data={"lang": "fa", "next": "/"})
    html = client.get("/profile").get_data(as_text=True)
    rows = "".join(re.findall(r"<tr data-session-row>.*?</tr>", html, re.S))
    assert rows and not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", rows)
    with app.test_request_context(), force_locale("fa"):
        from core.l10n import format_date, local_today

        assert format_date(local_today()) in rows  # today, Solar Hijri in Persian digits (۶ آذر ۱۴۰۵)
