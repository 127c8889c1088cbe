"""Customer pages through HTTP: list and search, forms and their errors, the 360
page with plugin panels, delete, permissions and the events they announce."""
from __future__ import annotations

import types

import pytest
import sqlalchemy as sa

from core.contrib import CustomerPanel
from core.hooks import hookimpl
from core.plugins import PluginManifest
from core.testing import PASSWORD

# -- a small plugin that records the core's events and contributes two panels -----------------

CALLS: list = []
recorder = types.ModuleType("rapport_test_customer_recorder")
recorder.__file__ = __file__
recorder.manifest = PluginManifest(name="recorder", label="Recorder")


def _committed(customer_id: int) -> bool:
    """Whether another connection sees the customer, i.e. whether it was committed."""
    from core.db import db

    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT 1 FROM core_customer WHERE id = :i"), {"i": customer_id}).scalar() == 1


def _customer_created(customer):
    CALLS.append(("customer_created", customer, _committed(customer["id"])))


def _customer_updated(customer, changes):
    CALLS.append(("customer_updated", customer, changes))


def _interaction_logged(interaction):
    CALLS.append(("interaction_logged", interaction, _committed(interaction["customer_id"])))


def _customer_panels(customer, user):
    return [
        CustomerPanel("Recorder panel", lambda: f"Panel for customer {customer.id}", "customers.view", weight=5),
        CustomerPanel("Secret panel", lambda: "secret contents", "recorder.secret", weight=6),
        CustomerPanel("Broken panel", _broken, "customers.view", weight=7),
    ]


def _broken():
    raise RuntimeError("this panel is broken")


recorder.customer_created = hookimpl(_customer_created)
recorder.customer_updated = hookimpl(_customer_updated)
recorder.interaction_logged = hookimpl(_interaction_logged)
recorder.customer_panels = hookimpl(_customer_panels)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


# -- helpers --------------------------------------------------------------------------------


def new_customer(app, **data) -> int:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        data.setdefault("name", "Someone")
        c = create_customer(data)
        db.session.commit()
        return c.id


def count_customers(app) -> int:
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Customer)).scalar()


def load(app, customer_id):
    """A plain snapshot of a customer (or None)."""
    from core.customers.models import Customer
    from core.db import db

    with app.app_context():
        c = db.session.get(Customer, customer_id)
        if c is None:
            return None
        snap = c.as_event()
        snap.update(birth_date=c.birth_date, gender=c.gender, income_band=c.income_band,
                    payment_method=c.payment_method, purchase_purpose=c.purchase_purpose,
                    preferred_channel=c.preferred_channel, notes=c.notes,
                    consents={x.channel: x.granted for x in c.consents},
                    addresses=[a.one_line() for a in c.addresses],
                    needs=[(n.description, n.priority, n.source) for n in c.needs])
        return snap


def form(**overrides) -> dict:
    data = {
        "kind": "person", "name": "Maria Papadopoulou", "company": "", "owner_id": "",
        "preferred_language": "", "preferred_channel": "", "gender": "", "birth_date": "",
        "income_band": "", "payment_method": "", "purchase_purpose": "", "emails": "", "phones": "",
        "tags": "", "notes": "",
        "addresses-0-label": "", "addresses-0-street": "", "addresses-0-postcode": "", "addresses-0-city": "",
        "addresses-0-region": "", "addresses-0-country": "",
        "needs-0-description": "", "needs-0-priority": "2", "needs-0-source": "interview",
    }
    data.update(overrides)
    return data


def test_list_needs_login_and_permission(app, client, login, make_user):
    cid = new_customer(app, name="Hidden Person")
    assert client.get("/customers/").status_code == 302
    make_user("nobody@example.com", permissions=["catalog.view"])
    login("nobody@example.com")
    assert client.get("/customers/").status_code == 403
    assert client.get(f"/customers/{cid}").status_code == 403
    assert client.get("/customers/new").status_code == 403


@pytest.mark.parametrize("query, expected", [
    ("παπαδοπουλος", "Παπαδόπουλος"),
    ("sarunas", "Šarūnas"),
    ("ZOË", "Zoë"),
    ("zoe", "Zoë"),
])
def test_search_any_script(app, client, login, query, expected):
    for name in ("Γιώργος Παπαδόπουλος", "Šarūnas Jonaitis", "Zoë Smith", "Unrelated Person"):
        new_customer(app, name=name)
    login()
    r = client.get("/customers/", query_string={"q": query})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert expected in html
    assert "Unrelated Person" not in html


