"""Duplicates and merge through HTTP: the "Possible duplicates" section, the
duplicates overview, the merge page, and a merge that moves every row pointing
at the merged customer — plugin tables the core has never heard of included."""
from __future__ import annotations

import types
from datetime import date

import pytest
import sqlalchemy as sa

from core.hooks import hookimpl
from core.plugins import PluginManifest
from core.testing import PASSWORD

MERGES: list = []
listener = types.ModuleType("rapport_test_merge_listener")
listener.__file__ = __file__
listener.manifest = PluginManifest(name="mergewatch", label="Merge watcher")


def _customers_merged(winner_id, loser_id):
    from core.db import db

    with db.engine.connect() as conn:
        loser_left = conn.execute(sa.text("SELECT COUNT(*) FROM core_customer WHERE id = :i"), {"i": loser_id}).scalar()
    MERGES.append((winner_id, loser_id, loser_left))


listener.customers_merged = hookimpl(_customers_merged)


@pytest.fixture(autouse=True)
def _reset():
    MERGES.clear()


def make(app, **data) -> int:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        c = create_customer(data)
        db.session.commit()
        return c.id


def _plugin_table(app):
    """A table like a plugin's (``thirdparty_ticket``) with a foreign key to customers."""
    from core.db import db

    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine, only=["core_customer"])
        table = sa.Table("thirdparty_ticket", meta, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("customer_id", sa.ForeignKey("core_customer.id"), nullable=False),
                         sa.Column("title", sa.String(50)))
        table.create(db.engine)
        return table


