"""Segments: rule trees over the core's data compiled to one query, the editor, static lists,
export, the API, permissions and bad input."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.db import db
from marketing_testdata import crit, customer, rules

pytestmark = pytest.mark.plugins("marketing")
API = "/api/v1/marketing"


@pytest.fixture
def people(app):
    with app.app_context():
        ids = {
            "eleni": customer("Ελένη Παππά", "eleni@example.gr", language="el", consent={"email": True},
                              tags=["vip"], city="Αθήνα").id,
            "nikos": customer("Νίκος Ζαχαρίου", "nikos@example.gr", language="el", consent={"email": False},
                              city="Θεσσαλονίκη").id,
            "dana": customer("דנה כהן", "dana@example.co.il", language="he", consent={"email": True},
                             tags=["VIP"]).id,
            "sara": customer("سارا رضایی", None, language="fa", phone="+989121234567", consent={"sms": True}).id,
        }
        db.session.commit()
    return ids


def _count(app, tree):
    from plugins.marketing.segments import clean_rules, count_rules

    with app.test_request_context():
        return count_rules(db.session, clean_rules(tree))


def test_core_criteria_combine_with_and_or_and_not(app, people):
    assert _count(app, rules(crit("core.language", language="el"))) == 2
    assert _count(app, rules(crit("core.tag", tag="vip"))) == 2  # tags compare without case
    assert _count(app, rules(crit("core.language", language="el"), crit("core.tag", tag="vip"))) == 1
    assert _count(app, rules(crit("core.language", language="he"), crit("core.language", language="fa"),
                             op="or")) == 2
    assert _count(app, rules(crit("core.consent", channel="email"))) == 2  # Nikos withdrew his
    assert _count(app, rules(crit("core.city", city="αθήνα"))) == 1
    negated = {"criterion": "core.tag", "params": {"tag": "vip"}, "negate": True}
    assert _count(app, rules(negated)) == 2
    nested = rules(crit("core.consent", channel="email"),
                   rules(crit("core.language", language="he"), crit("core.city", city="Αθήνα"), op="or"))
    assert _count(app, nested) == 2
    assert _count(app, rules()) == 4  # an empty AND group is everybody


def test_count_and_members_are_single_queries(app, people):
    """The count is one SELECT whatever the segment holds (no loop over customers)."""
    from plugins.marketing.segments import clean_rules, count_rules

    statements = []
    with app.test_request_context():
        tree = clean_rules(rules(crit("core.language", language="el"), crit("core.tag", tag="vip"),
                                 crit("core.consent", channel="email")))

        @sa.event.listens_for(db.engine, "before_cursor_execute")
        def log(conn, cursor, statement, *args):
            statements.append(statement)

        try:
            assert count_rules(db.session, tree) == 1
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", log)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects


def test_bad_rules_are_refused_with_the_path(app, people):
    from plugins.marketing.segments import SegmentInputError, clean_rules

    with app.test_request_context():
        with pytest.raises(SegmentInputError) as exc:
            clean_rules(rules(crit("core.age", min="abc"), rules(crit("core.nothing")), {"op": "xor", "items": []}))
    assert set(exc.value.errors) == {"items.0.params.min", "items.1.items.0.criterion", "items.2.op"}


def test_editor_adds_criteria_counts_live_and_saves(app, client, login, people):
    login()
    page = client.get("/marketing/segments/new")
    assert page.status_code == 200 and "Preferred language" in page.get_data(as_text=True)
    form = {"name": "Greek VIPs", "kind": "rules", "rules": '{"op": "and", "items": []}',
            "crit/": "core.language", "action": "add:"}
    page = client.post("/marketing/segments/new", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="p/items.0/language"' in html
    import json
    import re

    tree = json.loads(re.search(r'name="rules" value="([^"]*)"', html).group(1).replace("&#34;", '"'))
    form.update({"rules": json.dumps(tree), "p/items.0/language": "el", "action": "count"})
    html = client.post("/marketing/segments/new", data=form).get_data(as_text=True)
    assert "2 customers match." in html and "Ελένη Παππά" in html
    live = client.post("/marketing/segments/count", data=form).get_json()
    assert live["count"] == 2
    form["action"] = "save"
    saved = client.post("/marketing/segments/new", data=form)
    assert saved.status_code == 302
    from plugins.marketing.models import Segment

    with app.app_context():
        segment = db.session.execute(sa.select(Segment)).scalar_one()
        assert segment.rules == {"op": "and", "items": [{"criterion": "core.language", "params": {"language": "el"}}]}
    detail = client.get(f"/marketing/segments/{segment.id}").get_data(as_text=True)
    assert "2 customers match." in detail and "Νίκος Ζαχαρίου" in detail and "דנה כהן" not in detail
    csv_text = client.get(f"/marketing/segments/{segment.id}/export.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "id,name,email,phone,language" and len(csv_text.splitlines()) == 3
    assert "eleni@example.gr" in csv_text
    with app.app_context():
        from core.customers.models import Customer

        db.session.get(Customer, people["nikos"]).name = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    csv_text = client.get(f"/marketing/segments/{segment.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text  # shown as text by spreadsheets, never run as a formula


def test_editor_refuses_a_half_filled_criterion_and_saves_nothing(app, client, login, people):
    from plugins.marketing.models import Segment

    login()
    form = {"name": "Age band", "kind": "rules", "action": "save",
            "rules": '{"op": "and", "items": [{"criterion": "core.age", "params": {}}]}', "p/items.0/min": "many"}
    page = client.post("/marketing/segments/new", data=form)
    assert page.status_code == 422 and "A whole number." in page.get_data(as_text=True)
    assert 'value="many"' in page.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Segment)).scalar() == 0


def test_static_list_add_remove_and_count(app, client, login, people):
    from plugins.marketing.models import Segment

    login()
    assert client.post("/marketing/segments/new", data={"name": "Fair visitors", "kind": "static",
                                                         "action": "save"}).status_code == 302
    with app.app_context():
        sid = db.session.execute(sa.select(Segment.id)).scalar_one()
    for who in ("dana", "sara", "dana"):
        client.post(f"/marketing/segments/{sid}/members", data={"customer_id": people[who]})
    page = client.get(f"/marketing/segments/{sid}").get_data(as_text=True)
    assert "2 customers match." in page
    client.post(f"/marketing/segments/{sid}/members/{people['dana']}/remove")
    assert "1 customer matches." in client.get(f"/marketing/segments/{sid}").get_data(as_text=True)


def test_api_creates_counts_and_lists_members(app, client, token_for, people):
    h = token_for()
    bad = client.post(f"{API}/segments", headers=h, json={"name": "x", "rules": rules(crit("core.age", min="-1"))})
    assert bad.status_code == 422 and "rules.items.0.params.min" in bad.get_json()["errors"]["json"]
    r = client.post(f"{API}/segments", headers=h, json={"name": "Email OK",
                                                         "rules": rules(crit("core.consent", channel="email"))})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    assert client.get(f"{API}/segments/{sid}/count", headers=h).get_json() == {"count": 2}
    first = client.get(f"{API}/segments/{sid}/members?limit=1", headers=h).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = client.get(f"{API}/segments/{sid}/members?limit=1&cursor={first['next_cursor']}", headers=h).get_json()
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {people["eleni"], people["dana"]}
    static = client.post(f"{API}/segments", headers=h, json={"name": "S", "kind": "static",
                                                              "customer_ids": [people["sara"], 999999]})
    assert static.status_code == 422
    assert client.get(f"{API}/segments/424242/count", headers=h).status_code == 404


def test_pages_and_api_need_marketing_permission(app, client, login, make_user, token_for):
    make_user("clerk@example.com", permissions=["customers.view"])
    login("clerk@example.com")
    assert client.get("/marketing/segments").status_code == 403
    assert client.get(f"{API}/segments/1/count", headers=token_for("clerk@example.com")).status_code == 403