def test_search_by_email_phone_and_wildcards_escaped(app, client, login):
    new_customer(app, name="Mail Person", emails=["Find.Me@Example.com"], phones=["210 123 4567"])
    new_customer(app, name="Other 100%")
    new_customer(app, name="Other 1000")
    login()
    assert "Mail Person" in client.get("/customers/?q=find.me@example").get_data(as_text=True)
    assert "Mail Person" in client.get("/customers/?q=2101234567").get_data(as_text=True)
    html = client.get("/customers/", query_string={"q": "100%"}).get_data(as_text=True)
    assert "Other 100%" in html and "Other 1000" not in html


def test_filters_kind_tag_owner_and_company(app, client, login, make_user):
    from core.auth.models import User
    from core.db import db

    with app.app_context():
        admin_id = db.session.execute(sa.select(User.id).where(User.email == "admin@example.com")).scalar()
    acme = new_customer(app, name="Acme Ltd", kind="company")
    new_customer(app, name="Anna Mine", owner_id=admin_id, tags=["vip"], company_id=acme)
    new_customer(app, name="Bob Notmine", tags=["cold"])
    login()
    companies = client.get("/customers/?kind=company").get_data(as_text=True)
    assert "Acme Ltd" in companies and "Anna Mine" not in companies
    vip = client.get("/customers/?tag=vip").get_data(as_text=True)
    assert "Anna Mine" in vip and "Bob Notmine" not in vip
    mine = client.get("/customers/?owner=mine").get_data(as_text=True)
    assert "Anna Mine" in mine and "Bob Notmine" not in mine
    people = client.get(f"/customers/?company={acme}").get_data(as_text=True)
    assert "Anna Mine" in people and "Bob Notmine" not in people


def test_keyset_pagination_walks_every_row_in_order(make_app, login_as_admin):
    app = make_app(PAGE_SIZE=3)
    names = [f"Person {i:02d}" for i in range(8)]
    for n in reversed(names):
        new_customer(app, name=n)
    client = login_as_admin(app)
    seen, url = [], "/customers/"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        seen += [n for n in names if n in html]
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert seen == names
    assert client.get("/customers/?cursor=not-a-cursor").status_code == 400


def test_list_query_count_does_not_grow_with_rows(make_app, login_as_admin):
    """The list loads emails, phones, company, owner and tags per page, not per row."""
    from core.db import db

    app = make_app(PAGE_SIZE=50)
    client = login_as_admin(app)

    def queries_for_list():
        statements = []
        with app.app_context():
            engine = db.engine

        def count(*_args):
            statements.append(1)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/customers/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    acme = new_customer(app, name="Acme", kind="company")
    for i in range(3):
        new_customer(app, name=f"Few {i}", emails=[f"f{i}@example.com"], phones=[f"210 123 45{i:02d}"], tags=["t"],
                     company_id=acme)
    few = queries_for_list()
    for i in range(20):
        new_customer(app, name=f"Many {i}", emails=[f"m{i}@example.com"], phones=[f"210 223 45{i:02d}"],
                     tags=["t", f"x{i}"], company_id=acme)
    assert queries_for_list() == few