@pytest.mark.plugins("mergewatch", extra=[listener])
def test_merge_moves_everything(app, client, login):
    from core.customers.models import Customer
    from core.db import db
    from core.history.models import Activity, Interaction
    from core.history.service import log_interaction, schedule_activity

    winner = make(app, name="Maria Papadopoulou", emails=["maria@example.com"], tags=["vip"],
                  consents={"email": True})
    loser = make(app, name="Μαρία Παπαδοπούλου", emails=["MARIA@example.com", "m2@example.org"],
                 phones=["210 123 4567"], tags=["vip", "greek"], birth_date="1980-01-02",
                 consents={"email": False, "sms": True})
    employee = make(app, name="Works There", company_id=None)
    table = _plugin_table(app)
    with app.app_context():
        log_interaction(winner, channel="phone", subject="winner call")
        log_interaction(loser, channel="email", subject="loser email")
        schedule_activity(loser, summary="loser follow-up", due_date=date(2030, 1, 1), assignee_id=1)
        db.session.execute(table.insert(), [{"id": 1, "customer_id": loser, "title": "broken"},
                                            {"id": 2, "customer_id": winner, "title": "fine"}])
        db.session.commit()
    login()
    page = client.get(f"/customers/{winner}/merge/{loser}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Maria Papadopoulou" in html and "Μαρία Παπαδοπούλου" in html and "js-confirm" in html
    assert MERGES == []
    r = client.post(f"/customers/{winner}/merge/{loser}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/customers/{winner}")
    # customers_merged fired once, after commit (another connection no longer sees the loser).
    assert MERGES == [(winner, loser, 0)]
    with app.app_context():
        assert db.session.get(Customer, loser) is None
        w = db.session.get(Customer, winner)
        assert sorted(e.email for e in w.emails) == ["m2@example.org", "maria@example.com"]
        assert [p.number for p in w.phones] == ["+302101234567"]
        assert sorted(t.name for t in w.tags) == ["greek", "vip"]
        assert str(w.birth_date) == "1980-01-02"  # filled from the loser
        assert {c.channel: c.granted for c in w.consents} == {"email": True, "sms": True}  # winner's kept
        subjects = db.session.execute(sa.select(Interaction.subject).where(Interaction.customer_id == winner)).scalars().all()
        assert {"winner call", "loser email"} <= set(subjects)
        assert any("Merged" in s for s in subjects)
        assert db.session.execute(sa.select(Activity.customer_id)).scalars().all() == [winner]
        rows = db.session.execute(sa.text("SELECT id, customer_id FROM thirdparty_ticket ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, winner), (2, winner)]
        assert db.session.get(Customer, employee) is not None
    html = client.get(f"/customers/{winner}").get_data(as_text=True)
    assert "loser email" in html and "loser follow-up" in html


def test_merge_moves_people_of_a_merged_company(app, client, login):
    from core.customers.models import Customer
    from core.db import db

    keep = make(app, name="Acme", kind="company")
    gone = make(app, name="ACME", kind="company")
    person = make(app, name="Employee", company_id=gone)
    login()
    assert client.post(f"/customers/{keep}/merge/{gone}").status_code == 302
    with app.app_context():
        assert db.session.get(Customer, person).company_id == keep


def test_merge_needs_permission(app, client, login, make_user):
    from core.customers.models import Customer
    from core.db import db

    a = make(app, name="Twin", emails=["twin@example.com"])
    b = make(app, name="Twin", emails=["twin@example.com"])
    make_user("staff@example.com", roles=["Staff"])
    login("staff@example.com")
    assert client.get(f"/customers/{a}/merge/{b}").status_code == 403
    assert client.post(f"/customers/{a}/merge/{b}").status_code == 403
    assert client.get("/customers/duplicates").status_code == 403
    html = client.get(f"/customers/{a}").get_data(as_text=True)
    # Staff see the warning but not the merge button.
    assert "Possible duplicates" in html and f"/merge/{b}" not in html
    with app.app_context():
        assert db.session.get(Customer, b) is not None
    login()
    assert client.get(f"/customers/{a}/merge/{a}").status_code == 404
    assert client.get(f"/customers/{a}/merge/99999").status_code == 404


def test_possible_duplicates_section(app, client, login):
    a = make(app, name="Šarūnas Jonaitis", emails=["s@example.lt"])
    same_email = make(app, name="S. J.", emails=["S@Example.lt"])
    same_phone_a = make(app, name="Phone One", phones=["6912345678"])
    same_phone_b = make(app, name="Phone Two", phones=["+30 691 234 5678"])
    same_name = make(app, name="jonaitis sarunas")
    unrelated = make(app, name="Nobody Else")
    login()
    html = client.get(f"/customers/{a}").get_data(as_text=True)
    section = html.split("Possible duplicates")[-1]  # the Details tab's list (the header counts them)
    assert f"/customers/{a}/merge/{same_email}" in section and "same email" in section
    assert f"/customers/{a}/merge/{same_name}" in section and "same name" in section
    assert f"/customers/{unrelated}\"" not in section
    html = client.get(f"/customers/{same_phone_a}").get_data(as_text=True)
    assert f"/merge/{same_phone_b}" in html and "same phone" in html
    assert "Possible duplicates" not in client.get(f"/customers/{unrelated}").get_data(as_text=True)


def test_duplicates_overview_groups_and_pages(make_app):
    app = make_app(PAGE_SIZE=2)
    ids = {}
    for i in range(3):
        ids[i] = (make(app, name=f"A{i}", emails=[f"dup{i}@example.com"], phones=[f"69123456{i}0"]),
                  make(app, name=f"B{i}", emails=[f"dup{i}@example.com"]))
    make(app, name="Single", emails=["single@example.com"])
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    first = client.get("/customers/duplicates").get_data(as_text=True)
    assert "dup0@example.com" in first and "dup1@example.com" in first and "dup2@example.com" not in first
    assert "single@example.com" not in first
    assert f"/customers/{ids[0][0]}/merge/{ids[0][1]}" in first
    nxt = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert "dup2@example.com" in second and "dup0@example.com" not in second
    assert 'rel="next"' not in second
    phones = client.get("/customers/duplicates?by=phone").get_data(as_text=True)
    assert "No duplicates found." in phones
    make(app, name="C0", phones=["6912345600"])
    phones = client.get("/customers/duplicates?by=phone").get_data(as_text=True)
    assert "+306912345600" in phones and "C0" in phones and "A0" in phones
    assert client.get("/customers/duplicates?cursor=%%%").status_code == 400
