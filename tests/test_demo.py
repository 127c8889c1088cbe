"""The demo data behind ``rapport init --demo``: every script, idempotent, a usable admin login."""
from __future__ import annotations

import os
import re
import stat
from datetime import date
from importlib.metadata import entry_points

import phonenumbers
import sqlalchemy as sa

from core.db import db

SCRIPTS = {
    "greek": re.compile(r"[\u0370-\u03ff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
    "persian": re.compile(r"[\u0600-\u06ff]"),
    "lithuanian": re.compile(r"[ąčęėįšųūžĄČĘĖĮŠŲŪŽ]"),
    "english": re.compile(r"^[A-Za-zÀ-ÿ' .&]+$"),
}


def _installed_plugins() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="rapport.plugins"))


def _drop_admin():
    """The test template has an admin with a known password; the demo must make its own."""
    from core.auth.models import User

    admin = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
    db.session.delete(admin)
    db.session.commit()


def test_demo_loads_every_script_once_and_prints_the_login(make_app, monkeypatch):
    from core.auth.models import User
    from core.catalog.models import Product
    from core.customers.models import Customer, CustomerPhone
    from core.demo import load_demo
    from core.history.models import CHANNELS, Activity, Interaction
    from core.text import fold

    monkeypatch.delenv("RAPPORT_ADMIN_PASSWORD", raising=False)
    app = make_app(*_installed_plugins())
    lines: list[str] = []
    with app.app_context():
        _drop_admin()
        assert load_demo(echo=lines.append) is True
        assert not [line for line in lines if "FAILED" in line], lines
        login = [line for line in lines if line.startswith("Admin login: admin@example.com / ")]
        assert len(login) == 1
        password = login[0].rsplit(" / ", 1)[1]

        names = list(db.session.execute(sa.select(Customer.name)).scalars())
        assert 250 <= len(names) <= 400
        for script, pattern in SCRIPTS.items():
            assert sum(1 for n in names if pattern.search(n)) >= 20, f"too few {script} names"
        assert {"company", "person"} <= set(db.session.execute(sa.select(Customer.kind).distinct()).scalars())
        # Accent- and case-insensitive keys, filled the same way as the web forms do.
        for term in ("παπαδοπουλος", "sarunas", "zoe", "zemaityte"):
            assert db.session.execute(
                sa.select(sa.func.count()).where(Customer.search_key.like(f"%{fold(term)}%"))).scalar() > 0, term
        for number in db.session.execute(sa.select(CustomerPhone.number)).scalars():
            assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number
        regions = {phonenumbers.region_code_for_number(phonenumbers.parse(n))
                   for n in db.session.execute(sa.select(CustomerPhone.number)).scalars()}
        assert {"GR", "LT", "IL", "IR", "GB"} <= regions

        channels = set(db.session.execute(sa.select(Interaction.channel).distinct()).scalars())
        assert channels == set(CHANNELS)
        span = db.session.execute(sa.select(sa.func.min(Interaction.occurred_at),
                                            sa.func.max(Interaction.occurred_at))).one()
        assert (span[1] - span[0]).days > 365
        overdue = db.session.execute(sa.select(sa.func.count()).where(
            Activity.due_date < date.today(), Activity.done_at.is_(None))).scalar()
        assert overdue > 0

        products = db.session.execute(sa.select(Product)).scalars().all()
        assert len(products) >= 25
        assert {12, 24, 36} <= {p.warranty_months for p in products}
        assert {"product", "service"} == {p.kind for p in products}
        assert len({p.currency for p in products}) > 1

        staff = db.session.execute(sa.select(User).where(User.email != "admin@example.com")).scalars().all()
        assert any("Staff" in [r.name for r in u.roles] for u in staff)
        assert any("Read only" in [r.name for r in u.roles] for u in staff)
        counts = (len(names), db.session.execute(sa.select(sa.func.count(Interaction.id))).scalar())

    secret = app.instance_path + "/demo-admin.txt"
    with open(secret) as fh:
        assert fh.read().strip() == password
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600

    client = app.test_client()
    assert client.post("/login", data={"email": "admin@example.com", "password": password}).status_code == 302

    again: list[str] = []
    with app.app_context():
        assert load_demo(echo=again.append) is False
        assert f"Admin login: admin@example.com / {password}" in again
        assert counts == (db.session.execute(sa.select(sa.func.count(Customer.id))).scalar(),
                          db.session.execute(sa.select(sa.func.count(Interaction.id))).scalar())


def test_demo_uses_the_admin_password_from_the_environment(make_app, monkeypatch):
    from core.customers.service import create_customer
    from core.demo import load_demo

    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "a-chosen-password-42")
    app = make_app()
    lines: list[str] = []
    with app.app_context():
        _drop_admin()
        create_customer({"name": "Existing Customer"})
        db.session.commit()
        assert load_demo(echo=lines.append) is False  # data present: nothing loaded, admin still made
    assert "Admin login: admin@example.com / a-chosen-password-42" in lines
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": "a-chosen-password-42"})
    assert response.status_code == 302


def test_demo_never_overwrites_an_existing_admin_password(make_app, monkeypatch):
    from core.demo import load_demo
    from core.testing import PASSWORD

    monkeypatch.delenv("RAPPORT_ADMIN_PASSWORD", raising=False)
    app = make_app()
    lines: list[str] = []
    with app.app_context():
        load_demo(echo=lines.append, seed=1)
    assert any(line.startswith("Admin login: admin@example.com (password set outside") for line in lines)
    client = app.test_client()
    assert client.post("/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
