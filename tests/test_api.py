"""REST API: customers and their interactions, authentication, errors, paging, OpenAPI."""
import json

import pytest
import sqlalchemy as sa

from core.customers.models import Customer
from core.db import db
from core.history.models import Interaction

API = "/api/v1/customers"


@pytest.fixture
def admin(token_for):
    return token_for()


def _count(app, model=Customer):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _create(client, headers, **data):
    r = client.post(API, json={"name": "Someone", **data}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def _assert_422(r, location, *fields):
    assert r.status_code == 422, r.json
    body = r.json
    assert body["code"] == 422 and body["status"] == "Unprocessable Entity"
    for f in fields:
        assert body["errors"][location][f], body
        assert all(isinstance(m, str) and m for m in body["errors"][location][f])
    return body["errors"][location]


# -- authentication ------------------------------------------------------------------------


def test_no_token_is_401(client):
    for method, url in (("get", API), ("post", API), ("get", f"{API}/1"), ("patch", f"{API}/1"),
                        ("delete", f"{API}/1"), ("get", f"{API}/1/interactions"), ("post", f"{API}/1/interactions")):
        r = getattr(client, method)(url, json={})
        assert r.status_code == 401, (method, url)
        assert "Bearer" in r.json["message"]
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_and_malformed_tokens_are_401(client):
    for header in ("Bearer nope", "Bearer ", "Basic YWRtaW46eA==", "rpt_abc", "Bearer rpt_" + "x" * 43):
        r = client.get(API, headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.json["code"] == 401


def test_revoked_token_is_401(app, client, admin):
    from core.auth.models import ApiToken
    from core.db import utcnow

    assert client.get(API, headers=admin).status_code == 200
    with app.app_context():
        for row in db.session.execute(sa.select(ApiToken)).scalars():
            row.revoked_at = utcnow()
        db.session.commit()
    r = client.get(API, headers=admin)
    assert r.status_code == 401 and "revoked" in r.json["message"]


def test_token_of_deactivated_user_is_401(app, client, make_user, token_for):
    from core.auth.models import User

    uid = make_user("gone@example.com", permissions=["customers.view"])
    headers = token_for("gone@example.com")
    assert client.get(API, headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, uid).active = False
        db.session.commit()
    assert client.get(API, headers=headers).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, login):
    login()
    assert client.get("/").status_code == 200  # the browser session works for pages...
    r = client.get(API)
    assert r.status_code == 401  # ...but not for the API
    r = client.post(API, json={"name": "CSRF attempt"})
    assert r.status_code == 401


def test_token_works_with_a_session_of_another_user(app, client, login, make_user, token_for):
    """The token decides who acts, never a session cookie sent alongside."""
    make_user("viewer@example.com", permissions=["customers.view"])
    login()  # admin session
    r = client.post(API, json={"name": "X"}, headers=token_for("viewer@example.com"))
    assert r.status_code == 403


# -- permissions --------------------------------------------------------------------------


def test_permissions_are_those_of_the_ui(app, client, admin, make_user, token_for):
    cid = _create(client, admin, name="Alice")["id"]
    make_user("none@example.com", permissions=["catalog.view"])
    make_user("viewer@example.com", permissions=["customers.view"])
    make_user("editor@example.com", permissions=["customers.view", "customers.edit"])
    none, viewer, editor = (token_for(e) for e in ("none@example.com", "viewer@example.com", "editor@example.com"))
    r = client.get(API, headers=none)
    assert r.status_code == 403 and "customers.view" in r.json["message"]
    assert client.get(f"{API}/{cid}", headers=none).status_code == 403
    assert client.get(f"{API}/{cid}/interactions", headers=none).status_code == 403
    assert client.get(API, headers=viewer).status_code == 200
    assert client.get(f"{API}/{cid}", headers=viewer).status_code == 200
    assert client.post(API, json={"name": "Bob"}, headers=viewer).status_code == 403
    assert client.patch(f"{API}/{cid}", json={"name": "Bob"}, headers=viewer).status_code == 403
    assert client.post(f"{API}/{cid}/interactions", json={"channel": "phone", "subject": "x"},
                       headers=viewer).status_code == 403
    assert client.patch(f"{API}/{cid}", json={"name": "Alicia"}, headers=editor).status_code == 200
    make_user("logger@example.com", permissions=["history.log"])  # logging also needs customers.view, as in the UI
    r = client.post(f"{API}/{cid}/interactions", json={"channel": "phone", "subject": "x"},
                    headers=token_for("logger@example.com"))
    assert r.status_code == 403 and "customers.view" in r.json["message"]
    make_user("staff@example.com", permissions=["customers.view", "history.log"])
    r = client.post(f"{API}/{cid}/interactions", json={"channel": "phone", "subject": "x"},
                    headers=token_for("staff@example.com"))
    assert r.status_code == 201
    r = client.delete(f"{API}/{cid}", headers=editor)
    assert r.status_code == 403 and "customers.delete" in r.json["message"]
    assert _count(app) == 1


# -- create / read / update / delete ------------------------------------------------------


FULL = {
    "kind": "person", "name": "  Παπαδόπουλος Γιώργος ", "preferred_language": "el", "preferred_channel": "phone",
    "gender": "male", "birth_date": "1980-05-17", "income_band": "middle", "payment_method": "card",
    "purchase_purpose": "home", "notes": "<script>alert(1)</script>",
    "emails": ["Giorgos@Example.COM", "giorgos@example.com"], "phones": ["210 123 4567"], "tags": ["vip", "athens"],
    "addresses": [{"label": "home", "street": "Ermou 1", "city": "Athens", "postcode": "10563", "country": "gr"}],
    "needs": [{"description": "Quiet air conditioner", "priority": 1, "source": "call"}],
    "consents": {"email": True, "sms": False},
}


def test_create_and_get(app, client, admin):
    r = client.post(API, json=FULL, headers=admin)
    assert r.status_code == 201, r.json
    c = r.json
    assert c["name"] == "Παπαδόπουλος Γιώργος"
    assert c["emails"] == ["giorgos@example.com"]  # normalised and de-duplicated
    assert c["phones"] == ["+302101234567"]  # E.164 with the default region
    assert sorted(c["tags"]) == ["athens", "vip"]
    assert c["birth_date"] == "1980-05-17"
    assert c["addresses"][0]["country"] == "GR"
    assert c["needs"][0]["description"] == "Quiet air conditioner" and c["needs"][0]["priority"] == 1
    assert c["consents"] == {"email": True, "sms": False} and set(c["consents_changed_at"]) == {"email", "sms"}
    assert c["notes"] == "<script>alert(1)</script>"  # JSON is data; stored as typed
    got = client.get(f"{API}/{c['id']}", headers=admin)
    assert got.status_code == 200 and got.json == c


def test_company_link(client, admin):
    company = _create(client, admin, name="Acme", kind="company")
    person = _create(client, admin, name="Ann", company_id=company["id"])
    assert person["company_id"] == company["id"] and person["company_name"] == "Acme"
    r = client.post(API, json={"name": "Bob", "company_id": person["id"]}, headers=admin)  # not a company
    assert "No such company." in _assert_422(r, "json", "company_id")["company_id"]


@pytest.mark.parametrize("payload, field", [
    ({"name": "X", "emails": ["not-an-email"]}, "emails"),
    ({"name": "X", "phones": ["12"]}, "phones"),
    ({"name": "X", "phones": ["call me"]}, "phones"),
    ({"name": "X", "birth_date": "1980-13-45"}, "birth_date"),
    ({"name": "X", "birth_date": "2999-01-01"}, "birth_date"),
    ({"name": "X", "company_id": 999999}, "company_id"),
    ({"name": "X", "owner_id": 999999}, "owner_id"),
    ({"name": "x" * 201}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({}, "name"),
    ({"name": 123}, "name"),
    ({"name": "X", "emails": "a@b.gr"}, "emails"),
    ({"name": "X", "company_id": "abc"}, "company_id"),
    ({"name": "X", "consents": {"email": "maybe"}}, "consents"),
    ({"name": "X", "consents": {"fax": True}}, "consents"),
    ({"name": "X", "kind": "robot"}, "kind"),
    ({"name": "X", "gender": "?"}, "gender"),
    ({"name": "X", "needs": [{"description": "d", "priority": 7}]}, "needs"),
    ({"name": "X", "addresses": [{"country": "Greece"}]}, "addresses"),
    ({"name": "X", "tags": ["t" * 81]}, "tags"),
    ({"name": "X", "notes": "n" * 20001}, "notes"),
    ({"name": "X", "surprise": 1}, "surprise"),
    ({"name": "X", "company_id": 10**30}, "company_id"),  # would overflow the database's integer
    ({"name": "X", "owner_id": 0}, "owner_id"),
    ({"name": "nul\u0000byte"}, "name"),  # PostgreSQL cannot store NUL
    ({"name": "X", "emails": [None]}, "emails"),
    ({"name": "X", "consents": None}, "consents"),
])
def test_create_rejects_bad_input(app, client, admin, payload, field):
    r = client.post(API, json=payload, headers=admin)
    _assert_422(r, "json", field)
    assert _count(app) == 0


def test_service_errors_have_a_message_per_field(app, client, admin):
    r = client.post(API, json={"name": "X", "emails": ["bad@", "ok@example.com", "also bad"], "phones": ["1"],
                               "company_id": 424242}, headers=admin)
    errors = _assert_422(r, "json", "emails", "phones", "company_id")
    assert len(errors["emails"]) == 2 and "bad@" in errors["emails"][0]
    assert "nothing was saved" in r.json["message"]
    assert _count(app) == 0


def test_malformed_json(app, client, admin):
    r = client.post(API, data='{"name": "X",', headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json["message"]
    r = client.post(API, data=b'\xff\xfe{', headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json["message"]
    r = client.post(API, data="name=X", headers={**admin, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and "application/json" in r.json["message"]
    r = client.post(API, data="[1, 2]", headers={**admin, "Content-Type": "application/json"})
    assert r.status_code == 422
    r = client.patch(f"{API}/1", data="{", headers={**admin, "Content-Type": "application/json"})
    assert r.status_code in (400, 404)
    assert _count(app) == 0


def test_patch_is_partial(app, client, admin):
    c = _create(client, admin, name="Zoë", emails=["zoe@example.com"], tags=["a"])
    r = client.patch(f"{API}/{c['id']}", json={"phones": ["+30 697 123 4567"]}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["name"] == "Zoë" and r.json["emails"] == ["zoe@example.com"] and r.json["tags"] == ["a"]
    assert r.json["phones"] == ["+306971234567"]
    r = client.patch(f"{API}/{c['id']}", json={"emails": ["broken"], "name": "Changed"}, headers=admin)
    _assert_422(r, "json", "emails")
    got = client.get(f"{API}/{c['id']}", headers=admin).json
    assert got["name"] == "Zoë" and got["emails"] == ["zoe@example.com"]  # nothing saved half-way
    r = client.patch(f"{API}/{c['id']}", json={"name": None}, headers=admin)
    assert r.status_code == 422
    r = client.patch(f"{API}/{c['id']}", json={"birth_date": None, "company_id": None}, headers=admin)
    assert r.status_code == 200 and r.json["birth_date"] is None


def _listener_plugin():
    """A throwaway plugin recording the customer events the API announces."""
    import types

    from core.hooks import hookimpl
    from core.plugins import PluginManifest

    module = types.ModuleType("api_listener")
    module.__file__ = __file__  # the registry looks for migrations next to it (there are none)
    module.manifest = PluginManifest(name="api_listener", label="API listener")
    module.seen = []

    @hookimpl
    def customer_created(customer):
        module.seen.append(("created", customer["name"]))

    @hookimpl
    def customer_updated(customer, changes):
        module.seen.append(("updated", sorted(changes)))

    @hookimpl
    def interaction_logged(interaction):
        module.seen.append(("logged", interaction["channel"]))

    module.customer_created, module.customer_updated = customer_created, customer_updated
    module.interaction_logged = interaction_logged
    return module


LISTENER = _listener_plugin()


@pytest.mark.plugins("api_listener", extra=[LISTENER])
def test_api_writes_announce_events(client, admin):
    LISTENER.seen.clear()
    cid = _create(client, admin, name="Eve")["id"]
    client.patch(f"{API}/{cid}", json={"name": "Eva"}, headers=admin)
    client.patch(f"{API}/{cid}", json={"emails": ["broken"]}, headers=admin)  # refused: no event
    client.post(f"{API}/{cid}/interactions", json={"channel": "sms", "subject": "hi"}, headers=admin)
    assert LISTENER.seen == [("created", "Eve"), ("updated", ["name"]), ("logged", "sms")]


def test_unknown_customer_is_404(client, admin):
    for method in ("get", "patch", "delete"):
        r = getattr(client, method)(f"{API}/424242", json={"name": "x"}, headers=admin)
        assert r.status_code == 404 and r.json["message"] == "No such customer.", method
    assert client.get(f"{API}/424242/interactions", headers=admin).status_code == 404
    r = client.post(f"{API}/424242/interactions", json={"channel": "phone", "subject": "x"}, headers=admin)
    assert r.status_code == 404
    assert client.get(f"{API}/abc", headers=admin).status_code == 404
    assert client.get(f"{API}/{10**30}", headers=admin).status_code == 404  # not an overflow 500
    r = client.get("/api/v1/no-such-resource", headers=admin)
    assert r.status_code == 404 and r.json["code"] == 404  # JSON, not an HTML page


def test_delete(app, client, admin):
    c = _create(client, admin, name="Temp", emails=["t@example.com"])
    client.post(f"{API}/{c['id']}/interactions", json={"channel": "note", "subject": "hello"}, headers=admin)
    r = client.delete(f"{API}/{c['id']}", headers=admin)
    assert r.status_code == 204 and r.data == b""
    assert client.get(f"{API}/{c['id']}", headers=admin).status_code == 404
    assert _count(app) == 0 and _count(app, Interaction) == 0


def test_delete_company_unlinks_its_people(app, client, admin):
    company = _create(client, admin, name="Acme", kind="company")
    person = _create(client, admin, name="Ann", company_id=company["id"])
    assert client.delete(f"{API}/{company['id']}", headers=admin).status_code == 204  # as on the web page
    assert client.get(f"{API}/{person['id']}", headers=admin).json["company_id"] is None


def test_delete_refused_while_referenced(app, client, admin):
    """A table (a plugin's, say) whose foreign key has no ON DELETE action blocks the delete."""
    c = _create(client, admin, name="Referenced")
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE test_ref (id INTEGER PRIMARY KEY, "
                                   "customer_id INTEGER NOT NULL REFERENCES core_customer (id))"))
        db.session.execute(sa.text("INSERT INTO test_ref (id, customer_id) VALUES (1, :c)"), {"c": c["id"]})
        db.session.commit()
    r = client.delete(f"{API}/{c['id']}", headers=admin)
    assert r.status_code == 409
    assert "test_ref: 1" in r.json["message"] and "nothing was deleted" in r.json["message"]
    assert client.get(f"{API}/{c['id']}", headers=admin).status_code == 200


# -- list, search, paging -----------------------------------------------------------------


def test_list_paginates_without_duplicates(app, client, admin):
    from core.customers.service import create_customer

    with app.app_context():
        for i in range(23):
            create_customer({"name": f"Customer {i:02d}"})
        db.session.commit()
    ids, cursor, pages = [], None, 0
    while True:
        r = client.get(API, query_string={"limit": 5, **({"cursor": cursor} if cursor else {})}, headers=admin)
        assert r.status_code == 200
        assert len(r.json["items"]) <= 5
        ids += [c["id"] for c in r.json["items"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert pages == 5 and len(ids) == 23 and len(set(ids)) == 23
    names = [c["name"] for c in client.get(API, query_string={"limit": 200}, headers=admin).json["items"]]
    assert names == sorted(names) and len(names) == 23
    assert len(client.get(API, headers=admin).json["items"]) == 23  # default limit 50


def test_list_search_folds_case_and_accents(app, client, admin):
    for name in ("Zoë Papadopoulou", "Παπαδόπουλος", "Šarūnas Jonaitis", "Zed"):
        _create(client, admin, name=name)
    def names(q):
        r = client.get(API, query_string={"q": q}, headers=admin)
        assert r.status_code == 200
        return [c["name"] for c in r.json["items"]]
    assert names("ZOË") == ["Zoë Papadopoulou"]
    assert names("zoe") == ["Zoë Papadopoulou"]
    assert names("παπαδοπουλος") == ["Παπαδόπουλος"]
    assert names("sarunas") == ["Šarūnas Jonaitis"]
    assert names("%") == [] and names("_") == []  # wildcards are literal
    assert len(names("")) == 4


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "many"}, "limit"),
    ({"cursor": "garbage"}, "cursor"), ({"cursor": "WzEsMiwzXQ"}, "cursor"),  # [1,2,3]
    ({"cursor": "WzEsImEiXQ"}, "cursor"),  # [1,"a"]: wrong types
    ({"cursor": "WyJhIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"}, "cursor"),  # ["a",10**21]: id out of range
    ({"q": "q" * 201}, "q"),
])
def test_list_rejects_bad_query(client, admin, query, field):
    r = client.get(API, query_string=query, headers=admin)
    _assert_422(r, "query", field)


# -- interactions -------------------------------------------------------------------------


def test_interactions(app, client, admin):
    c = _create(client, admin, name="Ann")
    url = f"{API}/{c['id']}/interactions"
    r = client.post(url, json={"channel": "phone", "direction": "inbound", "subject": "Asked for a quote",
                               "body": "Wants 2 units", "occurred_at": "2024-03-01T10:00:00+02:00"}, headers=admin)
    assert r.status_code == 201, r.json
    first = r.json
    assert first["channel"] == "phone" and first["occurred_at"].startswith("2024-03-01T08:00:00")
    assert first["user_id"] is not None and first["kind"] == "interaction"
    for i in range(6):
        assert client.post(url, json={"channel": "email", "subject": f"Mail {i}"}, headers=admin).status_code == 201
    r = client.get(url, query_string={"limit": 4}, headers=admin)
    assert r.status_code == 200 and len(r.json["items"]) == 4 and r.json["next_cursor"]
    page2 = client.get(url, query_string={"limit": 4, "cursor": r.json["next_cursor"]}, headers=admin).json
    items = r.json["items"] + page2["items"]
    assert len(items) == 7 and len({i["id"] for i in items}) == 7 and page2["next_cursor"] is None
    times = [i["occurred_at"] for i in items]
    assert times == sorted(times, reverse=True) and items[-1]["id"] == first["id"]  # newest first
    phone_only = client.get(url, query_string={"channel": "phone"}, headers=admin).json["items"]
    assert [i["id"] for i in phone_only] == [first["id"]]


@pytest.mark.parametrize("payload, field", [
    ({"channel": "pigeon", "subject": "x"}, "channel"),
    ({"subject": "x"}, "channel"),
    ({"channel": "phone", "direction": "sideways", "subject": "x"}, "direction"),
    ({"channel": "phone"}, "subject"),
    ({"channel": "phone", "subject": "s" * 301}, "subject"),
    ({"channel": "phone", "subject": "x", "occurred_at": "yesterday"}, "occurred_at"),
    ({"channel": "phone", "subject": "x", "occurred_at": "2024-03-01T10:00:00"}, "occurred_at"),  # no offset
    ({"channel": "phone", "subject": 5}, "subject"),
    ({"channel": "phone", "subject": "x", "occurred_at": "0001-01-01T00:00:00-14:00"}, "occurred_at"),
    ({"channel": "phone", "subject": "x", "occurred_at": "1850-01-01T00:00:00+00:00"}, "occurred_at"),
    ({"channel": "phone", "subject": "bell\u0007"}, "subject"),
])
def test_interaction_bad_input(app, client, admin, payload, field):
    c = _create(client, admin, name="Ann")
    r = client.post(f"{API}/{c['id']}/interactions", json=payload, headers=admin)
    _assert_422(r, "json", field)
    assert _count(app, Interaction) == 0


def test_interactions_bad_cursor(client, admin):
    c = _create(client, admin, name="Ann")
    r = client.get(f"{API}/{c['id']}/interactions", query_string={"cursor": "WyJub3QgYSBkYXRlIiwxXQ"}, headers=admin)
    _assert_422(r, "query", "cursor")


# -- OpenAPI ------------------------------------------------------------------------------


def test_openapi_document(client):
    r = client.get("/api/v1/openapi.json")  # public, no token
    assert r.status_code == 200
    doc = r.json
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for path, methods in {
        "/api/v1/customers": {"get", "post"},
        "/api/v1/customers/{customer_id}": {"get", "patch", "delete"},
        "/api/v1/customers/{customer_id}/interactions": {"get", "post"},
        "/api/v1/products": {"get", "post"},
        "/api/v1/products/{product_id}": {"get", "patch"},
    }.items():
        assert methods <= set(paths[path]), path
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in doc["security"]
    schemas = doc["components"]["schemas"]
    assert "emails" in schemas["CustomerInput"]["properties"] and "name" in schemas["CustomerInput"]["required"]
    assert schemas["CustomerInput"]["properties"]["name"]["maxLength"] == 200
    post = paths["/api/v1/customers"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CustomerInput")
    assert {"201", "401", "403", "422"} <= set(post["responses"])
    assert "409" in paths["/api/v1/customers/{customer_id}"]["delete"]["responses"]
    params = {p["name"] for p in paths["/api/v1/customers"]["get"]["parameters"]}
    assert {"q", "limit", "cursor"} <= params
    json.dumps(doc)


# -- record rules -------------------------------------------------------------------------


def _own_customers_plugin():
    """A plugin declaring "own customers only" unless the user holds customers.all."""
    import types

    from core.contrib import Permission, RecordRule
    from core.hooks import hookimpl
    from core.plugins import PluginManifest

    module = types.ModuleType("own_customers")
    module.__file__ = __file__
    module.manifest = PluginManifest(name="own_customers", label="Own customers",
                                     permissions=(Permission("customers.all", "See every customer"),))

    @hookimpl
    def record_rules():
        return [RecordRule(Customer, "owner_id", "customers.all")]

    module.record_rules = record_rules
    return module


OWN = _own_customers_plugin()


@pytest.mark.plugins("own_customers", extra=[OWN])
def test_record_rules_hide_other_peoples_customers(app, client, admin, make_user, token_for):
    anna = make_user("anna@example.com", permissions=["customers.view", "customers.edit", "history.log"])
    make_user("boss@example.com", permissions=["customers.view", "customers.all"])
    mine = _create(client, admin, name="Anna's client", owner_id=anna)
    theirs = _create(client, admin, name="Someone else's client")
    headers = token_for("anna@example.com")
    r = client.get(API, headers=headers)
    assert [c["name"] for c in r.json["items"]] == ["Anna's client"]
    assert client.get(f"{API}/{mine['id']}", headers=headers).status_code == 200
    for method in ("get", "patch"):
        r = getattr(client, method)(f"{API}/{theirs['id']}", json={"name": "Mine now"}, headers=headers)
        assert r.status_code == 404, method  # hidden, not merely forbidden: existence is not revealed
    assert client.get(f"{API}/{theirs['id']}/interactions", headers=headers).status_code == 404
    r = client.post(f"{API}/{theirs['id']}/interactions", json={"channel": "note", "subject": "x"}, headers=headers)
    assert r.status_code == 404
    assert client.get(f"{API}/{theirs['id']}", headers=admin).json["name"] == "Someone else's client"
    assert len(client.get(API, headers=token_for("boss@example.com")).json["items"]) == 2
