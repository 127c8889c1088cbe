"""Personal templates: the customer's language with a fallback, plugin variables, a sandbox
that keeps templates away from everything they were not given, and the template pages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from core.messaging import MessageInputError, TemplateError, ensure_template, queue_message, render_message
from core.messaging.models import MessageTemplate, OutboxMessage

TEXTS = {
    "en": {"subject": "Your repair {{ repair.number }} is done", "body": "Dear {{ customer.first_name }},\nit is ready."},
    "el": {"subject": "Η επισκευή {{ repair.number }} τελείωσε", "body": "Αγαπητή {{ customer.first_name }},\nείναι έτοιμη."},
    "he": {"subject": "התיקון {{ repair.number }} הסתיים", "body": "שלום {{ customer.first_name }},\nהמכשיר מוכן."},
    "fa": {"subject": "تعمیر {{ repair.number }} انجام شد", "body": "{{ customer.first_name }} عزیز،\nآماده است."},
    "lt": {"subject": "Remontas {{ repair.number }} baigtas", "body": "Gerb. {{ customer.first_name }},\njau paruošta."},
}


def _customer(name, language, email="c@example.com"):
    from core.customers.service import create_customer

    customer = create_customer({"name": name, "preferred_language": language, "emails": [email]})
    db.session.commit()
    return customer


@pytest.fixture
def tpl_app(app):
    with app.app_context():
        ensure_template("service.repair_done", name="Repair done", texts=TEXTS, source="service",
                        sample_variables={"repair": {"number": "R-1"}})
        db.session.commit()
        yield app


@pytest.mark.parametrize("language, subject, body_start", [
    ("el", "Η επισκευή R-12 τελείωσε", "Αγαπητή Ζωή,"),
    ("he", "התיקון R-12 הסתיים", "שלום Ζωή,"),
    ("fa", "تعمیر R-12 انجام شد", "Ζωή عزیز،"),
    ("lt", "Remontas R-12 baigtas", "Gerb. Ζωή,"),
    ("en", "Your repair R-12 is done", "Dear Ζωή,"),
])
def test_the_customers_language_is_used(tpl_app, language, subject, body_start):
    customer = _customer("Ζωή Παπαδοπούλου", language)
    rendered = render_message("service.repair_done", customer, {"repair": {"number": "R-12"}})
    assert (rendered.language, rendered.subject) == (language, subject)
    assert rendered.text.startswith(body_start)


@pytest.mark.parametrize("language, expected", [
    ("en", "Total €1,250.50, due Mar 5, 2026"),
    ("el", "Total 1.250,50 €, due 5 Μαρ 2026"),  # (a subject's spaces are made plain)
    ("fa", "Total \u200e€ ۱٬۲۵۰٫۵۰, due ۱۴ اسفند ۱۴۰۴"),
])
def test_numbers_and_dates_follow_the_addressees_language_not_the_senders(tpl_app, make_user, language, expected):
    """A Persian customer gets Persian digits and a Solar Hijri date even when an English
    user who chose the Gregorian calendar sends it (the l10n filters of the sandbox)."""
    from datetime import date

    from core.auth.models import User

    ensure_template("sales.total", name="Total", texts={language: {
        "subject": "Total {{ total|money('EUR') }}, due {{ due|date }}", "body": "x"}})
    db.session.commit()
    sender = db.session.get(User, make_user("sender@example.com", permissions=["customers.view"]))
    sender.calendar, sender.timezone = "gregorian", "America/Los_Angeles"
    db.session.commit()
    with tpl_app.test_request_context():
        from flask_login import login_user

        login_user(sender)
        rendered = render_message("sales.total", _customer("Σάρα", language),
                                  {"total": "1250.5", "due": date(2026, 3, 5)})
    assert rendered.subject == expected


def test_a_missing_language_falls_back_to_english(tpl_app):
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    template.texts = [t for t in template.texts if t.language != "he"]
    db.session.commit()
    rendered = render_message("service.repair_done", _customer("דנה כהן", "he"), {"repair": {"number": "R-1"}})
    assert rendered.language == "en" and rendered.subject == "Your repair R-1 is done"


def test_ensure_template_never_overwrites_an_edited_template(tpl_app):
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    template.text_for("en").subject = "Edited by staff"
    db.session.commit()
    ensure_template("service.repair_done", name="Repair done", texts=TEXTS)
    db.session.commit()
    assert db.session.execute(sa.select(MessageTemplate)).scalar_one().text_for("en").subject == "Edited by staff"


@pytest.mark.parametrize("source", [
    "{{ customer.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ customer.items.__self__.__class__ }}",
    "{{ repair.number.__class__.__base__.__subclasses__() }}",
    "{{ config }}{{ request }}{{ self }}",
    "{% for x in range(100000000) %}{% endfor %}",
    "{{ lipsum.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
])
def test_the_sandbox_refuses_escapes(tpl_app, source):
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    template.text_for("en").body = source
    db.session.commit()
    customer = _customer("Eve", "en")
    with pytest.raises(TemplateError):
        render_message("service.repair_done", customer, {"repair": {"number": "R-1"}})


def test_orm_objects_cannot_be_passed_as_variables(tpl_app):
    customer = _customer("Eve", "en")
    with pytest.raises(TemplateError):
        render_message("service.repair_done", customer, {"repair": customer})


def test_missing_variables_fail_when_sending_and_show_in_previews(tpl_app):
    customer = _customer("Eve", "en")
    with pytest.raises(MessageInputError) as exc:
        queue_message(channel="email", customer=customer, template="service.repair_done")
    assert "repair" in exc.value.errors["template"][0]
    preview = render_message("service.repair_done", customer, {}, preview=True)
    assert preview.subject == "Your repair {{ repair }} is done"


def test_queue_message_with_a_template_records_it(tpl_app):
    customer = _customer("Νίκος Γεωργίου", "el")
    message = queue_message(channel="email", customer=customer, template="service.repair_done",
                            variables={"repair": {"number": "R-7"}}, purpose="service")
    db.session.commit()
    row = db.session.get(OutboxMessage, message.id)
    assert (row.template_key, row.language, row.subject) == ("service.repair_done", "el", "Η επισκευή R-7 τελείωσε")
    assert row.body_text.startswith("Αγαπητή Νίκος,")


def test_html_text_is_escaped_in_the_html_part(tpl_app):
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    template.text_for("en").html = "<p>Hello {{ customer.name }}</p>"
    db.session.commit()
    rendered = render_message("service.repair_done", _customer("<script>x</script>", "en"),
                              {"repair": {"number": "1"}})
    assert rendered.html == "<p>Hello &lt;script&gt;x&lt;/script&gt;</p>"


def test_template_pages_edit_and_preview_for_a_real_customer(tpl_app, client, login):
    login()
    customer = _customer("Šarūnas Kazlauskas", "lt", email="sarunas@example.lt")
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    page = client.get("/messages/templates").get_data(as_text=True)
    assert "service.repair_done" in page and "Repair done" in page
    preview = client.get(f"/messages/templates/{template.id}/preview?q=sarunas")
    assert "Šarūnas Kazlauskas" in preview.get_data(as_text=True)
    preview = client.get(f"/messages/templates/{template.id}/preview?customer={customer.id}").get_data(as_text=True)
    assert "Remontas R-1 baigtas" in preview and "Gerb. Šarūnas," in preview
    he = client.get(f"/messages/templates/{template.id}/preview?customer={customer.id}&language=he")
    assert "התיקון R-1 הסתיים" in he.get_data(as_text=True)
    form = {"key": "service.repair_done", "name": "Repair done", "channel": "email", "description": "",
            "sample_variables": '{"repair": {"number": "R-9"}}', "subject_en": "Done {{ repair.number }}",
            "body_en": "Hi {{ customer.first_name }}"}
    assert client.post(f"/messages/templates/{template.id}", data=form).status_code == 302
    db.session.expire_all()
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    assert [t.language for t in template.texts] == ["en"]
    bad = dict(form, body_en="{% for %}")
    response = client.post(f"/messages/templates/{template.id}", data=bad)
    assert response.status_code == 422 and "Line 1" in response.get_data(as_text=True)
    clash = dict(form, key="other")
    client.post("/messages/templates/new", data=clash)
    dup = client.post("/messages/templates/new", data=clash)
    assert dup.status_code == 422 and "Another template has this key." in dup.get_data(as_text=True)


def test_template_pages_need_their_permission(tpl_app, client, login, make_user):
    make_user("clerk@example.com", permissions=["customers.view", "messages.send"])
    login("clerk@example.com")
    assert client.get("/messages/templates").status_code == 403
    template = db.session.execute(sa.select(MessageTemplate)).scalar_one()
    assert client.post(f"/messages/templates/{template.id}/delete").status_code == 403


@pytest.mark.parametrize("language", ["en", "el", "lt", "fa", "he"])
def test_demo_templates_render_in_every_language(app, language):
    from core.messaging.demo import load_templates

    with app.app_context():
        load_templates()
        db.session.commit()
        customer = _customer("Ζωή Παπαδοπούλου", language)
        reminder = render_message("core.appointment_reminder", customer, {"date": "3/12 10:30"})
        ready = render_message("core.device_ready", customer)
        assert reminder.language == ready.language == language
        assert "3/12 10:30" in reminder.subject and "Ζωή" in reminder.text and ready.text.startswith("Ζωή")