@pytest.fixture
def login_as_admin():
    def _login(app):
        client = app.test_client()
        assert client.post("/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
        return client

    return _login


# -- create / edit ---------------------------------------------------------------------------


def test_create_full_customer(app, client, login):
    acme = new_customer(app, name="Acme Ltd", kind="company")
    login()
    assert client.get("/customers/new").status_code == 200
    r = client.post("/customers/new", data=form(
        name="  Μαρία Παπαδοπούλου ", company=f"Acme Ltd #{acme}", owner_id="1", preferred_language="el",
        preferred_channel="email", consent_email="y", gender="female", birth_date="1980-05-17",
        income_band="middle", payment_method="card", purchase_purpose="Family car",
        emails="Maria@Example.COM\nmaria@example.com\n\nm2@example.org", phones="210 123 4567\n+370 612 34567",
        tags="vip, greek , vip", notes="Likes mornings", **{
            "addresses-0-street": "Ermou 1", "addresses-0-city": "Athens", "addresses-0-country": "gr",
            "needs-0-description": "A quiet car", "needs-0-priority": "1", "needs-0-source": "call",
        }))
    assert r.status_code == 302, r.get_data(as_text=True)
    cid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    c = load(app, cid)
    assert c["name"] == "Μαρία Παπαδοπούλου"
    assert c["company_id"] == acme and c["owner_id"] == 1
    assert c["emails"] == ["maria@example.com", "m2@example.org"]
    assert c["phones"] == ["+302101234567", "+37061234567"]
    assert sorted(c["tags"]) == ["greek", "vip"]
    assert c["consents"] == {"email": True}
    assert c["addresses"] == ["Ermou 1, Athens, GR"]
    assert c["needs"] == [("A quiet car", 1, "call")]
    assert str(c["birth_date"]) == "1980-05-17" and c["gender"] == "female" and c["payment_method"] == "card"
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    for text in ("Μαρία Παπαδοπούλου", "maria@example.com", "+302101234567", "Acme Ltd", "A quiet car",
                 "Given on", "Family car", "Ermou 1"):
        assert text in page
    # The company page lists its people.
    assert "Μαρία Παπαδοπούλου" in client.get(f"/customers/{acme}").get_data(as_text=True)


def test_company_by_exact_name_ignoring_case_and_accents(app, client, login):
    acme = new_customer(app, name="Ακμή Α.Ε.", kind="company")
    login()
    r = client.post("/customers/new", data=form(name="Worker", company="ακμη α.ε."))
    assert r.status_code == 302
    assert load(app, int(r.headers["Location"].split("/")[-1]))["company_id"] == acme


@pytest.mark.parametrize("overrides, field, message", [
    ({"emails": "not-an-email"}, "emails", "is not a valid email address"),
    ({"phones": "12"}, "phones", "phone number"),
    ({"birth_date": "1980-13-45"}, "birth_date", "Enter a date such as 12/31/2026."),
    ({"birth_date": "2999-01-01"}, "birth_date", "between 1900 and today"),
    ({"name": "x" * 201}, "name", "At most 200 characters"),
    ({"name": "   "}, "name", "A name is required"),
    ({"company": "#99999"}, "company", "No such company"),
    ({"company": "No Such Company Inc"}, "company", "No company is called"),
    ({"owner_id": "99999"}, "owner_id", "No such user"),
    ({"kind": "robot"}, "kind", "Not a valid choice"),
    ({"addresses-0-country": "Greece", "addresses-0-city": "Athens"}, "addresses", "two-letter code"),
    ({"needs-0-description": "x" * 501}, "needs", "at most 500 characters"),
])
def test_bad_input_is_refused_and_nothing_saved(app, client, login, overrides, field, message):
    login()
    before = count_customers(app)
    data = form(**{"name": "Kept Name", "emails": "kept@example.com", **overrides})
    r = client.post("/customers/new", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html
    assert "nothing was saved" in html
    assert count_customers(app) == before
    # What the user typed is still there.
    if "name" not in overrides:
        assert 'value="Kept Name"' in html
    assert overrides.get("emails", "kept@example.com") in html


def test_edit_keeps_data_on_error_and_saves_nothing(app, client, login):
    cid = new_customer(app, name="Original", emails=["o@example.com"])
    login()
    page = client.get(f"/customers/{cid}/edit").get_data(as_text=True)
    assert 'value="Original"' in page and "o@example.com" in page
    r = client.post(f"/customers/{cid}/edit", data=form(name="Changed", emails="bad@@example"))
    assert r.status_code == 422
    assert 'value="Changed"' in r.get_data(as_text=True)
    c = load(app, cid)
    assert c["name"] == "Original" and c["emails"] == ["o@example.com"]


def test_edit_changes_and_consent_withdrawal_is_dated(app, client, login):
    cid = new_customer(app, name="Consenting", consents={"email": True, "sms": True})
    login()
    r = client.post(f"/customers/{cid}/edit", data=form(name="Consenting Adult", consent_sms="y",
                                                       phones="6912345678"))
    assert r.status_code == 302
    c = load(app, cid)
    assert c["name"] == "Consenting Adult"
    assert c["consents"] == {"email": False, "sms": True}
    assert c["phones"] == ["+306912345678"]
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "Withdrawn on" in page and "Given on" in page


def test_read_only_user_cannot_create_or_edit(app, client, login, make_user):
    cid = new_customer(app, name="Stable")
    make_user("reader@example.com", roles=["Read only"])
    login("reader@example.com")
    assert client.get(f"/customers/{cid}").status_code == 200
    assert client.get("/customers/new").status_code == 403
    before = count_customers(app)
    assert client.post("/customers/new", data=form(name="Sneaky")).status_code == 403
    assert client.post(f"/customers/{cid}/edit", data=form(name="Sneaky")).status_code == 403
    assert count_customers(app) == before and load(app, cid)["name"] == "Stable"
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert f"/customers/{cid}/edit" not in page and "Log an interaction" not in page


def test_html_in_a_name_is_shown_as_text(app, client, login):
    cid = new_customer(app, name='<script>alert("x")</script><b>Bold</b>')
    login()
    for url in ("/customers/", f"/customers/{cid}", f"/customers/{cid}/edit", "/search?q=bold"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>Bold</b>" not in html, url
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html, url


def test_unknown_customer_is_404(client, login):
    login()
    for url in ("/customers/424242", "/customers/424242/edit"):
        assert client.get(url).status_code == 404
    assert client.post("/customers/424242/delete").status_code == 404


# -- events and panels -----------------------------------------------------------------------


@pytest.mark.plugins("recorder", extra=[recorder])
def test_events_fire_after_commit(app, client, login):
    login()
    r = client.post("/customers/new", data=form(name="Evented", emails="e@example.com"))
    assert r.status_code == 302
    cid = int(r.headers["Location"].split("/")[-1])
    assert [c[0] for c in CALLS] == ["customer_created"]
    _name, payload, committed = CALLS[0]
    assert payload["id"] == cid and payload["emails"] == ["e@example.com"] and committed
    CALLS.clear()
    client.post(f"/customers/{cid}/edit", data=form(name="Evented Again", emails="e@example.com"))
    assert [c[0] for c in CALLS] == ["customer_updated"]
    assert CALLS[0][2]["name"] == ["Evented", "Evented Again"] or CALLS[0][2]["name"] == ("Evented", "Evented Again")
    CALLS.clear()
    # Saving without a change announces nothing; a refused form announces nothing.
    client.post(f"/customers/{cid}/edit", data=form(name="Evented Again", emails="e@example.com"))
    client.post("/customers/new", data=form(name="Bad", emails="bad"))
    assert CALLS == []
    r = client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "direction": "inbound",
                                                            "subject": "Called about the car"})
    assert r.status_code == 302
    assert [c[0] for c in CALLS] == ["interaction_logged"]
    assert CALLS[0][1]["subject"] == "Called about the car" and CALLS[0][2]


@pytest.mark.plugins("recorder", extra=[recorder])
def test_plugin_panels_respect_their_permission(app, client, login, make_user):
    cid = new_customer(app, name="Panelled")
    make_user("staff@example.com", roles=["Staff"])
    login("staff@example.com")
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "Recorder panel" in html and f"Panel for customer {cid}" in html
    assert "Secret panel" not in html and "secret contents" not in html
    # A panel that raises is replaced by a notice; the rest of the page is intact.
    assert "Broken panel" in html and "could not be shown" in html and "Timeline" in html
    login()
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "Secret panel" in html and "secret contents" in html


# -- delete ----------------------------------------------------------------------------------


def test_delete_needs_permission_then_deletes(app, client, login, make_user):
    cid = new_customer(app, name="Doomed", emails=["d@example.com"])
    make_user("staff@example.com", roles=["Staff"])
    login("staff@example.com")
    assert client.post(f"/customers/{cid}/delete").status_code == 403
    assert load(app, cid) is not None
    login()
    page = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "js-confirm" in page and f"/customers/{cid}/delete" in page
    r = client.post(f"/customers/{cid}/delete")
    assert r.status_code == 302 and r.headers["Location"].endswith("/customers/")
    assert load(app, cid) is None


def test_delete_refused_while_other_records_refer_to_it(app, client, login):
    from core.db import db

    cid = new_customer(app, name="Referenced")
    with app.app_context():
        meta = sa.MetaData()
        meta.reflect(bind=db.engine, only=["core_customer"])
        table = sa.Table("thirdparty_order", meta, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("customer_id", sa.ForeignKey("core_customer.id"), nullable=False))
        table.create(db.engine)
        with db.engine.begin() as conn:
            conn.execute(table.insert().values(id=1, customer_id=cid))
    login()
    r = client.post(f"/customers/{cid}/delete", follow_redirects=True)
    assert r.status_code == 200
    assert "cannot be deleted" in r.get_data(as_text=True)
    assert load(app, cid)["name"] == "Referenced"


def test_inactive_owner_is_kept_when_saving(app, client, login, make_user):
    from core.auth.models import User
    from core.db import db

    owner = make_user("leaver@example.com", roles=["Staff"], name="Leaver")
    cid = new_customer(app, name="Owned", owner_id=owner)
    with app.app_context():
        db.session.get(User, owner).active = False
        db.session.commit()
    login()
    page = client.get(f"/customers/{cid}/edit").get_data(as_text=True)
    # The owner picker shows the inactive owner by name and keeps their id.
    assert f'name="owner_id" id="owner_id-value" value="{owner}"' in page
    assert 'value="Leaver"' in page
    assert client.post(f"/customers/{cid}/edit", data=form(name="Owned", owner_id=str(owner))).status_code == 302
    assert load(app, cid)["owner_id"] == owner
